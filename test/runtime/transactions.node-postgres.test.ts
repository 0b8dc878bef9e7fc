// The transactions suite (./transactions-suite.ts) over node-postgres (drizzle-orm/node-postgres, a pg Pool), on the shared Redis.
import { SHARED_REDIS } from './harness.js';
import { transactionsSuite } from './transactions-suite.js';

transactionsSuite(async () => SHARED_REDIS, 'node-postgres').run();
