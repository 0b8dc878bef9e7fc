// json/jsonb. Drizzle returns what JSON.parse made of Postgres's text (JSON `null` included: in a NOT NULL column
// that is the JSON literal), which is nearly always plain JSON and is then stored as is. Two things JSON.parse
// can produce do not survive JSON.stringify: numbers beyond the double range (`1e400` in jsonb parses to
// Infinity) and `-0` (kept by `json`). Such a document, and a document that happens to look like the escape
// itself, is stored escaped: `{"~":[tree, [[path, "Infinity"|"-Infinity"|"NaN"|"-0"], …]]}`, the tree holding 0 at
// each patched path. Decoding checks one property on object values only, so plain documents cost nothing extra.
import { canonicalJson } from './key-text.js';
import { INVALID, type ValueCodec } from './value-codec.js';

type Path = (string | number)[];
type Patch = [Path, string];

const ESCAPE = '~';
const SPECIAL = new Map<string, number>([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-0', -0],
]);

export const jsonCodec: ValueCodec = {
  mode: 'json',
  nullIsValue: true,
  toJson: jsonToStored,
  fromJson: storedToJson,
  arrayValues: true,
  // jsonb equality ignores key order; numbers JSON cannot write are refused as keys.
  keyPart: (value) => {
    const patches: Patch[] = [];
    return value !== undefined && collectPatches(value, [], patches) && patches.length === 0 ? canonicalJson(value) : INVALID;
  },
};

function jsonToStored(value: unknown): unknown {
  const patches: Patch[] = [];
  if (value === undefined || !collectPatches(value, [], patches)) return INVALID;
  if (patches.length === 0 && !looksEscaped(value)) return value;
  return { [ESCAPE]: [patches.length === 0 ? value : zeroed(value, patches), patches] };
}

function storedToJson(stored: unknown): unknown {
  if (!looksEscaped(stored)) return stored;
  const payload = (stored as Record<string, unknown>)[ESCAPE];
  if (!Array.isArray(payload) || payload.length !== 2 || !Array.isArray(payload[1])) return INVALID;
  let tree: unknown = payload[0];
  for (const patch of payload[1] as unknown[]) {
    if (!Array.isArray(patch) || patch.length !== 2 || !Array.isArray(patch[0])) return INVALID;
    const special = typeof patch[1] === 'string' ? SPECIAL.get(patch[1]) : undefined;
    if (special === undefined) return INVALID;
    const path = patch[0] as unknown[];
    if (path.length === 0) {
      tree = special;
      continue;
    }
    let parent: unknown = tree;
    for (const step of path.slice(0, -1)) parent = child(parent, step);
    const last = path[path.length - 1];
    if (child(parent, last) !== 0) return INVALID;
    (parent as Record<string | number, unknown>)[last as string | number] = special;
  }
  return tree;
}

function child(parent: unknown, step: unknown): unknown {
  if (Array.isArray(parent) && typeof step === 'number') return parent[step];
  if (parent !== null && typeof parent === 'object' && !Array.isArray(parent) && typeof step === 'string' && Object.hasOwn(parent, step)) {
    return (parent as Record<string, unknown>)[step];
  }
  return undefined;
}

function looksEscaped(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.hasOwn(value, ESCAPE) &&
    Object.keys(value).length === 1
  );
}

/**
 * Walks a JSON.parse result; records numbers JSON cannot hold; false for anything JSON.parse never makes.
 * `path` is one shared stack (copied only when a patch is recorded), so a plain document allocates nothing.
 */
function collectPatches(value: unknown, path: Path, patches: Patch[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0)) patches.push([[...path], Object.is(value, -0) ? '-0' : String(value)]);
      return true;
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          path.push(i);
          const ok = collectPatches(value[i], path, patches);
          path.pop();
          if (!ok) return false;
        }
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        path.push(key);
        const ok = collectPatches((value as Record<string, unknown>)[key], path, patches);
        path.pop();
        if (!ok) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** A copy of the tree with 0 at every patched path (JSON.stringify would write null or 0 there anyway). */
function zeroed(value: unknown, patches: readonly Patch[]): unknown {
  const copy: unknown = JSON.parse(JSON.stringify(value, (_key, item: unknown) => (typeof item === 'number' && !Number.isFinite(item) ? 0 : item)));
  if (patches.some(([path]) => path.length === 0)) return 0;
  return copy;
}
