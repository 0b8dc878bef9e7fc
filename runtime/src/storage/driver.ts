// What differs between drizzle's Postgres drivers (postgres.js, node-postgres, and the others drizzle wraps the same
// way), in one place: the shape of `db.execute`'s result, where the client connects, and how a failure looks. The
// runtime holds no driver types: each is read by shape, so an application installs only the driver it uses.
import { DrizzleQueryError } from 'drizzle-orm';

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED', 'CONNECTION_ENDED',
]);

/** The rows of a `db.execute` result: postgres.js returns the rows themselves, node-postgres (and pglite) `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}

/**
 * drizzle wraps every failed statement in a DrizzleQueryError (query text, params) whose cause is the driver's error
 * (postgres.js PostgresError, node-postgres DatabaseError, each with Postgres's `code`). The wrapper may come from
 * another copy of drizzle-orm than the runtime's (a CommonJS application, a bundled one): drizzle 0.x gives this class
 * no entityKind for `is()`, so the other copy's is recognised by its class name and fields.
 */
export function driverError(error: unknown): unknown {
  if (!(error instanceof Error) || !(error.cause instanceof Error)) return error;
  if (error instanceof DrizzleQueryError) return error.cause;
  const wrapped = error as Error & { query?: unknown; params?: unknown };
  if (error.constructor.name === 'DrizzleQueryError' && typeof wrapped.query === 'string') return error.cause;
  return error;
}

/**
 * Postgres's own answer in an error or its causes (postgres.js PostgresError, node-postgres DatabaseError, under
 * drizzle's wrapper or a ServiceUnavailableError): its SQLSTATE and message. Undefined when Postgres said nothing (an
 * address where nothing listens, a dropped connection).
 */
export function postgresAnswer(error: unknown): { readonly code: string; readonly message: string } | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const { code, severity } = current as { code?: unknown; severity?: unknown };
    // A SQLSTATE is five characters with a digit (Node's own codes, EPIPE and the like, have none) on a server message.
    if (typeof code === 'string' && /^(?=.*\d)[0-9A-Z]{5}$/.test(code) && typeof severity === 'string') return { code, message: current.message };
  }
  return undefined;
}

/**
 * Whether a SQLSTATE is Postgres refusing the connection itself (no such database, a role or password it rejects, too
 * many connections, shutting down or starting up) rather than a statement.
 */
export function refusesConnection(code: string): boolean {
  return /^(08|28|3D|53|57P0[1-3])/.test(code);
}

/** The code of a connection failure (either driver's), looking through causes and a Node AggregateError's errors. */
export function connectionErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) return code;
    // node-postgres on a host name with several addresses (localhost: ::1 and 127.0.0.1) fails with all of them.
    if (current instanceof AggregateError) {
      for (const inner of current.errors) {
        const innerCode = connectionErrorCode(inner);
        if (innerCode !== undefined) return innerCode;
      }
    }
  }
  return undefined;
}

/** `host:port` of the client under a drizzle database, for messages (best effort, any driver). */
export function postgresAddressOf(db: unknown): string {
  const client = (db as { $client?: Record<string, unknown> } | null)?.$client;
  // postgres.js: options.host/port (arrays); node-postgres Pool: options; node-postgres Client: host/port fields.
  const settings = [client?.options, client?.connectionParameters, client];
  const first = (value: unknown) => (Array.isArray(value) ? (value as unknown[])[0] : value);
  for (const place of settings) {
    if (typeof place !== 'object' || place === null) continue;
    const { host, port, connectionString } = place as { host?: unknown; port?: unknown; connectionString?: unknown };
    const h = first(host);
    const p = first(port);
    if (typeof h === 'string' && h !== '') return `${h}:${typeof p === 'number' || typeof p === 'string' ? p : 5432}`;
    if (typeof connectionString === 'string') {
      try {
        const url = new URL(connectionString);
        return `${url.hostname}:${url.port || 5432}`;
      } catch {
        // not a URL: say nothing of it
      }
    }
  }
  return 'the configured address';
}
