// The races suite (./races-suite.ts) on the shared Redis; test/cluster/accessors.test.ts runs the same code on a cluster.
import { SHARED_REDIS } from './harness.js';
import { racesSuite } from './races-suite.js';

racesSuite(async () => SHARED_REDIS).run();
