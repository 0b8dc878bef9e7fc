// The protocol suite (./protocol-suite.ts) over node-postgres (drizzle-orm/node-postgres, a pg Pool), on the shared Redis.
import { SHARED_REDIS } from './harness.js';
import { protocolSuite } from './protocol-suite.js';

protocolSuite(async () => SHARED_REDIS, 'node-postgres').run();
