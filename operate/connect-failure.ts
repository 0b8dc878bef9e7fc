// One sentence for a connection to Postgres that failed, saying the true thing: nothing answered at the address (start
// it, or fix the address), or Postgres answered and refused (a database that does not exist, a role or password it
// rejects: in its own words, with what to check), or anything else (its first line). Shared by the operating commands
// and `triggers --check`.
import { connectionErrorCode } from '@hotstorage/runtime/internal';

/** Postgres's own answer in an error or its causes (postgres.js PostgresError, node-postgres DatabaseError). */
export function postgresAnswer(error: unknown): { readonly code: string; readonly message: string } | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const { code, severity } = current as { code?: unknown; severity?: unknown };
    // A SQLSTATE: five characters with a digit (Node's own codes, EPIPE and the like, have none), from a server message.
    if (typeof code === 'string' && /^(?=.*\d)[0-9A-Z]{5}$/.test(code) && typeof severity === 'string') return { code, message: current.message };
  }
  return undefined;
}

/** What to check for the answers a connection gets when the address is right and the rest is not. */
const CHECK: Readonly<Record<string, string>> = {
  '3D000': 'the database name',
  '28P01': 'the user and password',
  '28000': 'the user and password',
  '42501': 'the user',
};

export function postgresConnectFailure(error: unknown, where: string, setting: string): string {
  const answer = postgresAnswer(error);
  if (answer !== undefined) {
    const check = CHECK[answer.code];
    return `Postgres at ${where} refused the connection: ${answer.message}${check ? `; check ${check} in ${setting}` : ` (${answer.code})`}.`;
  }
  const code = connectionErrorCode(error);
  if (code !== undefined) return `Postgres is not reachable at ${where} (${code}): start it, or set ${setting} to the right address.`;
  return `connecting to Postgres at ${where} failed: ${firstLine(error)}`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
