// The drizzle drivers the runtime's suites run over: postgres.js (drizzle-orm/postgres-js) and node-postgres
// (drizzle-orm/node-postgres, `pg`). A suite takes its driver as a parameter; a test file that runs a suite over
// node-postgres says so in its name (`*.node-postgres.test.ts`) and sets HOTSTORAGE_TEST_DRIVER before importing it.
import { drizzle } from 'drizzle-orm/postgres-js';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import postgres from 'postgres';
import type { Database } from '@hotstorage/runtime';
import { DATABASE_URL } from './services.js';

export type Driver = 'postgres-js' | 'node-postgres';

/** The driver of this process's suites: HOTSTORAGE_TEST_DRIVER, else postgres.js. */
export function testDriver(): Driver {
  const named = process.env.HOTSTORAGE_TEST_DRIVER;
  if (named === undefined || named === '' || named === 'postgres-js') return 'postgres-js';
  if (named === 'node-postgres') return named;
  throw new Error(`HOTSTORAGE_TEST_DRIVER=${named}: expected postgres-js or node-postgres`);
}

export interface TestDatabase {
  readonly db: Database;
  /** The driver's client under `db` (a postgres.js Sql, or a pg Pool). */
  readonly client: unknown;
  end(): Promise<void>;
}

/**
 * A drizzle database over `driver`. `searchPath` puts every connection in one schema; `queries` receives each
 * statement the driver sends, as the driver sees it (postgres.js's debug hook; each pg connection's query calls).
 */
export function openDatabase(driver: Driver, options: { searchPath?: string; max?: number; queries?: string[] } = {}): TestDatabase {
  const { searchPath, max = 4, queries } = options;
  if (driver === 'node-postgres') {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max, ...(searchPath !== undefined && { options: `-c search_path=${searchPath}` }) });
    if (queries !== undefined) {
      pool.on('connect', (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as { query: unknown }).query = (...args: unknown[]) => {
          const first = args[0] as string | { text?: string };
          queries.push(typeof first === 'string' ? first : (first.text ?? ''));
          return query(...args);
        };
      });
    }
    pool.on('error', () => {}); // an idle connection a test ended: its storage sees the failure through its calls
    return { db: drizzlePg(pool) as unknown as Database, client: pool, end: () => pool.end() };
  }
  const sql = postgres(DATABASE_URL, {
    max,
    onnotice: () => {},
    ...(searchPath !== undefined && { connection: { search_path: searchPath } }),
    ...(queries !== undefined && { debug: (_connection: number, query: string) => queries.push(query) }),
  });
  return { db: drizzle(sql) as unknown as Database, client: sql, end: () => sql.end({ timeout: 1 }) };
}
