// What stats prints: a table for people (once, or redrawn by --watch with rates since the previous refresh), or
// `{ "tables": [...] }` for tools.
import Table from 'cli-table3';
import type { Colors } from '../terminal.js';
import type { TableFigures } from './figures.js';

const number = (n: number): string => n.toLocaleString('en-US');

/** Figures of the previous refresh and the seconds since it: --watch shows rates. */
export interface Previous {
  readonly tables: readonly TableFigures[];
  readonly seconds: number;
}

export function renderFigures(tables: readonly TableFigures[], colors: Colors, previous?: Previous): string {
  const head = ['table', 'cached rows', 'memory (est.)', 'hits', 'misses', 'hit ratio', 'fills', 'lease waits', 'invalidations', 'errors'];
  if (previous) head.push('hits/s', 'misses/s', 'ratio since last');
  const grid = new Table({
    head: head.map((h) => colors.bold(h)),
    colAligns: ['left', ...head.slice(1).map(() => 'right' as const)],
    // cli-table3 colours its head and border itself; ours follow NO_COLOR and the terminal rule instead.
    style: { head: [], border: [], compact: true },
  });
  for (const t of tables) {
    const row = [
      `${t.schema}.${t.name}`,
      `${t.approximate ? '≈' : ''}${number(t.cachedRows)}`,
      `~${bytes(t.memoryBytes)}`,
      number(t.hits),
      number(t.misses),
      ratio(t.hitRatio, colors),
      number(t.fills),
      number(t.leaseWaits),
      number(t.invalidations),
      t.errors > 0 ? colors.red(number(t.errors)) : number(t.errors),
    ];
    if (previous) row.push(...rates(t, previous, colors));
    grid.push(row);
  }
  return `${grid.toString()}\n`;
}

function rates(t: TableFigures, previous: Previous, colors: Colors): string[] {
  const before = previous.tables.find((p) => p.schema === t.schema && p.name === t.name);
  const hits = t.hits - (before?.hits ?? 0);
  const misses = t.misses - (before?.misses ?? 0);
  const perSecond = (n: number) => (previous.seconds > 0 ? (n / previous.seconds).toFixed(1) : '-');
  return [perSecond(hits), perSecond(misses), ratio(hits + misses === 0 ? null : hits / (hits + misses), colors)];
}

function ratio(value: number | null, colors: Colors): string {
  if (value === null) return '-';
  const text = `${(value * 100).toFixed(1)}%`;
  if (value >= 0.9) return colors.green(text);
  return value >= 0.5 ? colors.yellow(text) : colors.red(text);
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function figuresJson(tables: readonly TableFigures[]): string {
  return `${JSON.stringify({ tables }, null, 2)}\n`;
}
