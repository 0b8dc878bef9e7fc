// What verify prints: a table and one closing sentence for people, or `{ "tables": [...] }` for tools.
import Table from 'cli-table3';
import type { Colors } from '../terminal.js';
import type { TableReport } from './check.js';
import type { Repaired } from './repair.js';

export type TableResult = TableReport & { readonly repaired?: Repaired };

const number = (n: number): string => n.toLocaleString('en-US');

export function divergence(t: TableReport): number {
  return t.stale + t.orphanedPointers + t.missingIndex + t.staleLists;
}

export function renderReport(tables: readonly TableResult[], colors: Colors): string {
  const grid = new Table({
    head: ['table', 'checked', 'equal', 'stale', 'orphaned pointers', 'missing index', 'not served'].map((h) => colors.bold(h)),
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    // cli-table3 colours its head and border itself; ours follow NO_COLOR and the terminal rule instead.
    style: { head: [], border: [], compact: true },
  });
  const bad = (n: number): string => (n > 0 ? colors.red(number(n)) : number(n));
  for (const t of tables) {
    grid.push([`${t.schema}.${t.name}`, number(t.checked), number(t.equal), bad(t.stale), bad(t.orphanedPointers), bad(t.missingIndex), number(t.notServed)]);
  }
  return `${grid.toString()}\n${closingSentence(tables)}\n`;
}

function closingSentence(tables: readonly TableResult[]): string {
  const sum = (pick: (t: TableResult) => number) => tables.reduce((n, t) => n + pick(t), 0);
  const checked = sum((t) => t.checked);
  const divergent = tables.filter((t) => divergence(t) > 0);
  const plural = (n: number, word: string) => `${number(n)} ${word}${n === 1 ? '' : 's'}`;
  if (divergent.length === 0) return `All ${plural(checked, 'cached row')} in ${plural(tables.length, 'table')} agree with Postgres.`;
  const lists = sum((t) => t.staleLists);
  const found = `${plural(sum((t) => t.stale), 'stale row')}, ${plural(sum((t) => t.orphanedPointers), 'orphaned pointer')} and ${plural(sum((t) => t.missingIndex), 'missing index entry').replace(/entrys$/, 'entries')}${lists > 0 ? ` (and ${plural(lists, 'stale list')})` : ''}`;
  const repaired = tables.some((t) => t.repaired !== undefined);
  if (!repaired) return `Found ${found} in ${plural(divergent.length, 'table')}; run with --repair to invalidate them.`;
  const rows = sum((t) => t.repaired?.rowsInvalidated ?? 0);
  const pointers = sum((t) => t.repaired?.pointersDeleted ?? 0);
  return `Found ${found}; invalidated ${plural(rows, 'row')} (the next read refills them) and deleted ${plural(pointers, 'orphaned pointer')}.`;
}

export function reportJson(tables: readonly TableResult[]): string {
  return `${JSON.stringify({ tables }, null, 2)}\n`;
}
