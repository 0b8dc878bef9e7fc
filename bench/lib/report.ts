// Text output of a run (pure): the results table, the value cases and the targets.
import { isTimed, isValue, type CaseResult, type Target } from './targets.js';

/** The case each timed case is compared with in the table and the chart (the floor it should approach). */
export function referenceOf(name: string): string | undefined {
  if (name === 'redis.get' || name === 'redis.mget100' || name === 'drizzle.upsert') return undefined;
  if (/\.cluster1?$/.test(name)) return name.replace(/\.cluster1?$/, ''); // the same read on the single Redis
  if (name.endsWith('100')) return 'redis.mget100';
  if (name === 'hs.missFill') return 'drizzle.selectByPk';
  if (name === 'hs.save' || name === 'hs.removeInsert' || name === 'drizzle.updateWithTriggers') return 'drizzle.upsert';
  return 'redis.get';
}

/** Time per op of `name` over that of its reference, at one concurrency (undefined when either is missing). */
export function ratioToReference(results: readonly CaseResult[], name: string, concurrency: number): { ratio: number; reference: string } | undefined {
  const reference = referenceOf(name);
  const a = results.find((r) => r.name === name && isTimed(r) && r.concurrency === concurrency);
  const b = results.find((r) => r.name === reference && isTimed(r) && r.concurrency === concurrency);
  if (reference === undefined || a === undefined || b === undefined || !isTimed(a) || !isTimed(b)) return undefined;
  return { ratio: b.opsPerSec / a.opsPerSec, reference };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatResults(results: readonly CaseResult[]): string {
  const rows: string[][] = [['case', 'c', 'ops/s', 'p50 µs', 'p99 µs', 'cpu µs/op', 'time/op vs']];
  for (const r of results) {
    if (isTimed(r)) {
      const vs = ratioToReference(results, r.name, r.concurrency);
      rows.push([r.name, String(r.concurrency), int(r.opsPerSec), int(r.p50us), int(r.p99us), r.cpuUsPerOp.toFixed(1), vs ? `${vs.ratio.toFixed(2)}× ${vs.reference}` : '']);
    } else if ('skipped' in r && r.concurrency !== undefined) {
      rows.push([r.name, String(r.concurrency), 'skipped', '', '', '', '']);
    }
  }
  const lines = [table(rows, [false, true, true, true, true, true, false])];
  const values: string[][] = [['figure', 'value', 'detail']];
  for (const r of results) {
    if (isValue(r)) values.push([r.name, `${formatNumber(r.value)} ${r.unit}`, r.detail ? JSON.stringify(r.detail) : '']);
    else if ('skipped' in r && r.concurrency === undefined) values.push([r.name, 'skipped', r.skipped]);
  }
  const skipped = [...new Set(results.filter((r) => 'skipped' in r && r.concurrency !== undefined).map((r) => ('skipped' in r ? `${r.name}: ${r.skipped}` : '')))];
  lines.push('', table(values, [false, true, false]));
  if (skipped.length > 0) lines.push('', ...skipped.map((s) => `skipped ${s}`));
  return lines.join('\n');
}

export function formatTargets(targets: readonly Target[]): string {
  const rows = [['target', 'value', 'limit', 'met']];
  for (const t of targets) {
    if (t.informational === true) rows.push([t.name, t.value === null ? '—' : formatNumber(t.value), 'none', 'info']);
    else rows.push([t.name, t.value === null ? '—' : targetValue(t.value, t), `${t.comparison} ${t.limit}`, t.met ? 'yes' : t.reason ? `no (${t.reason})` : 'no']);
  }
  return table(rows, [false, true, false, false]);
}

/** A paired ratio shows the unpaired one beside it (bench/lib/paired.ts). */
function targetValue(value: number, t: Target): string {
  return t.unpaired === undefined ? formatNumber(value) : `${formatNumber(value)} (unpaired ${formatNumber(t.unpaired)})`;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? int(n) : n.toFixed(n < 10 ? 3 : 1);
}

function table(rows: readonly string[][], right: readonly boolean[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: readonly string[]) =>
    r.map((cell, i) => (right[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const [head, ...body] = rows;
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The README's markdown table of timed cases (c=1 and c=64 side by side). */
export function markdownResults(results: readonly CaseResult[]): string {
  const names = [...new Set(results.filter((r) => isTimed(r) || ('skipped' in r && r.concurrency !== undefined)).map((r) => r.name))];
  const cell = (name: string, c: number) => {
    const r = results.find((x) => x.name === name && 'concurrency' in x && x.concurrency === c);
    if (r === undefined) return ['', '', '', ''];
    if (!isTimed(r)) return ['skipped', '', '', ''];
    const vs = ratioToReference(results, name, c);
    return [int(r.opsPerSec), int(r.p50us), int(r.p99us), vs ? `${vs.ratio.toFixed(2)}×` : ''];
  };
  const lines = [
    '| case | c=1 ops/s | p50 µs | p99 µs | vs ref | c=64 ops/s | p50 µs | p99 µs | vs ref | ref |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const name of names) lines.push(`| \`${name}\` | ${[...cell(name, 1), ...cell(name, 64)].join(' | ')} | ${referenceOf(name) ?? ''} |`);
  return lines.join('\n');
}

export function markdownTargets(targets: readonly Target[]): string {
  const lines = ['| target | value | limit | met |', '|---|--:|---|---|'];
  for (const t of targets) {
    if (t.informational === true) lines.push(`| ${t.name} | ${t.value === null ? '—' : formatNumber(t.value)} | none | info |`);
    else lines.push(`| ${t.name} | ${t.value === null ? '—' : targetValue(t.value, t)} | ${t.comparison} ${t.limit} | ${t.met ? 'yes' : t.reason ? `no: ${t.reason}` : '**no**'} |`);
  }
  return lines.join('\n');
}
