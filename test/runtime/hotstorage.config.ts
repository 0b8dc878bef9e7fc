// Generates test/runtime/hot/ from test/runtime/db/schema.ts: `node bin/hotstorage.js generate --config
// test/runtime/hotstorage.config.ts` (test/runtime/generated.test.ts fails when the committed output drifts).
import { defineConfig } from 'hotstorage/config';

export default defineConfig({
  schema: './db/schema.ts',
  out: './hot',
});
