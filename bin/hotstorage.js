#!/usr/bin/env node
// The `hotstorage` command. Plain JavaScript so it runs from a checkout and from an installed package with no
// build step: it registers tsx (TypeScript at run time), then hands argv to the TypeScript CLI.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../cli/main.ts');
await run(process.argv.slice(2));
