// What templates receive: every name, type and expression already decided (generator/render.ts builds these
// from the model and generator/naming.ts). Templates only lay the pieces out.

export interface AccessorView {
  /** One sentence: what the call does in Redis (and Postgres). */
  readonly doc: string;
  readonly name: string;
  /** Parameter list without parentheses, e.g. `ctx: Context, id: Row['id']`. */
  readonly params: string;
  readonly returns: string;
  /** The returned expression, e.g. `table.getBy(ctx, ['id'], { id })`. */
  readonly body: string;
}

export interface TableModuleView {
  /** String literal of the runtime module, quoted. */
  readonly runtimeImport: string;
  /** Import clause for the user's table, e.g. `users` or `users as usersTable`. */
  readonly tableImport: string;
  /** String literal of the schema module, quoted. */
  readonly schemaImport: string;
  /** The local binding of the user's table. */
  readonly tableLocal: string;
  /** Types imported from the runtime besides `defineTable`, e.g. `Context`. */
  readonly runtimeTypes: readonly string[];
  /** `defineTable` spec entries, each `name: value`. */
  readonly spec: readonly string[];
  readonly accessors: readonly AccessorView[];
}

export interface IndexModuleView {
  /** One entry per table module, sorted: the namespace name and the quoted module specifier. */
  readonly modules: readonly { readonly namespace: string; readonly specifier: string }[];
}
