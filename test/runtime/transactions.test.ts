// The transactions suite (./transactions-suite.ts) on the shared Redis; test/cluster/accessors.test.ts runs the same code on a cluster.
import { SHARED_REDIS } from './harness.js';
import { transactionsSuite } from './transactions-suite.js';

transactionsSuite(async () => SHARED_REDIS).run();
