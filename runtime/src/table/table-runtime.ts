// One table as one storage sees it: its checked keys, its codec and its key space. Built lazily on first use.
import { and, eq, getTableColumns, inArray, or, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { EpochView } from '../codecs/epoch-tag.js';
import type { RowCodec } from '../codecs/row-codec.js';
import { KeyUsageError } from '../errors.js';
import type { TableSpec } from '../types.js';
import { shapeHash, tableKeyspace, type ListKeys, type RowKeys, type TableKeyspace } from './keys.js';
import { readTableInfo, type KeyColumns, type TableInfo } from './table-info.js';

export type Values = Readonly<Record<string, unknown>>;

/** The key a lookup names and its values' key parts: what the read needs, computed once (accessors/arguments.ts). */
export interface CheckedKey {
  readonly key: KeyColumns;
  readonly parts: readonly string[];
  /** The row's keys, when the key is the identity (checkKey builds them with the parts). */
  readonly rowKeys?: RowKeys;
}

export interface TableRuntime {
  readonly table: PgTable;
  readonly info: TableInfo;
  readonly codec: RowCodec;
  readonly keyspace: TableKeyspace;
  /** The table's epoch under the change feed (lists carry it as rows do); undefined without the feed. */
  readonly epoch: EpochView | undefined;
  /** The spec list with exactly these columns (in order, else any order), or a KeyUsageError. */
  listNamed(columns: readonly string[]): KeyColumns;
  /** The keys of the list holding rows with these values; undefined when a value is null (no row is listed by null). */
  listKeys(list: KeyColumns, values: Values): ListKeys | undefined;
  /** The keys of every list this row is a member of. */
  listsOf(row: Values): ListKeys[];
  /** The spec key with exactly these columns (any order), or a KeyUsageError. */
  keyNamed(columns: readonly string[]): KeyColumns;
  /** Any of the table's columns (by property name), in the order given, or a KeyUsageError naming one it lacks. */
  columnsNamed(props: readonly string[]): KeyColumns;
  isIdentity(key: KeyColumns): boolean;
  /** keyPart texts of a key's columns; throws before any I/O for a missing or invalid value. */
  keyParts(key: KeyColumns, values: Values): string[];
  /** A lookup's key parts (and, for the identity, its row keys); throws before any I/O for a missing or invalid value. */
  checkKey(key: KeyColumns, values: Values): CheckedKey;
  /** True when every identity column has a value (an insert may leave a serial identity to the database). */
  hasIdentity(values: Values): boolean;
  rowKeys(values: Values): RowKeys;
  pointersOf(row: Values): string[];
  /** invariant 3: does this row carry exactly the queried key values? */
  carries(row: Values, key: KeyColumns, parts: readonly string[]): boolean;
  where(key: KeyColumns, values: Values): SQL;
  whereAny(key: KeyColumns, valuesList: readonly Values[]): SQL;
}

function sameInOrder(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function buildTableRuntime(input: { table: PgTable; spec: TableSpec; prefix: string; codec: RowCodec; epoch?: EpochView; identityMemo?: number }): TableRuntime {
  const { table, spec, codec } = input;
  const info = readTableInfo(table, spec);
  const shape = shapeHash({ signature: codec.signature, identity: spec.identity, uniqueKeys: spec.uniqueKeys });
  const keyspace = tableKeyspace({ prefix: input.prefix, schema: info.schema, table: info.name, shape });
  const allKeys = [info.identity, ...info.pointerKeys];
  const setOf = (cols: readonly string[]) => [...cols].sort().join('\u0000');
  const byProp = getTableColumns(table) as Record<string, PgColumn | undefined>;

  const keyParts = (key: KeyColumns, values: Values): string[] =>
    key.props.map((prop) => {
      if (!(prop in values) || values[prop] === undefined) {
        throw new KeyUsageError(info.display, key.props, `no value for \`${prop}\``);
      }
      return codec.codecFor(prop).keyPart(values[prop]);
    });

  // A read by a one-column identity names a number or a string: with the near-cache on, its checked key and row keys
  // (key texts built, their hashes computed by the maps they were looked up in, the near-cache's hint to its entry) are
  // remembered by that value, so a hot row's next read, served from memory in well under a microsecond, does not spend
  // most of it building and looking up the same texts again. The texts are a pure function of the value: nothing to
  // invalidate, only a bound (cleared when full). Without the near-cache nothing is remembered: a read's round trip
  // dwarfs the texts, and over more ids than the bound the memo only costs (232 ns against 112 a read, measured).
  const single = info.identity.props.length === 1 ? info.identity.props[0] : undefined;
  const memo = new Map<unknown, CheckedKey>();
  const memoLimit = input.identityMemo ?? 0;
  const checkKey = (key: KeyColumns, values: Values): CheckedKey => {
    // One shape for every checked key (rowKeys undefined but present): the read path's loads of it stay monomorphic.
    if (key !== info.identity) return { key, parts: keyParts(key, values), rowKeys: undefined };
    const value = single === undefined ? undefined : values[single];
    const remembered = memoLimit > 0 && (typeof value === 'number' || typeof value === 'string' || typeof value === 'bigint');
    const known = remembered ? memo.get(value) : undefined;
    if (known !== undefined) return known;
    const parts = keyParts(key, values);
    const checked: CheckedKey = { key, parts: remembered ? Object.freeze(parts) : parts, rowKeys: keyspace.rowKeys(parts) };
    if (remembered) {
      if (memo.size >= memoLimit) memo.clear();
      memo.set(value, checked);
    }
    return checked;
  };

  const where = (key: KeyColumns, values: Values): SQL => {
    const parts = key.columns.map((column, i) => eq(column, values[key.props[i] ?? '']));
    const condition = parts.length === 1 ? parts[0] : and(...parts);
    if (condition === undefined) throw new KeyUsageError(info.display, key.props, 'empty key');
    return condition;
  };

  const listKeys = (list: KeyColumns, values: Values): ListKeys | undefined => {
    if (list.props.some((prop) => values[prop] === null || values[prop] === undefined)) return undefined;
    return keyspace.list(list.sqlNames, keyParts(list, values));
  };

  return {
    table,
    info,
    codec,
    keyspace,
    epoch: input.epoch,
    listNamed(columns) {
      const inOrder = info.lists.find((list) => list.props.length === columns.length && list.props.every((prop, i) => prop === columns[i]));
      if (inOrder !== undefined) return inOrder;
      const found = info.lists.find((list) => setOf(list.props) === setOf(columns));
      if (found === undefined) throw new KeyUsageError(info.display, columns, 'not a list of this table (a foreign key or non-unique index of the generated spec)');
      return found;
    },
    listKeys,
    listsOf(row) {
      const found: ListKeys[] = [];
      for (const list of info.lists) {
        const keys = listKeys(list, row);
        if (keys !== undefined) found.push(keys);
      }
      return found;
    },
    keyNamed(columns) {
      // Generated accessors name a key in its spec order: compare in order first, without sorting on every read.
      for (const key of allKeys) if (sameInOrder(key.props, columns)) return key;
      const found = allKeys.find((key) => setOf(key.props) === setOf(columns));
      if (found === undefined) throw new KeyUsageError(info.display, columns, 'not a key of this table (primary key or usable unique key)');
      return found;
    },
    columnsNamed(props) {
      const columns = props.map((prop) => {
        const column = Object.hasOwn(byProp, prop) ? byProp[prop] : undefined;
        if (column === undefined) throw new KeyUsageError(info.display, props, `\`${prop}\` is not a column of this table`);
        return column;
      });
      return { props, sqlNames: columns.map((column) => column.name), columns };
    },
    isIdentity: (key) => key === info.identity,
    keyParts,
    checkKey,
    hasIdentity: (values) => info.identity.props.every((prop) => values[prop] !== undefined),
    rowKeys: (values) => keyspace.rowKeys(keyParts(info.identity, values)),
    // A NULLS NOT DISTINCT key holding null has the codec's null key text, so it gets a pointer like any value.
    pointersOf: (row) => info.pointerKeys.map((key) => keyspace.pointer(key.sqlNames, keyParts(key, row))),
    carries(row, key, parts) {
      return key.props.every((prop, i) => row[prop] !== undefined && codec.codecFor(prop).keyPart(row[prop]) === parts[i]);
    },
    where,
    whereAny(key, valuesList) {
      const first = key.columns[0];
      if (key.columns.length === 1 && first !== undefined) {
        return inArray(first, valuesList.map((values) => values[key.props[0] ?? '']));
      }
      const condition = or(...valuesList.map((values) => where(key, values)));
      if (condition === undefined) throw new KeyUsageError(info.display, key.props, 'no values');
      return condition;
    },
  };
}
