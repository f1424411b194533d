/**
 * Kafka's own Java producer, transactions included, driven from a test: test/support/txn-producer/
 * TxnProducer.java (its comment states the line protocol), compiled with javac against the
 * kafka-clients jar of the broker's jars (deploy/kafka/jars) into a temporary directory, once per
 * test process, and run as a child process.
 */
import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { REPO_ROOT } from '@tributary/client';

const SOURCE = path.join(REPO_ROOT, 'test', 'support', 'txn-producer', 'TxnProducer.java');
const JARS = path.join(REPO_ROOT, 'deploy', 'kafka', 'jars');
let compiled: string | undefined;

function compile(): string {
  if (compiled) return compiled;
  if (!fs.readdirSync(JARS).some((f) => /^kafka-clients-.*\.jar$/.test(f))) throw new Error(`no kafka-clients jar in ${JARS}; run deploy/kafka/fetch.sh`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-txn-producer-'));
  try {
    execFileSync('javac', ['-nowarn', '-cp', `${JARS}/*`, '-d', dir, SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`javac (a JDK 17+) is needed to compile ${SOURCE}: ${(e as { stderr?: Buffer }).stderr?.toString() ?? (e as Error).message}`);
  }
  compiled = dir;
  return dir;
}

/** Where a producer's flushed sends went: partition → first offset. */
export type FirstOffsets = Map<number, bigint>;

export class JavaTxnProducer {
  private readonly answers: string[] = [];
  private readonly waiting: ((line: string | null) => void)[] = [];
  private stderr = '';
  private exited = false;

  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(line);
      else this.answers.push(line);
    });
    proc.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    proc.on('exit', () => {
      this.exited = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  /** Starts the producer process for `topic`; transactional ids are `<prefix>-<name>`. */
  static start(bootstrap: string, topic: string, prefix: string): JavaTxnProducer {
    const classes = compile();
    const proc = spawn('java', ['-cp', `${classes}${path.delimiter}${JARS}/*`, 'TxnProducer', bootstrap, topic, prefix], { stdio: 'pipe' });
    return new JavaTxnProducer(proc);
  }

  /** Sends one value to a partition through the named producer ("plain": not transactional); answered by the next flush. */
  send(producer: string, partition: number, value: Buffer | string): void {
    const text = value.toString();
    if (text.includes('\n')) throw new Error('a value sent through TxnProducer must be one line');
    this.proc.stdin.write(`${producer} send ${partition} ${text}\n`);
  }

  begin(producer: string): Promise<void> {
    return this.command(`${producer} begin`).then(() => undefined);
  }

  commit(producer: string): Promise<void> {
    return this.command(`${producer} commit`).then(() => undefined);
  }

  abort(producer: string): Promise<void> {
    return this.command(`${producer} abort`).then(() => undefined);
  }

  /** Flushes the producer's sends and returns where they went (first offset per partition). */
  async flush(producer: string): Promise<FirstOffsets> {
    const answer = await this.command(`${producer} flush`);
    return new Map(answer.split(' ').slice(1).map((pair) => {
      const [p, o] = pair.split(':');
      return [Number(p), BigInt(o)];
    }));
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exit = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin.end('quit\n');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 20_000);
    await exit;
    clearTimeout(timer);
  }

  private async command(line: string): Promise<string> {
    if (this.exited) throw new Error(`TxnProducer has exited: ${this.stderr}`);
    this.proc.stdin.write(`${line}\n`);
    const answer = this.answers.shift() ?? (await new Promise<string | null>((resolve) => this.waiting.push(resolve)));
    if (answer === null) throw new Error(`TxnProducer exited during "${line}": ${this.stderr}`);
    if (!answer.startsWith('ok')) throw new Error(`TxnProducer answered "${answer}" to "${line}"; stderr: ${this.stderr}`);
    return answer;
  }
}
