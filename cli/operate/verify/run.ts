// `hotstorage verify`: per selected table, cached rows and pointers against Postgres (check.ts), optionally repaired
// (repair.ts); exit 1 when a row diverged, 0 when clean (orphaned pointers are reported, not a divergence: see
// report.ts), 2 on error.
import { EXIT_DRIFT, EXIT_OK, type Io, type SelectionArgs } from '../../common.js';
import { openOperation } from '../operation.js';
import { colorsFor } from '../terminal.js';
import { checkTable, scanTables } from './check.js';
import { explainingFailures } from '../failure.js';
import { repairTable } from './repair.js';
import { divergence, renderReport, reportJson, type TableResult } from './report.js';

/** The flags of `hotstorage verify` (declared in command.ts). */
export interface VerifyArgs extends SelectionArgs {
  tables: string[];
  sample?: number | undefined;
  all?: boolean | undefined;
  repair: boolean;
  json: boolean;
}

export const DEFAULT_SAMPLE = 1000;

export async function runVerify(io: Io, args: VerifyArgs): Promise<number> {
  const op = await openOperation(io, args, { names: args.tables });
  try {
    const sample = args.all === true ? undefined : (args.sample ?? DEFAULT_SAMPLE);
    const results: TableResult[] = [];
    const keys = await explainingFailures(io, op, 'listing the cached keys', () => scanTables(op.redis, op.tables.map((t) => t.rt), sample));
    for (const { rt, display } of op.tables) {
      const result = await explainingFailures(io, op, `verifying ${display}`, async (): Promise<TableResult> => {
        const findings = await checkTable({ core: op.core, redis: op.redis, rt, sample, keys: keys.get(rt) });
        if (!args.repair || (divergence(findings.report) === 0 && findings.orphans.length === 0)) return findings.report;
        return { ...findings.report, repaired: await repairTable({ core: op.core, redis: op.redis, rt, findings }) };
      });
      results.push(result);
    }
    io.out(args.json ? reportJson(results) : renderReport(results, colorsFor(io.stdout, io.env ?? process.env)));
    return results.some((t) => divergence(t) > 0) ? EXIT_DRIFT : EXIT_OK;
  } finally {
    await op.close();
  }
}
