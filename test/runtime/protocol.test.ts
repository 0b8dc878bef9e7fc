// The protocol suite (./protocol-suite.ts) on the shared Redis; test/cluster/accessors.test.ts runs the same code on a cluster.
import { SHARED_REDIS } from './harness.js';
import { protocolSuite } from './protocol-suite.js';

protocolSuite(async () => SHARED_REDIS).run();
