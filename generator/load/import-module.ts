// Loads a user's TypeScript module at run time (config files, and schema modules for `--extract import`),
// the way drizzle-kit does: compiled on the fly by tsx, honouring the user's tsconfig (path aliases).
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm, tsImport } from 'tsx/esm/api';
import type { NamespacedUnregister } from 'tsx/esm/api';

/** The nearest tsconfig.json at or above `from`, or undefined. */
export function findTsconfig(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Imports `file` (absolute) and returns its module namespace. */
export async function importTypeScript(file: string, options: { tsconfig?: string } = {}): Promise<Record<string, unknown>> {
  const tsconfig = options.tsconfig ?? findTsconfig(dirname(file));
  const loaded: unknown = await tsImport(pathToFileURL(file).href, {
    parentURL: import.meta.url,
    ...(tsconfig ? { tsconfig } : {}),
  });
  return loaded as Record<string, unknown>;
}

/** Loads many modules into one shared module graph, so that a table object imported by two schema files is one object. */
export interface ModuleImporter {
  /** Imports `file` (absolute) and returns its exports, unwrapping a CommonJS module's `module.exports`. */
  importFile(file: string): Promise<LoadedModule>;
  /** Imports a bare specifier as `fromFile` (absolute) would resolve it, in the module system that file ran in. */
  importFrom(specifier: string, fromFile: string, format: ModuleFormat): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export type ModuleFormat = 'esm' | 'cjs';

export interface LoadedModule {
  readonly exports: Record<string, unknown>;
  /** 'cjs' when tsx compiled the file to CommonJS (a project without `"type": "module"`). */
  readonly format: ModuleFormat;
  /** Node could not import the file as the ES module it is, so it was required as CommonJS, as drizzle-kit does. */
  readonly required?: true;
}

/**
 * A namespaced tsx registration (ESM and CommonJS hooks), as `tsImport` makes for a single call, kept open for
 * many imports. Unlike repeated `importTypeScript` calls, modules are evaluated once per importer. Each file is
 * loaded in the module system Node gives it (package.json `type`, .mts/.cts), so a CommonJS project's files
 * share one require cache, as they do under drizzle-kit; `requireAll` requires every file, as drizzle-kit does.
 */
export function createModuleImporter(options: { tsconfig?: string | false; requireAll?: boolean } = {}): ModuleImporter {
  const namespace = `hotstorage-${randomUUID()}`;
  // tsx's CommonJS hook reads its tsconfig from the environment when registered; restore it right after.
  const previous = process.env.TSX_TSCONFIG_PATH;
  if (options.tsconfig) process.env.TSX_TSCONFIG_PATH = options.tsconfig;
  let cjs: { require(id: string, fromFile: string): unknown; unregister(): void };
  try {
    cjs = registerCjs({ namespace });
  } finally {
    if (previous === undefined) delete process.env.TSX_TSCONFIG_PATH;
    else process.env.TSX_TSCONFIG_PATH = previous;
  }
  let esm: NamespacedUnregister;
  try {
    esm = registerEsm({ namespace, ...(options.tsconfig !== undefined ? { tsconfig: options.tsconfig } : {}) });
  } catch (error) {
    cjs.unregister();
    throw error;
  }
  return {
    async importFile(file) {
      if (options.requireAll || moduleFormat(file) === 'cjs') return commonJsExports(cjs.require(file, file));
      let loaded: unknown;
      try {
        loaded = await esm.import(pathToFileURL(file).href, import.meta.url);
      } catch (error) {
        // drizzle-kit requires every schema file as CommonJS (esbuild-register), so it reads what Node cannot import
        // as an ES module, such as a CommonJS workspace package's TypeScript re-exported with `export *`. So do we;
        // when requiring fails too, the import's own error is the one to report.
        try {
          return { ...commonJsExports(cjs.require(file, file)), required: true };
        } catch {
          throw error;
        }
      }
      return moduleExports(loaded);
    },
    async importFrom(specifier, fromFile, format) {
      // tsx's scoped require resolves a bare specifier from tsx's own folder, so resolve it from the user's file
      // first: a CommonJS project gets its own drizzle-orm, the very module its schema required.
      const loaded: unknown =
        format === 'cjs'
          ? cjs.require(createRequire(fromFile).resolve(specifier), fromFile)
          : await esm.import(specifier, pathToFileURL(fromFile).href);
      return typeof loaded === 'object' && loaded !== null ? (loaded as Record<string, unknown>) : {};
    },
    async close() {
      cjs.unregister();
      await esm.unregister();
    },
  };
}

/** The module system Node loads `file` in: by extension, else the nearest package.json's `type`. */
export function moduleFormat(file: string): ModuleFormat {
  if (/\.m[jt]s$/.test(file)) return 'esm';
  if (/\.c[jt]s$/.test(file)) return 'cjs';
  let dir = dirname(resolve(file));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
        return typeof parsed === 'object' && parsed !== null && (parsed as Record<string, unknown>).type === 'module' ? 'esm' : 'cjs';
      } catch {
        return 'cjs';
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return 'cjs';
    dir = parent;
  }
}

function commonJsExports(exported: unknown): LoadedModule {
  const exports: Record<string, unknown> = {};
  if (typeof exported === 'object' && exported !== null) {
    for (const [name, value] of Object.entries(exported)) if (name !== '__esModule') exports[name] = value;
  }
  return { exports, format: 'cjs' };
}

/**
 * The exports of an ES-imported module. Node exposes a CommonJS module to `import()` as `default` (its
 * `module.exports`) plus the names its lexer could guess, which misses esbuild's `export * from` helpers;
 * tsx's CommonJS output marks `module.exports.__esModule`, so that object is the true export list.
 */
export function moduleExports(namespace: unknown): LoadedModule {
  const ns = typeof namespace === 'object' && namespace !== null ? (namespace as Record<string, unknown>) : {};
  const fallback = ns.default;
  if (typeof fallback === 'object' && fallback !== null && (fallback as Record<string, unknown>).__esModule === true) {
    return commonJsExports(fallback);
  }
  return { exports: { ...ns }, format: 'esm' };
}
