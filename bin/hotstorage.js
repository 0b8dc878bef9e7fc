#!/usr/bin/env node
// The `hotstorage` command: the compiled CLI (dist/, built by `npm run build`). tsx is loaded only where the CLI
// reads the user's TypeScript (config and schema files).
import { run } from '../dist/cli/main.js';

await run(process.argv.slice(2));
