// Summarises a .cpuprofile written by `node --cpu-prof`: self time by function (top N) and by area (our runtime,
// ioredis, drizzle, node internals, idle/GC), so a reader sees where a hot path's time goes without a GUI.
// Usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topText = '30'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: profile-summary.ts FILE.cpuprofile [TOP]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function area(frame: CallFrame): string {
  const url = frame.url;
  if (frame.functionName === '(idle)') return 'idle';
  if (frame.functionName === '(garbage collector)') return 'gc';
  if (frame.functionName === '(program)') return 'program (native, unattributed)';
  if (url.includes('/runtime/')) return `runtime/${url.split('/runtime/')[1]?.split('?')[0] ?? ''}`;
  if (url.includes('/bench/')) return 'bench (loop, cases)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  if (url.startsWith('node:') || url === '') return `node internals${frame.functionName ? '' : ''}`;
  return url;
}

const perFunction = new Map<string, number>();
const perArea = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (node === undefined) continue;
  const f = node.callFrame;
  const where = f.url === '' ? '' : ` ${f.url.replace(/^.*\/(node_modules\/|runtime\/|bench\/)/, '$1').split('?')[0]}:${f.lineNumber + 1}`;
  const key = `${f.functionName || '(anonymous)'}${where}`;
  perFunction.set(key, (perFunction.get(key) ?? 0) + us);
  const a = area(f);
  perArea.set(a, (perArea.get(a) ?? 0) + us);
}
const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`total ${(total / 1e6).toFixed(2)} s sampled\n\nself time by area:`);
for (const [a, us] of [...perArea].sort((x, y) => y[1] - x[1])) console.log(`${pct(us)}  ${a}`);
console.log(`\nself time by function (top ${topText}):`);
for (const [f, us] of [...perFunction].sort((x, y) => y[1] - x[1]).slice(0, Number(topText))) console.log(`${pct(us)}  ${f}`);
