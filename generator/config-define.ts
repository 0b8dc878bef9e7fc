// `import { defineConfig } from 'hotstorage/config'` in hotstorage.config.ts. An identity function: it exists
// so the editor type-checks the config; generator/config.ts validates what it actually receives.
import type { HotstorageConfig } from './config.js';

export type { HotstorageConfig } from './config.js';

export function defineConfig(config: HotstorageConfig): HotstorageConfig {
  return config;
}
