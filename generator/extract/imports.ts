// Identifiers across files: a file's top-level bindings, its imports (drizzle-orm, the project's own files
// through relative paths and tsconfig aliases, packages) and its exports, followed through re-exports and
// `export *` the way a module namespace resolves them.
import { Node } from 'ts-morph';
import type { Expression } from 'ts-morph';
import { PG_CORE, pgCoreExport } from './drizzle-api.js';
import type { Reader } from './reader.js';
import { isRelative } from './modules.js';
import type { Binding, ModuleFile } from './modules.js';
import { short } from './node-text.js';
import { IGNORED, LITERAL } from './values.js';
import type { Value } from './values.js';

const PENDING = Symbol('pending');

export class Linker {
  private readonly declarations = new Map<Node, Value | typeof PENDING>();
  private readonly names = new Map<ModuleFile, ReadonlySet<string>>();

  constructor(private readonly ev: Reader) {}

  /** A top-level binding of a file (variable, function, import), or undefined when the file has none. */
  binding(file: ModuleFile, name: string, node: Node): Value | undefined {
    const binding = file.bindings.get(name);
    if (!binding) return undefined;
    switch (binding.kind) {
      case 'function':
        return { kind: 'function', node: binding.node, scope: this.ev.fileScope(file) };
      case 'other':
        return IGNORED;
      case 'import':
        return this.imported(file, binding.specifier, binding.imported, binding.node);
      case 'import-namespace':
        return this.imported(file, binding.specifier, '*', binding.node);
      case 'variable': {
        const value = this.declaration(file, binding.node, binding.initializer);
        if (Node.isIdentifier(binding.name)) return value;
        const locals = new Map<string, Value>();
        this.ev.bind(binding.name, value, locals, this.ev.fileScope(file));
        const part = locals.get(name) ?? this.ev.unknown(node, file, 'unresolved-value', `cannot follow the destructuring of \`${name}\``);
        // `const { users, accounts } = defineTables()`: a part of a value static reading cannot settle may be a table.
        const literal = binding.initializer !== undefined && (Node.isObjectLiteralExpression(binding.initializer) || Node.isArrayLiteralExpression(binding.initializer));
        return part.kind === 'unknown' && !part.tableLike && !literal ? { ...part, tableLike: true } : part;
      }
    }
  }

  private declaration(file: ModuleFile, node: Node, initializer: Expression | undefined): Value {
    const memo = this.declarations.get(node);
    if (memo === PENDING) {
      return this.ev.unknown(node, file, 'unresolved-value', `\`${short(node)}\` is read while it is being defined (a circular reference)`);
    }
    if (memo) return memo;
    if (!initializer) return LITERAL;
    this.declarations.set(node, PENDING);
    const value = this.ev.evaluate(initializer, this.ev.fileScope(file));
    this.declarations.set(node, value);
    return value;
  }

  /** What `import { imported } from specifier` (or `* as`, when imported is '*') gives `file`. */
  imported(file: ModuleFile, specifier: string, imported: string, node: Node): Value {
    if (specifier === PG_CORE || specifier.startsWith(`${PG_CORE}/`)) {
      if (imported === '*') return { kind: 'pg-core' };
      return pgCoreExport(imported);
    }
    if (specifier === 'drizzle-orm') return imported === 'sql' ? { kind: 'sql' } : IGNORED;
    if (specifier.startsWith('drizzle-orm/')) return IGNORED;
    const target = this.project(file, specifier);
    if (!target) {
      if (!isRelative(specifier) && !this.ev.modules.looksLikeAlias(file, specifier)) {
        return this.ev.unknown(node, file, 'external-value', `\`${imported}\` comes from the package '${specifier}', which the static reader does not open`);
      }
      return this.ev.unknown(node, file, 'unresolved-import', `cannot find the module '${specifier}' imported by ${file.path}`, {
        tableLike: true,
        hint: 'check the import path (relative imports are resolved from the importing file)',
      });
    }
    if (imported === '*') return { kind: 'module', file: target };
    return this.exportOf(target, imported) ?? this.ev.unknown(node, file, 'unresolved-import', `${target.path} has no export named \`${imported}\``, {
      tableLike: true,
      hint: 'check the import',
    });
  }

  /** The value a module exports under `name`, following re-exports and `export *`; undefined when it has none. */
  exportOf(file: ModuleFile, name: string, visited: Set<ModuleFile> = new Set()): Value | undefined {
    if (visited.has(file)) return undefined;
    visited.add(file);
    if (file.syntaxErrors.length > 0) {
      return this.ev.unknown(file.source, file, 'syntax-error', `${file.path} does not parse`, { silent: true });
    }
    const { local, reexports, stars, defaultExpression } = file.exports;
    if (name === 'default' && defaultExpression) return this.ev.evaluate(defaultExpression, this.ev.fileScope(file));
    // A package's export handed on as the module's own (`export { users } from '@acme/db'`, or imported and then
    // exported) may be a table.
    const handedOn = (value: Value): Value => (value.kind === 'unknown' && value.code === 'external-value' ? { ...value, tableLike: true } : value);
    const own = local.get(name);
    if (own) {
      const value = this.binding(file, own.localName, own.node) ?? this.ev.unknown(own.node, file, 'unresolved-value', `\`${own.localName}\` is not declared in ${file.path}`);
      return file.bindings.get(own.localName)?.kind === 'import' ? handedOn(value) : value;
    }
    const re = reexports.get(name);
    if (re) return handedOn(this.imported(file, re.specifier, re.imported, re.node));
    if (name === 'default') return undefined;
    // Follow the project's own files first: `export * from 'drizzle-orm/pg-core'` answers any name.
    for (const star of stars) {
      if (star.specifier === PG_CORE) continue;
      const target = this.project(file, star.specifier);
      if (!target) continue;
      const value = this.exportOf(target, name, visited);
      if (value) return value;
    }
    if (stars.some((star) => star.specifier === PG_CORE)) return pgCoreExport(name);
    return undefined;
  }

  /** Every name a module exports (for `export *`, the names of the followed modules). */
  exportNames(file: ModuleFile, visited: Set<ModuleFile> = new Set()): ReadonlySet<string> {
    const top = visited.size === 0;
    const cached = this.names.get(file);
    if (cached) return cached;
    const names = new Set<string>();
    if (visited.has(file)) return names;
    visited.add(file);
    for (const name of file.exports.local.keys()) names.add(name);
    for (const name of file.exports.reexports.keys()) names.add(name);
    if (file.exports.defaultExpression) names.add('default');
    for (const star of file.exports.stars) {
      const target = this.project(file, star.specifier);
      if (!target) continue;
      for (const name of this.exportNames(target, visited)) if (name !== 'default') names.add(name);
    }
    // Only a walk that started here saw every star target (a cycle cuts the others short).
    if (top) this.names.set(file, names);
    return names;
  }

  /** Where `file` exports `name`: its declaration, re-export or `export *` statement. */
  exportSite(file: ModuleFile, name: string): Node | undefined {
    const { local, reexports, stars, defaultExpression } = file.exports;
    if (name === 'default' && defaultExpression) return defaultExpression;
    const site = local.get(name)?.node ?? reexports.get(name)?.node;
    if (site) return site;
    for (const star of stars) {
      const target = this.project(file, star.specifier);
      if (target && this.exportNames(target).has(name)) return star.node;
    }
    return undefined;
  }

  /**
   * Where the value `file` exports as `name` is declared, through imports, re-exports and `export *`: the name it
   * is bound to (one element of a destructuring), a function declaration, or a default export's expression.
   */
  exportDeclaration(file: ModuleFile, name: string, visited: Set<ModuleFile> = new Set()): { file: ModuleFile; node: Node } | undefined {
    if (visited.has(file)) return undefined;
    visited.add(file);
    const { local, reexports, stars, defaultExpression } = file.exports;
    if (name === 'default' && defaultExpression) return { file, node: defaultExpression };
    const own = local.get(name);
    if (own) {
      const binding = file.bindings.get(own.localName);
      if (binding?.kind === 'import') {
        const target = this.project(file, binding.specifier);
        return (target && this.exportDeclaration(target, binding.imported, visited)) ?? { file, node: binding.node };
      }
      return { file, node: (binding && bindingName(binding, own.localName)) ?? own.node };
    }
    const re = reexports.get(name);
    if (re) {
      const target = re.imported === '*' ? undefined : this.project(file, re.specifier);
      return (target && this.exportDeclaration(target, re.imported, visited)) ?? { file, node: re.node };
    }
    for (const star of stars) {
      const target = this.project(file, star.specifier);
      const found = target && this.exportNames(target).has(name) ? this.exportDeclaration(target, name, visited) : undefined;
      if (found) return found;
    }
    return undefined;
  }

  /** A module of the project itself (relative, or through a tsconfig alias); undefined for packages. */
  private project(file: ModuleFile, specifier: string): ModuleFile | undefined {
    return isRelative(specifier) ? this.ev.modules.resolveRelative(file, specifier) : this.ev.modules.resolveAlias(file, specifier);
  }
}

/** The identifier a binding gives `name`: in a destructuring, the one element's. */
function bindingName(binding: Binding, name: string): Node | undefined {
  if (binding.kind === 'function') return Node.isFunctionDeclaration(binding.node) ? binding.node.getNameNode() : undefined;
  if (binding.kind !== 'variable') return undefined;
  if (Node.isIdentifier(binding.name)) return binding.name;
  return binding.name.getDescendants().find((n) => Node.isBindingElement(n) && n.getNameNode().getText() === name);
}
