import { defineConfig } from 'hotstorage/config';

export default defineConfig({
  schema: './db/schema.ts',
  out: './hot',
});
