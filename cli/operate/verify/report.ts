// What verify prints: a table and one closing sentence for people, or `{ "tables": [...] }` for tools.
import Table from 'cli-table3';
import type { Colors } from '../terminal.js';
import type { TableReport } from './check.js';
import type { Repaired } from './repair.js';

export type TableResult = TableReport & { readonly repaired?: Repaired };

const number = (n: number): string => n.toLocaleString('en-US');

/**
 * What makes verify fail: a stale row or list could be served, and a cached row without its pointer is a writer or fill that
 * left its own row half-written. An orphaned pointer is neither: it is a hint that every lookup re-checks against the
 * row it names (invariant 3), and writers leave some in normal operation (the old values' pointers when the row they
 * would be learned from was evicted or refilled meanwhile, every stale one on a Cluster), until their TTL. So orphans
 * are reported, and `--repair` deletes them, but they do not count as a divergence.
 */
export function divergence(t: TableReport): number {
  return t.stale + t.missingIndex + t.staleLists;
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
    grid.push([`${t.schema}.${t.name}`, number(t.checked), number(t.equal), bad(t.stale), number(t.orphanedPointers), bad(t.missingIndex), number(t.notServed)]);
  }
  return `${grid.toString()}\n${closingSentence(tables)}\n`;
}

function closingSentence(tables: readonly TableResult[]): string {
  const sum = (pick: (t: TableResult) => number) => tables.reduce((n, t) => n + pick(t), 0);
  const checked = sum((t) => t.checked);
  const divergent = tables.filter((t) => divergence(t) > 0);
  const plural = (n: number, word: string) => `${number(n)} ${word}${n === 1 ? '' : 's'}`;
  const repaired = tables.some((t) => t.repaired !== undefined);
  const orphans = orphansSentence(tables, repaired, plural);
  if (divergent.length === 0) return `All ${plural(checked, 'cached row')} in ${plural(tables.length, 'table')} agree with Postgres.${orphans}`;
  const lists = sum((t) => t.staleLists);
  const found = `${plural(sum((t) => t.stale), 'stale row')} and ${plural(sum((t) => t.missingIndex), 'missing index entry').replace(/entrys$/, 'entries')}${lists > 0 ? ` (and ${plural(lists, 'stale list')})` : ''}`;
  if (!repaired) return `Found ${found} in ${plural(divergent.length, 'table')}; run with --repair to invalidate them.${orphans}`;
  const rows = sum((t) => t.repaired?.rowsInvalidated ?? 0);
  return `Found ${found}; invalidated ${plural(rows, 'row')} (the next read refills them).${orphans}`;
}

/** Orphaned pointers, said apart from the divergence: hints every lookup re-checks (see `divergence`). */
function orphansSentence(tables: readonly TableResult[], repaired: boolean, plural: (n: number, word: string) => string): string {
  const found = tables.reduce((n, t) => n + t.orphanedPointers, 0);
  if (found === 0) return '';
  const deleted = tables.reduce((n, t) => n + (t.repaired?.pointersDeleted ?? 0), 0);
  const what = `${plural(found, 'orphaned pointer')} (${found === 1 ? 'a hint' : 'hints'} every lookup re-checks, not a divergence)`;
  return repaired ? ` ${what}: deleted ${number(deleted)}.` : ` ${what}: --repair deletes them.`;
}

export function reportJson(tables: readonly TableResult[]): string {
  return `${JSON.stringify({ tables }, null, 2)}\n`;
}
