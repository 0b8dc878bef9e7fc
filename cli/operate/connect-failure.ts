// One sentence for a connection to Postgres that failed, saying the true thing: nothing answered at the address (start
// it, or fix the address), or Postgres answered and refused (a database that does not exist, a role or password it
// rejects: in its own words, with what to check), or anything else (its first line). Shared by the operating commands
// and `triggers --check`; Postgres's answer is read by the runtime's own helper, as createHotStorage reads it.
import { connectionErrorCode, postgresAnswer, refusesConnection } from '@hotstorage/runtime/internal';

export { postgresAnswer } from '@hotstorage/runtime/internal';

/** What to check for the answers a connection gets when the address is right and the rest is not. */
const CHECK: Readonly<Record<string, string>> = {
  '3D000': 'the database name',
  '28P01': 'the user and password',
  '28000': 'the user and password',
};

export function postgresConnectFailure(error: unknown, where: string, setting: string): string {
  const answer = postgresAnswer(error);
  if (answer !== undefined && refusesConnection(answer.code)) {
    const check = CHECK[answer.code];
    return `Postgres at ${where} refused the connection: ${answer.message}${check ? `; check ${check} in ${setting}` : ` (${answer.code})`}.`;
  }
  if (answer !== undefined) return `Postgres at ${where} answered: ${answer.message} (${answer.code}).`;
  const code = connectionErrorCode(error);
  if (code !== undefined) return `Postgres is not reachable at ${where} (${code}): start it, or set ${setting} to the right address.`;
  return `connecting to Postgres at ${where} failed: ${firstLine(error)}`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
