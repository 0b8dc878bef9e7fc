// A small abstract interpreter over the user's AST: follows identifiers through scopes, imports and re-exports,
// spreads, helper calls and simple getters, and replays drizzle's builders into Values. No type checker: every
// step is a syntactic lookup, so it stays fast and never resolves lib or node_modules files.
import { Node } from 'ts-morph';
import type { BindingName } from 'ts-morph';
import { callDrizzle, callMethod, columnOf, looksLikeTableCall, property } from './drizzle-calls.js';
import { Linker } from './imports.js';
import type { Modules, ModuleFile } from './modules.js';
import { short, where } from './node-text.js';
import { buildTable } from './tables.js';
import { LITERAL } from './values.js';
import type { Reader, UnknownOptions } from './reader.js';
import type { FunctionValue, ObjectEntry, Scope, Unknown, Value } from './values.js';

const MAX_DEPTH = 24;
const HINT = 'run with --extract import';

export class Evaluator implements Reader {
  private readonly fileScopes = new Map<ModuleFile, Scope>();
  readonly links: Linker = new Linker(this);

  /** `drizzleMajor`: the installed drizzle-orm major (0 when unknown); a few rules changed in 1.0. */
  constructor(
    readonly modules: Modules,
    readonly options: { readonly drizzleMajor: number } = { drizzleMajor: 0 },
  ) {}

  exportOf(file: ModuleFile, name: string): Value | undefined {
    return this.links.exportOf(file, name);
  }

  fileScope(file: ModuleFile): Scope {
    let scope = this.fileScopes.get(file);
    if (!scope) {
      scope = { file, locals: new Map(), parent: undefined, depth: 0 };
      this.fileScopes.set(file, scope);
    }
    return scope;
  }

  unknown(node: Node, file: ModuleFile, code: string, message: string, options: UnknownOptions = {}): Unknown {
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
    if (Node.isConditionalExpression(node)) return this.pick(node, [node.getWhenTrue(), node.getWhenFalse()], scope);
    if (Node.isBinaryExpression(node) && ['??', '||', '&&'].includes(node.getOperatorToken().getText())) {
      return this.pick(node, [node.getLeft(), node.getRight()], scope);
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

  /**
   * `a ? b : c`, `a ?? b`, `a || b`: which operand is the value is decided when the module runs. Unsettled; but when
   * an operand is (or may be) a table, so may the result, and an export holding it is reported rather than skipped.
   */
  private pick(node: Node, operands: readonly Node[], scope: Scope): Value {
    const tableLike = operands.some((operand) => {
      const value = this.evaluate(operand, scope);
      return value.kind === 'table' || (value.kind === 'unknown' && value.tableLike);
    });
    const message = tableLike
      ? `\`${short(node)}\` chooses between values, one of them a table, only when the module runs`
      : `cannot compute \`${short(node)}\` statically`;
    return this.unknown(node, scope.file, tableLike ? 'unresolved-table' : 'unresolved-value', message, { tableLike });
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
    const value = this.links.binding(scope.file, name, node);
    if (value) return value;
    if (name === 'undefined') return LITERAL;
    return this.unknown(node, scope.file, 'unresolved-value', `\`${name}\` is not declared in ${scope.file.path}`);
  }

  property(value: Value, name: string, node: Node, scope: Scope): Value {
    return property(this, value, name, node, scope);
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
        // What the project's own function returns, when static reading cannot settle it, may be a table.
        if (scope.depth === 0 && result.kind === 'unknown' && !result.tableLike) return { ...result, tableLike: true };
        return result;
      }
      case 'drizzle':
        return callDrizzle(this, callee.name, args, arg, node, scope);
      case 'column-factory':
        return columnOf(arg(0), false, node, scope, this);
      case 'table-factory':
        return buildTable(this, callee.factory, args, node, scope);
      case 'method':
        return callMethod(this, callee.self, callee.name, args, arg, node, scope);
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

function lazy(compute: () => Value): () => Value {
  let value: Value | undefined;
  return () => (value ??= compute());
}
