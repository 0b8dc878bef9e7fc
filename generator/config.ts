// Finds and validates the configuration: `hotstorage.config.ts`, else the user's `drizzle.config.ts` read as
// drizzle-kit reads it (`schema`, `casing`, `dbCredentials`, `tablesFilter`, `schemaFilter`), then command-line
// flags over either. A config file of any name with drizzle-kit's shape (a `dialect`) is read as drizzle-kit's.
// Every problem is a diagnostic naming the file and the key; nothing here prints or exits.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import type { Casing } from './findings.js';
import { importTypeScript } from './load/import-module.js';
import { loadFailureOf, type LoadFailure } from './load/load-failure.js';
import { escapeRegExp } from './regexp.js';

export type ExtractMode = 'static' | 'import';

/** What `hotstorage.config.ts` exports (through `defineConfig` from 'hotstorage/config'). */
export interface HotstorageConfig {
  /** Schema files, folders or globs, as drizzle-kit's `schema`; relative to the config file's folder. */
  readonly schema: string | readonly string[];
  /** Folder the generated modules go to, relative to the config file's folder (default `./hotstorage`). */
  readonly out?: string;
  /** How your `drizzle({ casing })` names columns declared without a name. */
  readonly casing?: Casing;
  /** `static` (default) reads the schema files; `import` loads them and asks drizzle-orm. */
  readonly extract?: ExtractMode;
  /** Extension of relative imports in generated code: '.js' (default, for nodenext), '.ts' or '' (bundlers). */
  readonly importExtension?: '.js' | '.ts' | '';
  /** Module generated code imports the runtime from (default '@hotstorage/runtime'). */
  readonly runtimeImport?: string;
  /** Key prefix the application passes to createHotStorage (default `hs:`); operating commands use it. `HOTSTORAGE_PREFIX` overrides it. */
  readonly prefix?: string;
  /** Postgres for the operating commands (warm, verify, stats, purge). `DATABASE_URL` overrides it. */
  readonly databaseUrl?: string;
  /** Redis for the operating commands. `REDIS_URL` overrides it. */
  readonly redisUrl?: string;
  /** A Redis Cluster for the operating commands, as `host:port` seed nodes. `REDIS_CLUSTER_NODES` overrides it and redisUrl. */
  readonly redisClusterNodes?: readonly string[];
  /** Only tables whose SQL name matches these globs (`!` excludes), as drizzle-kit's `tablesFilter`. */
  readonly tablesFilter?: string | readonly string[];
  /** Only tables of these Postgres schemas, as drizzle-kit's `schemaFilter` (exact names). */
  readonly schemaFilter?: string | readonly string[];
}

const CONFIG_KEYS = [
  'schema', 'out', 'casing', 'extract', 'importExtension', 'runtimeImport', 'prefix', 'databaseUrl', 'redisUrl', 'redisClusterNodes', 'tablesFilter', 'schemaFilter',
] as const;
const HOTSTORAGE_CONFIG_NAMES = ['hotstorage.config.ts', 'hotstorage.config.mts', 'hotstorage.config.js', 'hotstorage.config.mjs'];
const DRIZZLE_CONFIG_NAMES = ['drizzle.config.ts', 'drizzle.config.mts', 'drizzle.config.js', 'drizzle.config.mjs'];
export const DEFAULT_OUT = './hotstorage';

/** Command-line flags; paths are relative to `cwd`. */
export interface ConfigFlags {
  readonly config?: string | undefined;
  readonly schema?: readonly string[] | undefined;
  readonly out?: string | undefined;
  readonly casing?: Casing | undefined;
  readonly extract?: ExtractMode | undefined;
}

/** Where a setting was written, for diagnostics about it (a missing schema file, an empty glob). */
export interface Origin {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One `schema` entry: a path or glob, resolved against `base` (the config's folder, or cwd for flags). */
export interface SchemaEntry {
  readonly pattern: string;
  readonly base: string;
  readonly origin: Origin | undefined;
}

export interface ResolvedConfig {
  /** Absolute project root: the config file's folder, or cwd. Every reported path is relative to it. */
  readonly root: string;
  /** The config file read, relative to root; undefined when there was none. */
  readonly configFile: string | undefined;
  readonly schema: readonly SchemaEntry[];
  /** Absolute output folder. */
  readonly out: string;
  readonly casing: Casing | undefined;
  readonly extract: ExtractMode;
  readonly importExtension: string;
  readonly runtimeImport: string;
  /** Connection settings of the config file, for the operating commands (the environment overrides them there). */
  readonly services: ServiceSettings;
  /** Which of the schema's tables hotstorage takes (drizzle-kit's `tablesFilter` and `schemaFilter`); all when unset. */
  readonly tables: TableFilter;
}

export interface TableFilter {
  readonly tablesFilter?: readonly string[];
  readonly schemaFilter?: readonly string[];
}

export interface ServiceSettings {
  readonly prefix?: string;
  readonly databaseUrl?: string;
  /** Where databaseUrl was written, for messages (`"databaseUrl" in hotstorage.config.ts`). */
  readonly databaseUrlFrom?: string;
  /** drizzle-kit's `dbCredentials.ssl` when it is an object (TLS options), passed to the Postgres client as is. */
  readonly databaseSsl?: Readonly<Record<string, unknown>>;
  readonly redisUrl?: string;
  readonly redisClusterNodes?: readonly string[];
}

export interface ConfigResult {
  readonly config: ResolvedConfig | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

type ConfigKind = 'hotstorage' | 'drizzle';

function error(file: string, at: { line: number; col: number } | undefined, code: string, message: string, hint?: string): Diagnostic {
  return { severity: 'error', file, line: at?.line ?? 0, col: at?.col ?? 0, code, message, ...(hint ? { hint } : {}) };
}

/** Line and column of the first match of `pattern` in `text` (1-based), for pointing at a config key. */
function locate(text: string, pattern: RegExp): { line: number; col: number } | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const before = text.slice(0, match.index).split('\n');
  return { line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1 };
}

const keyPattern = (key: string): RegExp => new RegExp(`(?<![\\w$])['"]?${escapeRegExp(key)}['"]?\\s*:`);
const stringPattern = (value: string): RegExp => new RegExp(`['"\`]${escapeRegExp(value)}['"\`]`);

const toPosix = (path: string): string => path.split(sep).join('/');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function findConfigFile(cwd: string): { file: string; kind: ConfigKind } | undefined {
  for (const name of HOTSTORAGE_CONFIG_NAMES) {
    if (existsSync(resolve(cwd, name))) return { file: resolve(cwd, name), kind: 'hotstorage' };
  }
  for (const name of DRIZZLE_CONFIG_NAMES) {
    if (existsSync(resolve(cwd, name))) return { file: resolve(cwd, name), kind: 'drizzle' };
  }
  return undefined;
}

async function loadDefaultExport(file: string): Promise<{ value: unknown } | { failure: LoadFailure }> {
  try {
    const loaded = await importTypeScript(file);
    let value: unknown = loaded.default;
    // A project without "type": "module" gets CommonJS from tsx: `export default` sits one level deeper.
    if (isRecord(value) && value.__esModule === true && 'default' in value) value = value.default;
    return { value };
  } catch (caught) {
    return { failure: loadFailureOf(caught) };
  }
}

const isStringList = (value: unknown): value is readonly string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

interface FileSettings {
  schema?: readonly string[];
  tables: { -readonly [K in keyof TableFilter]: TableFilter[K] };
  out?: string;
  casing?: Casing;
  extract?: ExtractMode;
  importExtension?: string;
  runtimeImport?: string;
  services: { -readonly [K in keyof ServiceSettings]: ServiceSettings[K] };
}

/** Checks the exported object; `text` is the config's source, for line numbers. */
function readSettings(value: Record<string, unknown>, kind: ConfigKind, file: string, text: string, diagnostics: Diagnostic[]): FileSettings {
  const settings: FileSettings = { services: {}, tables: {} };
  const bad = (key: string, expected: string): void => {
    diagnostics.push(error(file, locate(text, keyPattern(key)), 'invalid-config', `Config key "${key}" in ${file} must be ${expected}.`));
  };
  if (kind === 'hotstorage') {
    for (const key of Object.keys(value).sort()) {
      if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
        diagnostics.push(
          error(file, locate(text, keyPattern(key)), 'unknown-config-key', `Unknown config key "${key}" in ${file}.`, `known keys: ${CONFIG_KEYS.join(', ')}`),
        );
      }
    }
  }
  const { schema, out, casing, extract, importExtension, runtimeImport, tablesFilter, schemaFilter } = value;
  if (typeof schema === 'string') settings.schema = [schema];
  else if (isStringList(schema)) settings.schema = schema;
  else if (schema !== undefined) bad('schema', 'a path, folder or glob, or a list of them');
  if (casing === 'snake_case' || casing === 'camelCase') settings.casing = casing;
  else if (casing !== undefined) bad('casing', '"snake_case" or "camelCase"');
  if (typeof tablesFilter === 'string') settings.tables.tablesFilter = [tablesFilter];
  else if (isStringList(tablesFilter)) settings.tables.tablesFilter = tablesFilter;
  else if (tablesFilter !== undefined) bad('tablesFilter', 'a glob or a list of globs');
  if (typeof schemaFilter === 'string') settings.tables.schemaFilter = [schemaFilter];
  else if (isStringList(schemaFilter)) settings.tables.schemaFilter = schemaFilter;
  else if (schemaFilter !== undefined) bad('schemaFilter', 'a schema name or a list of them');
  // drizzle-kit's config: its `out` is the migrations folder, not ours.
  if (kind === 'drizzle') {
    readDrizzleKitSettings(value, file, text, settings, diagnostics);
    return settings;
  }
  if (typeof out === 'string' && out !== '') settings.out = out;
  else if (out !== undefined) bad('out', 'a folder path');
  if (extract === 'static' || extract === 'import') settings.extract = extract;
  else if (extract !== undefined) bad('extract', '"static" or "import"');
  if (importExtension === '.js' || importExtension === '.ts' || importExtension === '') settings.importExtension = importExtension;
  else if (importExtension !== undefined) bad('importExtension', '".js", ".ts" or ""');
  if (typeof runtimeImport === 'string' && runtimeImport !== '') settings.runtimeImport = runtimeImport;
  else if (runtimeImport !== undefined) bad('runtimeImport', 'a module specifier');
  const { prefix, databaseUrl, redisUrl, redisClusterNodes } = value;
  if (typeof prefix === 'string' && !/[{}]/.test(prefix)) settings.services.prefix = prefix;
  else if (prefix !== undefined) bad('prefix', 'a string without braces');
  if (typeof databaseUrl === 'string' && databaseUrl !== '') {
    settings.services.databaseUrl = databaseUrl;
    settings.services.databaseUrlFrom = `"databaseUrl" in ${file}`;
  } else if (databaseUrl !== undefined) bad('databaseUrl', 'a postgres:// URL');
  if (typeof redisUrl === 'string' && redisUrl !== '') settings.services.redisUrl = redisUrl;
  else if (redisUrl !== undefined) bad('redisUrl', 'a redis:// URL');
  if (isStringList(redisClusterNodes) && redisClusterNodes.length > 0) settings.services.redisClusterNodes = redisClusterNodes;
  else if (redisClusterNodes !== undefined) bad('redisClusterNodes', 'a list of "host:port" seed nodes');
  return settings;
}

/** drizzle-kit's PostgreSQL `dbCredentials`: a `url`, or `host`, `port`, `user`, `password`, `database` and `ssl`. */
function readDrizzleKitSettings(value: Record<string, unknown>, file: string, text: string, settings: FileSettings, diagnostics: Diagnostic[]): void {
  const { dialect, dbCredentials, extensionsFilters } = value;
  if (dialect !== undefined && dialect !== 'postgresql') {
    diagnostics.push(
      error(file, locate(text, keyPattern('dialect')), 'invalid-config', `${file} is a drizzle-kit config for dialect "${String(dialect)}"; hotstorage reads PostgreSQL schemas (dialect "postgresql").`),
    );
    return;
  }
  // drizzle-kit leaves PostGIS's own tables out when `extensionsFilters` names it (getTablesFilterByExtensions).
  if (Array.isArray(extensionsFilters) && extensionsFilters.includes('postgis')) {
    settings.tables.tablesFilter = [...(settings.tables.tablesFilter ?? []), '!geography_columns', '!geometry_columns', '!spatial_ref_sys'];
  }
  // Only the operating commands use these, and `generate` must not fail over them (drizzle-kit's own `generate` ignores
  // them too): credentials that name no Postgres server (unset, an empty url from an unset variable, another driver)
  // give no database, and a command that needs one says so.
  if (!isRecord(dbCredentials) || dbCredentials.driver !== undefined) return;
  const from = `"dbCredentials" in ${file}`;
  const given = (v: unknown): v is string => typeof v === 'string' && v !== '';
  const { host, port, user, password, database, ssl } = dbCredentials;
  // drizzle-kit before 0.21 (`driver: 'pg'`) called the url `connectionString`.
  const url = dbCredentials.url ?? dbCredentials.connectionString;
  if (given(url)) {
    settings.services.databaseUrl = url;
    settings.services.databaseUrlFrom = from;
    return;
  }
  if (!given(host) || !given(database)) return;
  const portText = typeof port === 'number' || (typeof port === 'string' && /^\d+$/.test(port)) ? `:${port}` : '';
  const enc = encodeURIComponent;
  const auth = given(user) ? `${enc(user)}${given(password) ? `:${enc(password)}` : ''}@` : '';
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  // As drizzle-kit hands these to postgres.js: an ssl mode travels in the URL, TLS options beside it.
  const sslMode = typeof ssl === 'string' ? ssl : ssl === true ? 'require' : undefined;
  settings.services.databaseUrl = `postgresql://${auth}${hostPart}${portText}/${enc(database)}${sslMode ? `?sslmode=${enc(sslMode)}` : ''}`;
  settings.services.databaseUrlFrom = from;
  if (isRecord(ssl)) settings.services.databaseSsl = ssl;
}

export async function loadConfig(options: { cwd: string; flags: ConfigFlags }): Promise<ConfigResult> {
  const { cwd, flags } = options;
  const diagnostics: Diagnostic[] = [];
  let found: { file: string; kind: ConfigKind } | undefined;
  if (flags.config !== undefined) {
    const file = resolve(cwd, flags.config);
    if (!existsSync(file)) {
      const shown = toPosix(relative(cwd, file));
      return { config: undefined, diagnostics: [error(shown, undefined, 'missing-config', `Config file ${shown} does not exist.`)] };
    }
    found = { file, kind: basename(file).startsWith('drizzle.config') ? 'drizzle' : 'hotstorage' };
  } else {
    found = findConfigFile(cwd);
  }

  const root = found ? dirname(found.file) : cwd;
  let settings: FileSettings = { services: {}, tables: {} };
  let configFile: string | undefined;
  let text = '';
  if (found) {
    configFile = toPosix(relative(root, found.file));
    text = readFileSync(found.file, 'utf8');
    const loaded = await loadDefaultExport(found.file);
    if ('failure' in loaded) {
      // A syntax error points at its line (in the config, or in a file the config imports).
      const { message, at } = loaded.failure;
      const where = at ? toPosix(relative(root, at.file)) : configFile;
      diagnostics.push(error(where, at, 'config-load', `Config file ${configFile} failed to load: ${message}`));
    } else if (!isRecord(loaded.value)) {
      diagnostics.push(
        error(configFile, undefined, 'invalid-config', `Config file ${configFile} must export an object as default.`, 'export default defineConfig({ schema, out })'),
      );
    } else {
      // Any file name: drizzle-kit's config is the one with a `dialect` (drizzle-kit requires it; hotstorage has none).
      const kind = 'dialect' in loaded.value ? 'drizzle' : found.kind;
      settings = readSettings(loaded.value, kind, configFile, text, diagnostics);
    }
  }
  if (diagnostics.length > 0) return { config: undefined, diagnostics };

  const fileOrigin = (pattern: string): Origin | undefined => {
    const at = locate(text, stringPattern(pattern));
    return configFile && at ? { file: configFile, ...at } : configFile ? { file: configFile, line: 0, col: 0 } : undefined;
  };
  const schema: SchemaEntry[] =
    flags.schema && flags.schema.length > 0
      ? flags.schema.map((pattern) => ({ pattern, base: cwd, origin: undefined }))
      : (settings.schema ?? []).map((pattern) => ({ pattern, base: root, origin: fileOrigin(pattern) }));
  if (schema.length === 0) {
    const where = configFile ? `${configFile} sets no "schema"` : 'no hotstorage.config.ts or drizzle.config.ts was found';
    diagnostics.push(
      error(configFile ?? '', undefined, 'missing-schema', `No schema files to read: ${where}.`, 'pass --schema <file|folder|glob>, or set "schema" in hotstorage.config.ts'),
    );
    return { config: undefined, diagnostics };
  }
  const out = flags.out !== undefined ? resolve(cwd, flags.out) : resolve(root, settings.out ?? DEFAULT_OUT);
  return {
    config: {
      root,
      configFile,
      schema,
      out,
      casing: flags.casing ?? settings.casing,
      extract: flags.extract ?? settings.extract ?? 'static',
      importExtension: settings.importExtension ?? '.js',
      runtimeImport: settings.runtimeImport ?? '@hotstorage/runtime',
      services: settings.services,
      tables: settings.tables,
    },
    diagnostics,
  };
}

/** `path` (absolute) relative to the project root, POSIX separators. */
export function rootRelative(root: string, path: string): string {
  const rel = toPosix(relative(root, path));
  return rel === '' ? '.' : isAbsolute(rel) ? toPosix(path) : rel;
}
