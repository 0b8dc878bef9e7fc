// A small abstract interpreter over the user's AST: follows identifiers through scopes, imports and re-exports,
// spreads, helper calls and simple getters, and replays drizzle's builders into Values. No type checker: every
// step is a syntactic lookup, so it stays fast and never resolves lib or node_modules files.
import { Node } from 'ts-morph';
import type { BindingName, Expression } from 'ts-morph';
import { IRRELEVANT, COLUMN_BUILDERS, COLUMN_FACTORIES, NOT_NULL_BUILDERS, PG_CORE } from './drizzle-api.js';
import { columnMethod, keyMethod, keyStartMethod, primaryKeyFrom } from './keys.js';
import { isRelative } from './modules.js';
import type { Modules, ModuleFile } from './modules.js';
import { buildTable } from './tables.js';
import { IGNORED, LITERAL } from './values.js';
import type { FunctionValue, ObjectEntry, Scope, TableFactory, Unknown, Value } from './values.js';

const MAX_DEPTH = 24;
const HINT = 'run with --extract import';
const PENDING = Symbol('pending');

export class Evaluator {
  private readonly declarations = new Map<Node, Value | typeof PENDING>();
  private readonly fileScopes = new Map<ModuleFile, Scope>();
  private readonly names = new Map<ModuleFile, ReadonlySet<string>>();

  /**
   * drizzle 1.0 names a nameless column of a table without its own casing by its key (no run-time casing).
   */
  constructor(
    readonly modules: Modules,
    readonly options: { readonly namelessIsKey: boolean } = { namelessIsKey: false },
  ) {}

  fileScope(file: ModuleFile): Scope {
    let scope = this.fileScopes.get(file);
    if (!scope) {
      scope = { file, locals: new Map(), parent: undefined, depth: 0 };
      this.fileScopes.set(file, scope);
    }
    return scope;
  }

  unknown(node: Node, file: ModuleFile, code: string, message: string, options: { tableLike?: boolean; hint?: string; silent?: boolean } = {}): Unknown {
    return {
      kind: 'unknown',
      node,
      file,
      code,
      message,
      hint: options.hint ?? HINT,
      tableLike: options.tableLike ?? false,
      silent: options.silent ?? false,
    };
  }

  evaluate(expression: Node, scope: Scope): Value {
    const node = expression;
    if (
      Node.isParenthesizedExpression(node) ||
      Node.isAsExpression(node) ||
      Node.isSatisfiesExpression(node) ||
      Node.isNonNullExpression(node) ||
      Node.isTypeAssertion(node)
    ) {
      return this.evaluate(node.getExpression(), scope);
    }
    if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return { kind: 'string', value: node.getLiteralValue() };
    if (Node.isTemplateExpression(node)) return this.template(node, scope);
    if (Node.isNumericLiteral(node) || Node.isTrueLiteral(node) || Node.isFalseLiteral(node) || Node.isNullLiteral(node)) return LITERAL;
    if (Node.isRegularExpressionLiteral(node) || Node.isBigIntLiteral(node)) return LITERAL;
    if (Node.isBinaryExpression(node) && node.getOperatorToken().getText() === '+') {
      const left = this.evaluate(node.getLeft(), scope);
      const right = this.evaluate(node.getRight(), scope);
      if (left.kind === 'string' && right.kind === 'string') return { kind: 'string', value: left.value + right.value };
      return this.unknown(node, scope.file, 'unresolved-value', `cannot compute \`${short(node)}\` statically`);
    }
    if (Node.isIdentifier(node)) return this.identifier(node.getText(), node, scope);
    if (Node.isPropertyAccessExpression(node)) {
      return this.property(this.evaluate(node.getExpression(), scope), node.getName(), node, scope);
    }
    if (Node.isElementAccessExpression(node)) {
      const argument = node.getArgumentExpression();
      const key = argument ? this.evaluate(argument, scope) : LITERAL;
      if (key.kind === 'string') return this.property(this.evaluate(node.getExpression(), scope), key.value, node, scope);
      if (argument && Node.isNumericLiteral(argument)) {
        return this.property(this.evaluate(node.getExpression(), scope), argument.getText(), node, scope);
      }
      return this.unknown(node, scope.file, 'unresolved-value', `cannot follow the computed access \`${short(node)}\``);
    }
    if (Node.isCallExpression(node)) {
      return this.call(this.evaluate(node.getExpression(), scope), node.getArguments(), node, scope);
    }
    if (Node.isTaggedTemplateExpression(node)) {
      const tag = this.evaluate(node.getTag(), scope);
      if (tag.kind === 'sql' || (tag.kind === 'method' && tag.self.kind === 'sql')) return { kind: 'sql' };
      if (tag.kind === 'unknown') return tag;
      return this.unknown(node, scope.file, 'unresolved-value', `cannot follow the tagged template \`${short(node)}\``);
    }
    if (Node.isObjectLiteralExpression(node)) return this.object(node, scope);
    if (Node.isArrayLiteralExpression(node)) return this.array(node, scope);
    if (Node.isArrowFunction(node) || Node.isFunctionExpression(node)) return { kind: 'function', node, scope };
    return this.unknown(node, scope.file, 'unresolved-value', `cannot follow \`${short(node)}\` statically`);
  }

  private template(node: Node, scope: Scope): Value {
    if (!Node.isTemplateExpression(node)) return LITERAL;
    let text = node.getHead().getLiteralText();
    for (const span of node.getTemplateSpans()) {
      const part = this.evaluate(span.getExpression(), scope);
      if (part.kind !== 'string') {
        return part.kind === 'unknown' ? part : this.unknown(span, scope.file, 'unresolved-value', `cannot compute \`${short(node)}\` statically`);
      }
      text += part.value + span.getLiteral().getLiteralText();
    }
    return { kind: 'string', value: text };
  }

  private object(node: Node, scope: Scope): Value {
    if (!Node.isObjectLiteralExpression(node)) return LITERAL;
    const entries = new Map<string, ObjectEntry>();
    let opaque: Unknown | undefined;
    for (const property of node.getProperties()) {
      if (Node.isSpreadAssignment(property)) {
        const spread = this.evaluate(property.getExpression(), scope);
        if (spread.kind === 'object') {
          for (const entry of spread.entries) entries.set(entry.name, entry);
          opaque ??= spread.opaque;
        } else if (spread.kind === 'unknown') {
          opaque ??= spread;
        } else if (spread.kind !== 'literal') {
          opaque ??= this.unknown(property, scope.file, 'unresolved-value', `cannot follow the spread \`${short(property)}\``);
        }
        continue;
      }
      if (Node.isShorthandPropertyAssignment(property)) {
        const name = property.getName();
        entries.set(name, { name, node: property, get: lazy(() => this.identifier(name, property.getNameNode(), scope)) });
        continue;
      }
      if (Node.isSetAccessorDeclaration(property)) continue;
      const name = this.propertyName(property.getNameNode(), scope);
      if (typeof name !== 'string') {
        opaque ??= name;
        continue;
      }
      if (Node.isPropertyAssignment(property)) {
        const initializer = property.getInitializerOrThrow();
        entries.set(name, { name, node: property, get: lazy(() => this.evaluate(initializer, scope)) });
      } else if (Node.isMethodDeclaration(property)) {
        entries.set(name, { name, node: property, get: () => ({ kind: 'function', node: property, scope }) });
      } else if (Node.isGetAccessorDeclaration(property)) {
        // A simple getter: its body is run like a call with no arguments each time it is read.
        entries.set(name, { name, node: property, get: lazy(() => this.invoke({ kind: 'function', node: property, scope }, [], property, scope, true)) });
      }
    }
    return { kind: 'object', entries: [...entries.values()], opaque, node };
  }

  private propertyName(name: Node, scope: Scope): string | Unknown {
    if (Node.isIdentifier(name) || Node.isPrivateIdentifier(name)) return name.getText();
    if (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name)) return name.getLiteralValue();
    if (Node.isNumericLiteral(name)) return String(name.getLiteralValue());
    if (Node.isComputedPropertyName(name)) {
      const value = this.evaluate(name.getExpression(), scope);
      if (value.kind === 'string') return value.value;
      return value.kind === 'unknown' ? value : this.unknown(name, scope.file, 'unresolved-value', `cannot compute the property name \`${short(name)}\``);
    }
    return this.unknown(name, scope.file, 'unresolved-value', `cannot read the property name \`${short(name)}\``);
  }

  private array(node: Node, scope: Scope): Value {
    if (!Node.isArrayLiteralExpression(node)) return LITERAL;
    const items: Value[] = [];
    let opaque: Unknown | undefined;
    for (const element of node.getElements()) {
      if (Node.isSpreadElement(element)) {
        const spread = this.evaluate(element.getExpression(), scope);
        if (spread.kind === 'array') {
          items.push(...spread.items);
          opaque ??= spread.opaque;
        } else if (spread.kind === 'unknown') opaque ??= spread;
        else opaque ??= this.unknown(element, scope.file, 'unresolved-value', `cannot follow the spread \`${short(element)}\``);
      } else if (Node.isOmittedExpression(element)) items.push(LITERAL);
      else items.push(this.evaluate(element, scope));
    }
    return { kind: 'array', items, opaque, node };
  }

  identifier(name: string, node: Node, scope: Scope): Value {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const local = s.locals.get(name);
      if (local) return local;
    }
    const value = this.binding(scope.file, name, node);
    if (value) return value;
    if (name === 'undefined') return LITERAL;
    return this.unknown(node, scope.file, 'unresolved-value', `\`${name}\` is not declared in ${scope.file.path}`);
  }

  /** A top-level binding of a file (variable, function, import), or undefined when the file has none. */
  binding(file: ModuleFile, name: string, node: Node): Value | undefined {
    const binding = file.bindings.get(name);
    if (!binding) return undefined;
    switch (binding.kind) {
      case 'function':
        return { kind: 'function', node: binding.node, scope: this.fileScope(file) };
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
        this.bind(binding.name, value, locals, this.fileScope(file));
        return locals.get(name) ?? this.unknown(node, file, 'unresolved-value', `cannot follow the destructuring of \`${name}\``);
      }
    }
  }

  private declaration(file: ModuleFile, node: Node, initializer: Expression | undefined): Value {
    const memo = this.declarations.get(node);
    if (memo === PENDING) {
      return this.unknown(node, file, 'unresolved-value', `\`${short(node)}\` is read while it is being defined (a circular reference)`);
    }
    if (memo) return memo;
    if (!initializer) return LITERAL;
    this.declarations.set(node, PENDING);
    const value = this.evaluate(initializer, this.fileScope(file));
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
    const target = isRelative(specifier) ? this.modules.resolveRelative(file, specifier) : this.modules.resolveAlias(file, specifier);
    if (!target) {
      if (!isRelative(specifier) && !this.modules.looksLikeAlias(file, specifier)) {
        return this.unknown(node, file, 'external-value', `\`${imported}\` comes from the package '${specifier}', which the static reader does not open`);
      }
      return this.unknown(node, file, 'unresolved-import', `cannot find the module '${specifier}' imported by ${file.path}`, {
        tableLike: true,
        hint: 'check the import path (relative imports are resolved from the importing file)',
      });
    }
    if (imported === '*') return { kind: 'module', file: target };
    return this.exportOf(target, imported) ?? this.unknown(node, file, 'unresolved-import', `${target.path} has no export named \`${imported}\``, {
      tableLike: true,
      hint: 'check the import',
    });
  }

  /** The value a module exports under `name`, following re-exports and `export *`; undefined when it has none. */
  exportOf(file: ModuleFile, name: string, visited: Set<ModuleFile> = new Set()): Value | undefined {
    if (visited.has(file)) return undefined;
    visited.add(file);
    if (file.syntaxErrors.length > 0) {
      return this.unknown(file.source, file, 'syntax-error', `${file.path} does not parse`, { silent: true });
    }
    const { local, reexports, stars, defaultExpression } = file.exports;
    if (name === 'default' && defaultExpression) return this.evaluate(defaultExpression, this.fileScope(file));
    const own = local.get(name);
    if (own) return this.binding(file, own.localName, own.node) ?? this.unknown(own.node, file, 'unresolved-value', `\`${own.localName}\` is not declared in ${file.path}`);
    const re = reexports.get(name);
    if (re) return this.imported(file, re.specifier, re.imported, re.node);
    if (name === 'default') return undefined;
    // Follow the project's own files first: `export * from 'drizzle-orm/pg-core'` answers any name.
    for (const star of stars) {
      if (star.specifier === PG_CORE) continue;
      const target = isRelative(star.specifier) ? this.modules.resolveRelative(file, star.specifier) : this.modules.resolveAlias(file, star.specifier);
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
      const target = isRelative(star.specifier) ? this.modules.resolveRelative(file, star.specifier) : this.modules.resolveAlias(file, star.specifier);
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
      const target = isRelative(star.specifier) ? this.modules.resolveRelative(file, star.specifier) : this.modules.resolveAlias(file, star.specifier);
      if (target && this.exportNames(target).has(name)) return star.node;
    }
    return undefined;
  }

  property(value: Value, name: string, node: Node, scope: Scope): Value {
    switch (value.kind) {
      case 'object': {
        const entry = [...value.entries].reverse().find((e) => e.name === name);
        if (entry) return entry.get();
        return value.opaque ?? this.unknown(node, scope.file, 'unresolved-value', `the object has no property \`${name}\``);
      }
      case 'module':
        return this.exportOf(value.file, name) ?? this.unknown(node, scope.file, 'unresolved-import', `${value.file.path} has no export named \`${name}\``, { hint: 'check the import' });
      case 'pg-core':
        return pgCoreExport(name);
      case 'builders':
        return COLUMN_BUILDERS.has(name) || COLUMN_FACTORIES.has(name)
          ? { kind: 'drizzle', name }
          : this.unknown(node, scope.file, 'unresolved-value', `\`${name}\` is not a drizzle column builder`);
      case 'column-refs':
        return { kind: 'column-ref', key: name, table: value.table };
      case 'casing-namespace':
        if (name === 'table') return { kind: 'table-factory', factory: { schema: undefined, casing: value.casing, prefix: undefined } };
        return name === 'schema' ? { kind: 'method', self: value, name } : IGNORED;
      case 'schema':
        if (name === 'table') return { kind: 'table-factory', factory: { schema: value.name, casing: value.casing, prefix: undefined } };
        return name === 'enum' ? { kind: 'method', self: value, name } : IGNORED;
      case 'table-factory':
        return name === 'withRLS' ? value : this.unknown(node, scope.file, 'unresolved-value', `unknown table builder property \`${name}\``);
      case 'drizzle':
        if (value.name === 'pgTable' && name === 'withRLS') return { kind: 'table-factory', factory: { schema: undefined, casing: undefined, prefix: undefined } };
        return { kind: 'method', self: value, name };
      case 'table':
        if (name === 'enableRLS') return { kind: 'method', self: value, name };
        if (value.table.columns.some((c) => c.key === name)) return { kind: 'column-ref', key: name, table: value.table };
        return IGNORED;
      case 'column':
      case 'column-ref':
      case 'key-start':
      case 'key':
      case 'sql':
      case 'array':
        if (value.kind === 'array' && /^\d+$/.test(name)) return value.items[Number(name)] ?? LITERAL;
        return { kind: 'method', self: value, name };
      case 'string':
      case 'literal':
        return LITERAL;
      case 'ignored':
      case 'unknown':
        return value;
      default:
        return this.unknown(node, scope.file, 'unresolved-value', `cannot follow \`${short(node)}\` statically`);
    }
  }

  call(callee: Value, args: readonly Node[], node: Node, scope: Scope): Value {
    const arg = (i: number): Value => {
      const a = args[i];
      return a ? this.evaluate(a, scope) : LITERAL;
    };
    switch (callee.kind) {
      case 'function': {
        const result = this.invoke(callee, args.map((a) => this.evaluate(a, scope)), node, scope, true);
        // A table built inside the project's own function is reported where the schema calls it.
        if (scope.depth === 0 && result.kind === 'unknown' && result.code === 'unresolved-table' && result.node !== node) {
          return this.unknown(node, scope.file, 'unresolved-table', `\`${short(node)}\` builds a table inside the project's own function (${where(result)}), which static reading does not follow`, { tableLike: true });
        }
        return result;
      }
      case 'drizzle':
        return this.callDrizzle(callee.name, args, arg, node, scope);
      case 'column-factory':
        return columnOf(arg(0), false, node, scope, this);
      case 'table-factory':
        return buildTable(this, callee.factory, args, node, scope);
      case 'method':
        return this.callMethod(callee.self, callee.name, args, arg, node, scope);
      case 'unknown':
        // `createTable('users', { ... })` from a package (a workspace library, say) may well build a table.
        if (callee.code === 'external-value' && looksLikeTableCall(args)) {
          return this.unknown(node, scope.file, 'unresolved-table', `\`${short(node)}\` may build a table with a function from a package the static reader does not open`, { tableLike: true });
        }
        return callee;
      case 'ignored':
        return callee;
      default:
        return this.unknown(node, scope.file, 'unresolved-value', `cannot follow the call \`${short(node)}\` statically`);
    }
  }

  private callDrizzle(name: string, args: readonly Node[], arg: (i: number) => Value, node: Node, scope: Scope): Value {
    if (name === 'pgTable') return buildTable(this, { schema: undefined, casing: undefined, prefix: undefined }, args, node, scope);
    if (name === 'pgTableCreator') {
      const prefix = arg(0);
      const casing = casingOf(arg(1));
      if (prefix.kind !== 'function') return prefix.kind === 'unknown' ? { ...prefix, tableLike: true } : this.unknown(node, scope.file, 'unresolved-table', 'cannot follow the pgTableCreator name function', { tableLike: true });
      const factory: TableFactory = { schema: undefined, casing, prefix };
      return { kind: 'table-factory', factory };
    }
    if (name === 'pgSchema') {
      const schema = arg(0);
      if (schema.kind !== 'string') return this.unknown(node, scope.file, 'unresolved-table', `cannot compute the schema name of \`${short(node)}\``, { tableLike: true });
      return { kind: 'schema', name: schema.value, casing: casingOf(arg(1)) };
    }
    if (COLUMN_BUILDERS.has(name)) return columnOf(arg(0), NOT_NULL_BUILDERS.has(name), node, scope, this);
    if (COLUMN_FACTORIES.has(name)) return { kind: 'column-factory' };
    if (name === 'primaryKey') return primaryKeyFrom(this, args, node, scope);
    if (name === 'unique' || name === 'uniqueIndex' || name === 'index') {
      const declared = arg(0);
      if (declared.kind !== 'string' && declared.kind !== 'literal') {
        return declared.kind === 'unknown' ? declared : this.unknown(node, scope.file, 'unresolved-value', `cannot compute the key name of \`${short(node)}\``);
      }
      const keyName = declared.kind === 'string' ? declared.value : undefined;
      return name === 'unique'
        ? { kind: 'key-start', key: 'unique-constraint', unique: true, name: keyName }
        : { kind: 'key-start', key: 'index', unique: name === 'uniqueIndex', name: keyName };
    }
    if (IRRELEVANT.has(name)) return IGNORED;
    return this.unknown(node, scope.file, 'unresolved-value', `\`${name}\` from drizzle-orm/pg-core is not known to the static reader`);
  }

  private callMethod(self: Value, name: string, args: readonly Node[], arg: (i: number) => Value, node: Node, scope: Scope): Value {
    switch (self.kind) {
      case 'column':
        return columnMethod(self.column, name, arg, node, scope, this);
      case 'column-ref':
        return self;
      case 'key-start':
        return keyStartMethod(this, self, name, args, node, scope);
      case 'key':
        return keyMethod(self.key, name);
      case 'table':
        return self;
      case 'casing-namespace': {
        const schema = arg(0);
        if (schema.kind !== 'string') return this.unknown(node, scope.file, 'unresolved-table', `cannot compute the schema name of \`${short(node)}\``, { tableLike: true });
        return { kind: 'schema', name: schema.value, casing: self.casing };
      }
      case 'schema':
        return name === 'enum' ? { kind: 'column-factory' } : IGNORED;
      case 'sql':
        return self;
      case 'drizzle':
        return IGNORED;
      default:
        return this.unknown(node, scope.file, 'unresolved-value', `cannot follow the call \`${short(node)}\` statically`);
    }
  }

  /** Runs a function's body over abstract arguments: parameters, `const` statements, one `return`. */
  invoke(fn: FunctionValue, args: readonly Value[], node: Node, caller: Scope, userCall: boolean): Value {
    const depth = caller.depth + (userCall ? 1 : 0);
    if (depth > MAX_DEPTH) return this.unknown(node, caller.file, 'unresolved-value', 'helper calls nest too deeply to follow');
    const declaration = fn.node;
    if (
      !Node.isArrowFunction(declaration) &&
      !Node.isFunctionExpression(declaration) &&
      !Node.isFunctionDeclaration(declaration) &&
      !Node.isMethodDeclaration(declaration) &&
      !Node.isGetAccessorDeclaration(declaration)
    ) {
      return this.unknown(node, caller.file, 'unresolved-value', 'cannot follow this call');
    }
    const locals = new Map<string, Value>();
    const scope: Scope = { file: fn.scope.file, locals, parent: fn.scope, depth };
    declaration.getParameters().forEach((parameter, i) => {
      let value: Value | undefined = parameter.isRestParameter()
        ? { kind: 'array', items: args.slice(i), opaque: undefined, node: undefined }
        : args[i];
      const initializer = parameter.getInitializer();
      if ((value === undefined || value.kind === 'literal') && initializer) value = this.evaluate(initializer, scope);
      this.bind(parameter.getNameNode(), value ?? LITERAL, locals, scope);
    });
    const body = declaration.getBody();
    if (!body) return this.unknown(node, caller.file, 'unresolved-value', 'the called function has no body');
    if (!Node.isBlock(body)) return this.evaluate(body, scope);
    for (const statement of body.getStatements()) {
      if (Node.isReturnStatement(statement)) {
        const expression = statement.getExpression();
        return expression ? this.evaluate(expression, scope) : LITERAL;
      }
      if (Node.isVariableStatement(statement)) {
        for (const d of statement.getDeclarations()) {
          const initializer = d.getInitializer();
          this.bind(d.getNameNode(), initializer ? this.evaluate(initializer, scope) : LITERAL, locals, scope);
        }
        continue;
      }
      if (Node.isFunctionDeclaration(statement)) {
        const name = statement.getName();
        if (name) locals.set(name, { kind: 'function', node: statement, scope });
        continue;
      }
      if (Node.isEmptyStatement(statement) || Node.isTypeAliasDeclaration(statement) || Node.isInterfaceDeclaration(statement)) continue;
      return this.unknown(statement, scope.file, 'unresolved-value', `cannot follow the function body at \`${short(statement)}\` (only constants and one return are followed)`);
    }
    return LITERAL;
  }

  /** Destructuring: binds every name of `name` to the matching part of `value`. */
  bind(name: BindingName, value: Value, locals: Map<string, Value>, scope: Scope): void {
    if (Node.isIdentifier(name)) {
      locals.set(name.getText(), value);
      return;
    }
    name.getElements().forEach((element, i) => {
      if (!Node.isBindingElement(element)) return;
      const target = element.getNameNode();
      if (element.getDotDotDotToken()) {
        const rest = this.unknown(element, scope.file, 'unresolved-value', 'cannot follow a rest element');
        for (const n of boundNamesOf(target)) locals.set(n, rest);
        return;
      }
      let part: Value;
      if (Node.isArrayBindingPattern(name)) {
        part = value.kind === 'array' ? (value.items[i] ?? LITERAL) : value.kind === 'unknown' ? value : this.unknown(element, scope.file, 'unresolved-value', 'cannot destructure this value');
      } else {
        const propertyNode = element.getPropertyNameNode();
        const key = propertyNode ? this.propertyName(propertyNode, scope) : element.getName();
        part = typeof key === 'string' ? this.property(value, key, element, scope) : key;
      }
      const initializer = element.getInitializer();
      if (initializer && (part.kind === 'literal' || (part.kind === 'unknown' && value.kind === 'object'))) part = this.evaluate(initializer, scope);
      this.bind(target, part, locals, scope);
    });
  }
}

function boundNamesOf(name: BindingName): string[] {
  if (Node.isIdentifier(name)) return [name.getText()];
  return name.getElements().flatMap((e) => (Node.isBindingElement(e) ? boundNamesOf(e.getNameNode()) : []));
}

function looksLikeTableCall(args: readonly Node[]): boolean {
  const [name, columns] = args;
  return (
    name !== undefined &&
    (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name) || Node.isTemplateExpression(name)) &&
    columns !== undefined &&
    (Node.isObjectLiteralExpression(columns) || Node.isArrowFunction(columns))
  );
}

function pgCoreExport(name: string): Value {
  if (name === 'snakeCase') return { kind: 'casing-namespace', casing: 'snake_case' };
  if (name === 'camelCase') return { kind: 'casing-namespace', casing: 'camelCase' };
  return { kind: 'drizzle', name };
}

function casingOf(value: Value): 'snake_case' | 'camelCase' | undefined {
  return value.kind === 'string' && (value.value === 'snake_case' || value.value === 'camelCase') ? value.value : undefined;
}

/** `text('email')`, `varchar({ length: 5 })`, `roleEnum()`: a column builder with the name as written, if any. */
function columnOf(first: Value, notNull: boolean, node: Node, scope: Scope, ev: Evaluator): Value {
  if (first.kind === 'unknown') return first;
  if (first.kind !== 'string' && first.kind !== 'object' && first.kind !== 'literal') {
    return ev.unknown(node, scope.file, 'unresolved-column', `cannot compute the column name in \`${short(node)}\``);
  }
  // drizzle treats '' like no name (keyAsName).
  const name = first.kind === 'string' && first.value !== '' ? first.value : undefined;
  return { kind: 'column', column: { name, notNull, primaryKey: false, unique: undefined } };
}

function lazy(compute: () => Value): () => Value {
  let value: Value | undefined;
  return () => (value ??= compute());
}

export function short(node: Node): string {
  const text = node.getText().replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function position(node: Node): { line: number; col: number } {
  const { line, column } = node.getSourceFile().getLineAndColumnAtPos(node.getStart());
  return { line, col: column };
}

function where(unknown: Unknown): string {
  return `${unknown.file.path}:${position(unknown.node).line}`;
}
