// The accessors' arguments as an untyped caller (JavaScript, `as any`, JSON input) may pass them, checked before any
// I/O: a key list that is not one of the table's keys, values that are not objects, key values that cannot be keys
// (NaN, objects, undefined, wrong run-time types, a composite key with a column missing). Each failure is a
// KeyUsageError or KeyValueError naming the table and the key; nothing reaches Redis or Postgres.
import { KeyUsageError } from '../errors.js';
import type { RowKeys } from '../table/keys.js';
import type { CheckedKey, TableRuntime, Values } from '../table/table-runtime.js';
import type { ListFilter, ListRead } from '../protocol/read-list.js';
import type { KeyColumns } from '../table/table-info.js';

function keyList(rt: TableRuntime, key: unknown): readonly string[] {
  if (!Array.isArray(key) || key.length === 0 || !allStrings(key)) {
    throw new KeyUsageError(rt.info.display, [], `the key must be a non-empty array of column names, got ${describe(key)}`);
  }
  return key;
}

// A loop, not `every` with a closure: every read's key list passes here.
function allStrings(list: readonly unknown[]): list is string[] {
  for (const item of list) if (typeof item !== 'string') return false;
  return true;
}

function record(rt: TableRuntime, key: readonly string[], what: string, value: unknown): Values {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KeyUsageError(rt.info.display, key, `${what} must be an object of column values, got ${describe(value)}`);
  }
  return value as Values;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

export function checkGetBy(rt: TableRuntime, key: unknown, values: unknown): CheckedKey {
  const columns = keyList(rt, key);
  const found = rt.keyNamed(columns);
  return rt.checkKey(found, record(rt, found.props, 'the key values', values));
}

/** The row keys of each identity, in input order. */
export function checkGetMany(rt: TableRuntime, list: unknown): RowKeys[] {
  const identity = rt.info.identity.props;
  if (!Array.isArray(list)) throw new KeyUsageError(rt.info.display, identity, `getManyByIdentity takes an array of identities, got ${describe(list)}`);
  return list.map((values) => rt.rowKeys(record(rt, identity, 'each identity', values)));
}

export function checkSave(rt: TableRuntime, row: unknown): void {
  const values = record(rt, rt.info.identity.props, 'the row', row);
  // A row without its identity (a serial left to the database) is keyed by what Postgres returns.
  if (rt.hasIdentity(values)) rt.rowKeys(values);
}

export function checkUpdate(rt: TableRuntime, identity: unknown, patch: unknown): void {
  const props = rt.info.identity.props;
  const values = record(rt, props, 'the identity', identity);
  rt.rowKeys(values);
  const changes = record(rt, props, 'the patch', patch);
  if (props.some((prop) => changes[prop] !== undefined)) {
    rt.rowKeys({ ...values, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) });
  }
}

export function checkRemove(rt: TableRuntime, identity: unknown): void {
  rt.rowKeys(record(rt, rt.info.identity.props, 'the identity', identity));
}

/** The key and key parts of each value list of getManyBy<Unique>, in input order. */
export function checkGetManyBy(rt: TableRuntime, key: unknown, list: unknown): CheckedKey[] {
  const found = rt.keyNamed(keyList(rt, key));
  if (!Array.isArray(list)) throw new KeyUsageError(rt.info.display, found.props, `getManyBy takes an array of key values, got ${describe(list)}`);
  return list.map((values) => ({ key: found, parts: rt.keyParts(found, record(rt, found.props, 'each key value', values)) }));
}

/**
 * A list read: the list named, its values (none null: no row is listed by null), the page's limit (1 to `maxListLimit`,
 * default `listLimit`) and `after` (an identity; for a one-column identity its value alone).
 */
export function checkListBy(rt: TableRuntime, key: unknown, values: unknown, options: unknown, limits: { listLimit: number; maxListLimit: number }): ListRead {
  const list = rt.listNamed(keyList(rt, key));
  const given = record(rt, list.props, 'the list values', values);
  for (const prop of list.props) {
    if (given[prop] === null) throw new KeyUsageError(rt.info.display, list.props, `\`${prop}\` is null: no row is listed by null`);
  }
  const parts = rt.keyParts(list, given);
  const keys = rt.listKeys(list, given);
  if (keys === undefined) throw new KeyUsageError(rt.info.display, list.props, 'a list value is missing');
  const page = options === undefined ? {} : record(rt, list.props, 'the options', options);
  const limit = page.limit === undefined ? limits.listLimit : page.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > limits.maxListLimit) {
    throw new KeyUsageError(rt.info.display, list.props, `limit must be an integer from 1 to ${limits.maxListLimit} (option maxListLimit), got ${String(limit)}`);
  }
  let after: ListRead['after'];
  if (page.after !== undefined) {
    const identity = rt.info.identity.props;
    const only = identity.length === 1 ? identity[0] : undefined;
    const plain = typeof page.after === 'object' && page.after !== null && Object.getPrototypeOf(page.after) === Object.prototype;
    const afterValues = only !== undefined && !plain ? { [only]: page.after } : record(rt, identity, 'after', page.after);
    after = { values: afterValues, tag: rt.rowKeys(afterValues).tag };
  }
  return { list, keys, parts, limit, after, filter: checkWhere(rt, list, page.where) };
}

/** `where`: columns of the table (by property name), each value a key value of its column (null: IS NULL). */
function checkWhere(rt: TableRuntime, list: KeyColumns, where: unknown): ListFilter | undefined {
  if (where === undefined) return undefined;
  const given = record(rt, list.props, 'where', where);
  const props = Object.keys(given).filter((prop) => given[prop] !== undefined).sort();
  if (props.length === 0) return undefined;
  const key = rt.columnsNamed(props);
  return { key, parts: rt.keyParts(key, given), values: given };
}
