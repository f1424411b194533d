/**
 * Progress bars for long work a person waits on (`produce`, `table optimize`/`vacuum`, the demo's
 * backlog), drawn on
 * one line of stdout with carriage returns — only when stdout is a terminal: piped or redirected
 * output, logs and tests get none of it.
 *
 *   with a total:  label [██████████░░░░░░░░░░]  52%  52,000/100,000  12.3 s
 *   without one:   label ⠋ 12.3 s   (a spinner while work of unknown size runs)
 */
export interface ProgressBar {
  /** Sets how much is done (with a total). */
  update(done: number): void;
  /** Clears the bar's line; the caller prints its summary after. */
  finish(): void;
}

const WIDTH = 24;
const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
const REDRAW_MS = 100;

export function progressBar(label: string, total?: number, out: NodeJS.WriteStream = process.stdout): ProgressBar {
  if (!out.isTTY) return { update() {}, finish() {} };
  const start = Date.now();
  let done = 0, frame = 0, lastDraw = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < REDRAW_MS) return;
    lastDraw = now;
    const seconds = `${((now - start) / 1000).toFixed(1)} s`;
    let line: string;
    if (total !== undefined && total > 0) {
      const share = Math.min(1, done / total);
      const filled = Math.round(share * WIDTH);
      line = `${label} [${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${done.toLocaleString('en')}/${total.toLocaleString('en')}  ${seconds}`;
    } else {
      line = `${label} ${SPINNER[frame++ % SPINNER.length]} ${seconds}`;
    }
    out.write(`\r${line.slice(0, (out.columns || 80) - 1)}\x1b[K`);
  };
  const timer = setInterval(() => draw(), REDRAW_MS);
  timer.unref();
  draw(true);
  return {
    update(n) { done = n; draw(); },
    finish() { clearInterval(timer); out.write('\r\x1b[K'); },
  };
}

/** Runs `work` with a spinner (work of unknown size). */
export async function withSpinner<T>(label: string, work: () => Promise<T>): Promise<T> {
  const bar = progressBar(label);
  try {
    return await work();
  } finally {
    bar.finish();
  }
}
