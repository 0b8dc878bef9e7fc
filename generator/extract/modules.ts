// The user's files as ts-morph sees them: parsed on demand into an in-memory project (no lib files, no
// dependency resolution, no type checker), with each file's top-level bindings, imports and exports indexed once.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { Node, Project, ts } from 'ts-morph';
import type { BindingName, Expression, SourceFile } from 'ts-morph';

export type Binding =
  | { readonly kind: 'variable'; readonly name: BindingName; readonly initializer: Expression | undefined; readonly target: string; readonly node: Node }
  | { readonly kind: 'function'; readonly node: Node }
  | { readonly kind: 'import'; readonly specifier: string; readonly imported: string; readonly node: Node }
  | { readonly kind: 'import-namespace'; readonly specifier: string; readonly node: Node }
  /** Classes, enums: runtime values no table is built from. */
  | { readonly kind: 'other'; readonly node: Node };

export interface FileExports {
  /** export name → local binding name (`export const x`, `export { a as b }`). */
  readonly local: ReadonlyMap<string, { readonly localName: string; readonly node: Node }>;
  /** `export default <expression>`. */
  readonly defaultExpression: Expression | undefined;
  /** export name → another module's export (`export { a as b } from './x'`). */
  readonly reexports: ReadonlyMap<string, { readonly specifier: string; readonly imported: string; readonly node: Node }>;
  /** `export * from './x'`. */
  readonly stars: readonly { readonly specifier: string; readonly node: Node }[];
  /** The first top-level CommonJS export (`module.exports = ...`, `exports.users = ...`), which static reading does not follow. */
  readonly commonJs: Node | undefined;
}

export interface ModuleFile {
  /** Relative to the project root, POSIX separators. */
  readonly path: string;
  readonly absolute: string;
  readonly source: SourceFile;
  readonly bindings: ReadonlyMap<string, Binding>;
  readonly exports: FileExports;
  readonly syntaxErrors: readonly { readonly pos: number; readonly message: string }[];
}

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx'];
const JS_TO_TS: Record<string, readonly string[]> = {
  '.js': ['.ts', '.tsx', '.js'],
  '.mjs': ['.mts', '.mjs'],
  '.cjs': ['.cts', '.cjs'],
  '.jsx': ['.tsx', '.jsx'],
};

export class Modules {
  private readonly project = new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    skipFileDependencyResolution: true,
    compilerOptions: { allowJs: true, noLib: true },
  });
  private readonly files = new Map<string, ModuleFile | undefined>();

  constructor(private readonly root: string) {}

  /** A file by absolute path; undefined when it cannot be read. */
  load(absolute: string): ModuleFile | undefined {
    if (this.files.has(absolute)) return this.files.get(absolute);
    let text: string;
    try {
      text = readFileSync(absolute, 'utf8');
    } catch {
      this.files.set(absolute, undefined);
      return undefined;
    }
    const source = this.project.createSourceFile(absolute, text, { overwrite: true });
    const parse = (source.compilerNode as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
    const file: ModuleFile = {
      path: relative(this.root, absolute).split(sep).join(posix.sep),
      absolute,
      source,
      bindings: indexBindings(source),
      exports: indexExports(source),
      syntaxErrors: parse.map((d) => ({ pos: d.start ?? 0, message: ts.flattenDiagnosticMessageText(d.messageText, ' ') })),
    };
    this.files.set(absolute, file);
    return file;
  }

  /** Every file parsed so far (schema files and the files they import). */
  loaded(): ModuleFile[] {
    return [...this.files.values()].filter((f): f is ModuleFile => f !== undefined);
  }

  /** The project-relative path of a parsed file. */
  pathOf(source: SourceFile): string {
    return relative(this.root, source.getFilePath()).split(sep).join(posix.sep);
  }

  /** A non-relative import through the nearest tsconfig's `paths` (or `baseUrl`); undefined when none applies. */
  resolveAlias(from: ModuleFile, specifier: string): ModuleFile | undefined {
    const config = this.tsconfigFor(dirname(from.absolute));
    if (!config) return undefined;
    const id = `${config.base}\0${specifier}`;
    if (this.resolved.has(id)) return this.resolved.get(id);
    let found: ModuleFile | undefined;
    search: for (const target of aliasTargets(config, specifier)) {
      for (const candidate of candidates(target)) {
        if (isFile(candidate)) {
          found = this.load(candidate);
          break search;
        }
      }
    }
    this.resolved.set(id, found);
    return found;
  }

  /** A specifier that names the project's own files (a tsconfig path alias), not a package. */
  looksLikeAlias(from: ModuleFile, specifier: string): boolean {
    const config = this.tsconfigFor(dirname(from.absolute));
    if (config && [...config.paths.keys()].some((pattern) => matchPattern(pattern, specifier) !== undefined)) return true;
    return /^(@\/|~\/|#)/.test(specifier);
  }

  private readonly tsconfigs = new Map<string, PathsConfig | undefined>();

  private tsconfigFor(dir: string): PathsConfig | undefined {
    if (this.tsconfigs.has(dir)) return this.tsconfigs.get(dir);
    let config: PathsConfig | undefined;
    const candidate = join(dir, 'tsconfig.json');
    if (isFile(candidate)) config = readPathsConfig(candidate);
    else {
      const parent = dirname(dir);
      config = parent === dir ? undefined : this.tsconfigFor(parent);
    }
    this.tsconfigs.set(dir, config);
    return config;
  }

  /** The file a relative import names, as Node's and TypeScript's resolvers would find it. */
  resolveRelative(from: ModuleFile, specifier: string): ModuleFile | undefined {
    const base = resolve(dirname(from.absolute), specifier);
    if (this.resolved.has(base)) return this.resolved.get(base);
    let found: ModuleFile | undefined;
    for (const candidate of candidates(base)) {
      if (isFile(candidate)) {
        found = this.load(candidate);
        break;
      }
    }
    this.resolved.set(base, found);
    return found;
  }

  private readonly resolved = new Map<string, ModuleFile | undefined>();
}

interface PathsConfig {
  readonly base: string;
  readonly baseUrl: string | undefined;
  readonly paths: ReadonlyMap<string, readonly string[]>;
}

function readPathsConfig(file: string): PathsConfig | undefined {
  try {
    const parsed = ts.parseConfigFileTextToJson(file, readFileSync(file, 'utf8'));
    const options: unknown = (parsed.config as { compilerOptions?: unknown } | undefined)?.compilerOptions;
    if (typeof options !== 'object' || options === null) return { base: dirname(file), baseUrl: undefined, paths: new Map() };
    const { baseUrl, paths } = options as { baseUrl?: unknown; paths?: unknown };
    const map = new Map<string, string[]>();
    if (typeof paths === 'object' && paths !== null) {
      for (const [pattern, targets] of Object.entries(paths)) {
        if (Array.isArray(targets)) map.set(pattern, targets.filter((t): t is string => typeof t === 'string'));
      }
    }
    return { base: dirname(file), baseUrl: typeof baseUrl === 'string' ? resolve(dirname(file), baseUrl) : undefined, paths: map };
  } catch {
    return undefined;
  }
}

function matchPattern(pattern: string, specifier: string): string | undefined {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === specifier ? '' : undefined;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  if (specifier.length < head.length + tail.length || !specifier.startsWith(head) || !specifier.endsWith(tail)) return undefined;
  return specifier.slice(head.length, specifier.length - tail.length);
}

function aliasTargets(config: PathsConfig, specifier: string): string[] {
  const out: string[] = [];
  const root = config.baseUrl ?? config.base;
  for (const [pattern, targets] of config.paths) {
    const matched = matchPattern(pattern, specifier);
    if (matched === undefined) continue;
    for (const target of targets) out.push(resolve(root, target.replace('*', matched)));
  }
  if (config.baseUrl) out.push(resolve(config.baseUrl, specifier));
  return out;
}

function candidates(base: string): string[] {
  const out: string[] = [];
  const ext = EXTENSIONS.find((e) => base.endsWith(e));
  if (ext) {
    const stem = base.slice(0, -ext.length);
    for (const replacement of JS_TO_TS[ext] ?? [ext]) out.push(stem + replacement);
  }
  for (const e of EXTENSIONS) out.push(base + e);
  for (const e of EXTENSIONS) out.push(join(base, `index${e}`));
  return out;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function indexBindings(source: SourceFile): Map<string, Binding> {
  const bindings = new Map<string, Binding>();
  for (const statement of source.getStatements()) {
    if (Node.isImportDeclaration(statement)) {
      if (statement.isTypeOnly()) continue;
      const specifier = statement.getModuleSpecifierValue();
      const defaultImport = statement.getDefaultImport();
      if (defaultImport) bindings.set(defaultImport.getText(), { kind: 'import', specifier, imported: 'default', node: statement });
      const namespace = statement.getNamespaceImport();
      if (namespace) bindings.set(namespace.getText(), { kind: 'import-namespace', specifier, node: statement });
      for (const named of statement.getNamedImports()) {
        if (named.isTypeOnly()) continue;
        const local = named.getAliasNode()?.getText() ?? named.getName();
        bindings.set(local, { kind: 'import', specifier, imported: named.getName(), node: named });
      }
    } else if (Node.isVariableStatement(statement)) {
      for (const declaration of statement.getDeclarations()) {
        const name = declaration.getNameNode();
        for (const target of boundNames(name)) {
          bindings.set(target, { kind: 'variable', name, initializer: declaration.getInitializer(), target, node: declaration });
        }
      }
    } else if (Node.isFunctionDeclaration(statement)) {
      const name = statement.getName();
      if (name) bindings.set(name, { kind: 'function', node: statement });
    } else if (Node.isClassDeclaration(statement) || Node.isEnumDeclaration(statement)) {
      const name = statement.getName();
      if (name) bindings.set(name, { kind: 'other', node: statement });
    }
  }
  return bindings;
}

/** Every identifier a binding name introduces (`a`, `{ a, b: c }`, `[a, ...rest]`). */
export function boundNames(name: BindingName): string[] {
  if (Node.isIdentifier(name)) return [name.getText()];
  const out: string[] = [];
  for (const element of name.getElements()) {
    if (Node.isBindingElement(element)) out.push(...boundNames(element.getNameNode()));
  }
  return out;
}

function indexExports(source: SourceFile): FileExports {
  const local = new Map<string, { localName: string; node: Node }>();
  const reexports = new Map<string, { specifier: string; imported: string; node: Node }>();
  const stars: { specifier: string; node: Node }[] = [];
  let defaultExpression: Expression | undefined;
  let commonJs: Node | undefined;
  for (const statement of source.getStatements()) {
    if (commonJs === undefined && isCommonJsExport(statement)) commonJs = statement;
    if (Node.isVariableStatement(statement) && statement.hasExportKeyword()) {
      for (const declaration of statement.getDeclarations()) {
        for (const name of boundNames(declaration.getNameNode())) local.set(name, { localName: name, node: declaration });
      }
    } else if (Node.isExportDeclaration(statement)) {
      if (statement.isTypeOnly()) continue;
      const specifier = statement.getModuleSpecifierValue();
      const named = statement.getNamedExports();
      if (specifier === undefined) {
        for (const e of named) {
          if (e.isTypeOnly()) continue;
          local.set(e.getAliasNode()?.getText() ?? e.getName(), { localName: e.getName(), node: e });
        }
      } else if (statement.getNamespaceExport()) {
        const ns = statement.getNamespaceExport();
        if (ns) reexports.set(ns.getName(), { specifier, imported: '*', node: statement });
      } else if (named.length === 0) {
        stars.push({ specifier, node: statement });
      } else {
        for (const e of named) {
          if (e.isTypeOnly()) continue;
          reexports.set(e.getAliasNode()?.getText() ?? e.getName(), { specifier, imported: e.getName(), node: e });
        }
      }
    } else if (Node.isExportAssignment(statement) && !statement.isExportEquals()) {
      defaultExpression = statement.getExpression();
    } else if (Node.isFunctionDeclaration(statement) || Node.isClassDeclaration(statement)) {
      if (statement.hasExportKeyword()) {
        const name = statement.isDefaultExport() ? 'default' : statement.getName();
        if (name) local.set(name, { localName: statement.getName() ?? name, node: statement });
      }
    }
  }
  return { local, defaultExpression, reexports, stars, commonJs };
}

/** `module.exports = ...`, `module.exports.x = ...`, `exports.x = ...` as a statement of its own. */
function isCommonJsExport(statement: Node): boolean {
  if (!Node.isExpressionStatement(statement)) return false;
  const expression = statement.getExpression();
  if (!Node.isBinaryExpression(expression) || expression.getOperatorToken().getText() !== '=') return false;
  const target = expression.getLeft().getText().replace(/\s+/g, '');
  return /^(module\.exports|exports)(\.|\[|$)/.test(target);
}

export function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..';
}
