/**
 * The benchmark report as one self-contained HTML page: tables and inline SVG charts (horizontal
 * bars with an optional target line, and line charts), no scripts and no external files.
 */

export interface Bar { label: string; value: number; note?: string }

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100));

export function barChart(title: string, bars: Bar[], unit: string, target?: { value: number; label: string }): string {
  const width = 760, labelW = 270, row = 26, top = 30;
  bars = bars.filter((b) => Number.isFinite(b.value));
  const max = Math.max(1e-9, ...bars.map((b) => b.value), target?.value ?? 0) * 1.1;
  const x = (v: number) => labelW + (v / max) * (width - labelW - 110);
  const h = top + bars.length * row + 20;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<text x="0" y="16" font-weight="bold" font-size="14">${esc(title)}</text>`];
  bars.forEach((b, i) => {
    const y = top + i * row;
    parts.push(`<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${labelW}" y="${y + 3}" width="${Math.max(1, x(b.value) - labelW)}" height="${row - 8}" fill="#4c78a8"/>`);
    parts.push(`<text x="${x(b.value) + 4}" y="${y + 15}">${esc(`${fmt(b.value)} ${unit}${b.note ? ` ${b.note}` : ''}`)}</text>`);
  });
  if (target) {
    const tx = x(target.value);
    parts.push(`<line x1="${tx}" x2="${tx}" y1="${top - 4}" y2="${h - 14}" stroke="#e45756" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${tx + 3}" y="${h - 3}" fill="#e45756">${esc(target.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface Series { name: string; points: [number, number][]; color?: string }

export function lineChart(title: string, series: Series[], xLabel: string, yLabel: string, target?: { value: number; label: string }): string {
  const width = 760, height = 300, left = 70, right = 20, top = 30, bottom = 40;
  series = series.map((s) => ({ ...s, points: s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1])) }));
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<p>${esc(title)}: no data</p>`;
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1e-9);
  const y1 = Math.max(...ys, target?.value ?? 0) * 1.1 || 1;
  const sx = (v: number) => left + ((v - x0) / (x1 - x0)) * (width - left - right);
  const sy = (v: number) => top + (1 - v / y1) * (height - top - bottom);
  const colors = ['#4c78a8', '#f58518', '#54a24b', '#b279a2'];
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="0" y="16" font-weight="bold" font-size="14">${esc(title)}</text>`,
    `<line x1="${left}" x2="${width - right}" y1="${sy(0)}" y2="${sy(0)}" stroke="#888"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${sy(0)}" stroke="#888"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 6}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="14" y="${(top + height - bottom) / 2}" transform="rotate(-90 14 ${(top + height - bottom) / 2})" text-anchor="middle">${esc(yLabel)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const v = (y1 / 4) * i;
    parts.push(`<text x="${left - 4}" y="${sy(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
    parts.push(`<text x="${sx(x0 + ((x1 - x0) / 4) * i)}" y="${height - bottom + 14}" text-anchor="middle">${fmt(x0 + ((x1 - x0) / 4) * i)}</text>`);
  }
  series.forEach((s, i) => {
    const c = s.color ?? colors[i % colors.length];
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${s.points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ')}"/>`);
    for (const p of s.points.length <= 60 ? s.points : []) parts.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2.5" fill="${c}"/>`);
    parts.push(`<text x="${width - right - 4}" y="${top + 16 * (i + 1)}" text-anchor="end" fill="${c}">${esc(s.name)}</text>`);
  });
  if (target) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${sy(target.value)}" y2="${sy(target.value)}" stroke="#e45756" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${left + 4}" y="${sy(target.value) - 4}" fill="#e45756">${esc(target.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export function table(headers: string[] | null, rows: (string | number)[][]): string {
  const cell = (v: string | number) => `<td>${esc(typeof v === 'number' ? fmt(v) : v)}</td>`;
  const head = headers ? `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>` : '';
  return `<table${headers ? '' : ' class="kv"'}>${head}${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</table>`;
}

export function page(title: string, sections: { heading: string; body: string }[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font-family:sans-serif;max-width:820px;margin:20px auto;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}table.kv td{text-align:left;word-break:break-word}pre{font-size:11px;background:#f7f7f7;padding:6px}
</style></head><body><h1>${esc(title)}</h1>${sections.map((s) => `<h2>${esc(s.heading)}</h2>${s.body}`).join('')}</body></html>`;
}
