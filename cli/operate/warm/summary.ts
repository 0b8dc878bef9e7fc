// The end of a warm: per table, what it read and what became of those rows, as a table for people or JSON for tools.
import Table from 'cli-table3';
import type { Colors } from '../terminal.js';
import type { TableWarmResult } from './engine.js';
import type { TableTally } from './tally.js';

export interface TableSummary {
  readonly schema: string;
  readonly name: string;
  /** Export name in the schema module: what `hotstorage warm TABLE` takes. */
  readonly table: string;
  readonly completed: boolean;
  readonly rowsRead: number;
  readonly filled: number;
  readonly alreadyCached: number;
  readonly leftAlone: number;
  readonly redisErrors: number;
  /** Rows done over this run and the interrupted runs it resumed. */
  readonly done: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

export function summarize(table: { schema: string; name: string; exportName: string }, result: TableWarmResult, tally: TableTally): TableSummary {
  return {
    schema: table.schema,
    name: table.name,
    table: table.exportName,
    completed: result.completed,
    rowsRead: result.rowsRead,
    filled: tally.filled,
    alreadyCached: tally.alreadyCached,
    leftAlone: tally.leftAlone,
    redisErrors: tally.redisErrors,
    done: result.done,
    seconds: Math.round(result.seconds * 1000) / 1000,
    rowsPerSecond: result.seconds > 0 ? Math.round(result.rowsRead / result.seconds) : 0,
  };
}

const number = (n: number): string => n.toLocaleString('en-US');

export function renderSummary(tables: readonly TableSummary[], colors: Colors): string {
  const grid = new Table({
    head: ['table', 'rows read', 'filled', 'already cached', 'left alone', 'seconds', 'rows/s', 'status'].map((h) => colors.bold(h)),
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    // cli-table3 colours its head and border itself; ours follow NO_COLOR and the terminal rule instead.
    style: { head: [], border: [], compact: true },
  });
  for (const t of tables) {
    const status = t.completed ? colors.green('done') : colors.yellow('stopped');
    grid.push([`${t.schema}.${t.name}`, number(t.rowsRead), number(t.filled), number(t.alreadyCached), number(t.leftAlone), t.seconds.toFixed(1), number(t.rowsPerSecond), status]);
  }
  return `${grid.toString()}\n`;
}

export function summaryJson(tables: readonly TableSummary[], extra: Record<string, unknown>): string {
  return `${JSON.stringify({ tables, ...extra }, null, 2)}\n`;
}
