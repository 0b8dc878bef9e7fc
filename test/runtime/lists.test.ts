// The lists suite (./lists-suite.ts) on the shared Redis; test/cluster/accessors.test.ts runs the same code on a cluster.
import { SHARED_REDIS } from './harness.js';
import { listsSuite } from './lists-suite.js';

listsSuite(async () => SHARED_REDIS).run();
