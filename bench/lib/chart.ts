// The bench's chart (pure: results in, SVG text out). One panel per concurrency; in each, a horizontal bar per
// timed case: its p50 latency on a log scale, labelled with the p50 and its ratio to its reference's p50 (the
// raw-Redis floor for reads, drizzle.upsert for writes). Colours by family: floor, hotstorage, what users write instead.
import { isTimed, type CaseResult } from './targets.js';
import { referenceOf } from './report.js';

const WIDTH = 980;
const LABEL = 190;
const BAR_AREA = 560;
const ROW = 20;
const COLOURS = { floor: '#7f7f7f', hs: '#e8590c', other: '#5f3dc4' } as const;

function family(name: string): keyof typeof COLOURS {
  if (name.startsWith('redis.')) return 'floor';
  if (name.startsWith('hs.')) return 'hs';
  return 'other';
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderChart(results: readonly CaseResult[], caption: string): string {
  const timed = results.filter(isTimed);
  const levels = [...new Set(timed.map((r) => r.concurrency))].sort((a, b) => a - b);
  const all = timed.map((r) => r.p50us).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all, 10)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all, 100)));
  const x = (us: number) => LABEL + (Math.log10(Math.max(us, lo) / lo) / Math.log10(hi / lo)) * BAR_AREA;

  const parts: string[] = [];
  let y = 48;
  for (const c of levels) {
    const cases = timed.filter((r) => r.concurrency === c);
    const skipped = results.filter((r) => 'skipped' in r && r.concurrency === c);
    parts.push(`<text x="10" y="${y}" class="h">concurrency ${c}</text>`);
    y += 10;
    const top = y;
    const height = (cases.length + skipped.length) * ROW;
    for (let d = lo; d <= hi; d *= 10) {
      const gx = x(d).toFixed(1);
      parts.push(`<line x1="${gx}" y1="${top}" x2="${gx}" y2="${top + height}" class="grid"/>`);
      parts.push(`<text x="${gx}" y="${top + height + 13}" class="axis" text-anchor="middle">${d >= 1e6 ? `${d / 1e6} s` : d >= 1000 ? `${d / 1000} ms` : `${d} µs`}</text>`);
    }
    for (const r of cases) {
      const reference = referenceOf(r.name);
      const ref = cases.find((x) => x.name === reference);
      const w = Math.max(1, x(r.p50us) - LABEL);
      parts.push(`<text x="${LABEL - 8}" y="${y + 14}" text-anchor="end">${escapeXml(r.name)}</text>`);
      parts.push(`<rect x="${LABEL}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" fill="${COLOURS[family(r.name)]}"/>`);
      const label = `${Math.round(r.p50us)} µs${ref ? ` · ${(r.p50us / ref.p50us).toFixed(2)}× ${ref.name}` : r.name.startsWith('redis.') ? ' · floor' : ' · reference'}`;
      parts.push(`<text x="${(LABEL + w + 6).toFixed(1)}" y="${y + 14}" class="v">${escapeXml(label)}</text>`);
      y += ROW;
    }
    for (const r of skipped) {
      parts.push(`<text x="${LABEL - 8}" y="${y + 14}" text-anchor="end">${escapeXml(r.name)}</text>`);
      parts.push(`<text x="${LABEL + 6}" y="${y + 14}" class="v">skipped${'skipped' in r ? `: ${escapeXml(r.skipped)}` : ''}</text>`);
      y += ROW;
    }
    y += 40;
  }
  const legend = Object.entries({ 'raw ioredis (floor)': COLOURS.floor, hotstorage: COLOURS.hs, 'Drizzle / postgres.js': COLOURS.other })
    .map(([name, colour], i) => `<rect x="${10 + i * 190}" y="${y - 12}" width="12" height="12" fill="${colour}"/><text x="${28 + i * 190}" y="${y - 2}">${name}</text>`)
    .join('');
  const height = y + 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">
<style>.h{font-weight:bold;font-size:13px}.grid{stroke:#ddd}.axis{fill:#666;font-size:10px}.v{fill:#333;font-size:11px}.t{font-weight:bold;font-size:14px}.cap{fill:#666;font-size:11px}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="20" class="t">hotstorage bench: p50 latency per operation (log scale) and its ratio to the reference's p50</text>
<text x="10" y="34" class="cap">${escapeXml(caption)}</text>
${parts.join('\n')}
${legend}
</svg>
`;
}
