// Prints the README's Benchmarks tables from a results file written by `npm run bench -- --json FILE`.
// Usage: node --import tsx bench/markdown.ts bench/results/latest.json
import { readFileSync } from 'node:fs';
import { markdownResults, markdownTargets } from './lib/report.js';
import type { CaseResult, Target } from './lib/targets.js';

const [file = 'bench/results/latest.json'] = process.argv.slice(2);
const document = JSON.parse(readFileSync(file, 'utf8')) as { cases: CaseResult[]; targets: Target[] };
console.log(markdownResults(document.cases));
console.log('');
const values = document.cases.filter((c) => 'value' in c || ('skipped' in c && !('concurrency' in c)));
console.log('| figure | value | detail |\n|---|--:|---|');
for (const c of values) {
  if ('value' in c) console.log(`| \`${c.name}\` | ${c.value} ${c.unit} | ${c.detail ? Object.entries(c.detail).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ') : ''} |`);
  else if ('skipped' in c) console.log(`| \`${c.name}\` | skipped | ${c.skipped} |`);
}
console.log('');
console.log(markdownTargets(document.targets));
