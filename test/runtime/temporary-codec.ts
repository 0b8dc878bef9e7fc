// TEMPORARY: a JSON row codec for the integer/serial/text columns of the runtime suites, used only until
// runtime/codecs.ts rowCodecFor lands (harness.ts switches automatically). Not a codec for applications.
import { getTableColumns } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { ColumnCodec, RowCodec } from '../../runtime/codecs.js';

export function temporaryRowCodec(table: PgTable): RowCodec {
  const entries = Object.entries(getTableColumns(table) as Record<string, PgColumn>);
  const columns: ColumnCodec[] = entries.map(([key, column]) => {
    const numeric = column.dataType === 'number';
    return {
      key,
      toJson: (value) => value,
      fromJson: (stored) => stored,
      keyPart(value) {
        if (numeric ? typeof value !== 'number' || !Number.isInteger(value) : typeof value !== 'string') {
          throw new TypeError(`column ${key}: ${String(value)} is not a valid key value`);
        }
        return String(value);
      },
    };
  });
  const byKey = new Map(columns.map((c) => [c.key, c]));
  return {
    columns,
    codecFor(key) {
      const codec = byKey.get(key);
      if (codec === undefined) throw new Error(`no column ${key}`);
      return codec;
    },
    encode: (row) => JSON.stringify(entries.map(([key]) => row[key] ?? null)),
    decode(text) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return undefined;
      }
      if (!Array.isArray(parsed) || parsed.length !== entries.length) return undefined;
      return Object.fromEntries(entries.map(([key], i) => [key, parsed[i]]));
    },
    signature: `temporary-json-1|${entries.map(([key, c]) => `${key}:${c.name}:${c.dataType}:${c.columnType}`).sort().join('|')}`,
  };
}
