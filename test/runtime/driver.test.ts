// What differs between drizzle's Postgres drivers, as runtime/src/storage/driver.ts reads it: db.execute's result
// shape, a failed statement unwrapped to the driver's error (also from another copy of drizzle-orm), connection error
// codes (also inside node-postgres's AggregateError), and the address of either driver's client.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DrizzleQueryError } from 'drizzle-orm';
import pg from 'pg';
import postgres from 'postgres';
import { connectionErrorCode, driverError, postgresAddressOf, rowsOf } from '../../runtime/src/storage/driver.js';

test('rowsOf reads postgres.js\'s rows and node-postgres\'s { rows }', () => {
  assert.equal(rowsOf([{ a: 1 }]), [{ a: 1 }]);
  assert.equal(rowsOf({ rows: [{ a: 2 }], rowCount: 1 }), [{ a: 2 }]);
  assert.equal(rowsOf(undefined), []);
});

test('a DrizzleQueryError is unwrapped to its cause, from this copy of drizzle-orm and from another (1.0)', async () => {
  const cause = Object.assign(new Error('duplicate key'), { code: '23505' });
  assert.is(driverError(new DrizzleQueryError('insert ...', [], cause)), cause);
  const v1 = (await import('../drizzle-v1/node_modules/drizzle-orm/errors.js')) as { DrizzleQueryError: new (q: string, p: unknown[], c: Error) => Error };
  const other = new v1.DrizzleQueryError('insert ...', [], cause);
  assert.not.ok(other instanceof DrizzleQueryError, 'another copy: instanceof cannot see it');
  assert.is(driverError(other), cause);
  const plain = new Error('not a query error', { cause });
  assert.is(driverError(plain), plain, 'other errors are left as they are');
});

test('connection failures are known by code through causes and node-postgres\'s AggregateError', async () => {
  const client = new pg.Client({ host: 'localhost', port: 1, connectionTimeoutMillis: 2000 });
  const error = await client.connect().then(() => undefined, (e: unknown) => e);
  assert.is(connectionErrorCode(error), 'ECONNREFUSED', String(error));
  assert.is(connectionErrorCode(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })])), 'ECONNREFUSED');
  assert.is(connectionErrorCode(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'CONNECT_TIMEOUT' }) })), 'CONNECT_TIMEOUT');
  assert.is(connectionErrorCode(Object.assign(new Error('syntax'), { code: '42601' })), undefined);
});

test('the address of either driver\'s client, for messages', async () => {
  const sql = postgres('postgres://u@db.example:6543/app');
  const pool = new pg.Pool({ connectionString: 'postgres://u@db.example:6544/app' });
  const client = new pg.Client({ host: 'db.example', port: 6545 });
  assert.is(postgresAddressOf({ $client: sql }), 'db.example:6543');
  assert.is(postgresAddressOf({ $client: pool }), 'db.example:6544');
  assert.is(postgresAddressOf({ $client: client }), 'db.example:6545');
  assert.is(postgresAddressOf({}), 'the configured address');
  await sql.end();
  await pool.end();
});

test.run();
