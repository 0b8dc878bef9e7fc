// What the readers of drizzle calls, keys, tables and imports ask of the evaluator while it walks the user's AST.
// They call back into it (a table's columns are evaluated, a key's columns too), so they take it as this interface
// rather than importing the evaluator: the evaluator sits above them, and nothing below it imports it back.
import type { BindingName, Node } from 'ts-morph';
import type { Modules, ModuleFile } from './modules.js';
import type { FunctionValue, Scope, Unknown, Value } from './values.js';

export interface UnknownOptions {
  readonly tableLike?: boolean;
  readonly hint?: string;
  readonly silent?: boolean;
}

export interface Reader {
  readonly modules: Modules;
  /** `drizzleMajor`: the installed drizzle-orm major (0 when unknown); a few rules changed in 1.0. */
  readonly options: { readonly drizzleMajor: number };
  /** A module's export by name, followed through re-exports; undefined when it has none. */
  exportOf(file: ModuleFile, name: string): Value | undefined;
  fileScope(file: ModuleFile): Scope;
  unknown(node: Node, file: ModuleFile, code: string, message: string, options?: UnknownOptions): Unknown;
  evaluate(expression: Node, scope: Scope): Value;
  invoke(fn: FunctionValue, args: readonly Value[], node: Node, caller: Scope, userCall: boolean): Value;
  bind(name: BindingName, value: Value, locals: Map<string, Value>, scope: Scope): void;
}
