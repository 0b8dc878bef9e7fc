import { GENERATED_HEADER } from './header.js';
import type { AccessorView, TableModuleView } from './view.js';

function accessor(view: AccessorView): string {
  return [
    `/** ${view.doc} */`,
    `export function ${view.name}(${view.params}): ${view.returns} {`,
    `  return ${view.body};`,
    '}',
  ].join('\n');
}

export function tableModule(view: TableModuleView): string {
  return [
    GENERATED_HEADER,
    `import { defineTable, ${view.runtimeTypes.map((t) => `type ${t}`).join(', ')} } from ${view.runtimeImport};`,
    `import { ${view.tableImport} } from ${view.schemaImport};`,
    '',
    `export type Row = typeof ${view.tableLocal}.$inferSelect;`,
    `export type NewRow = typeof ${view.tableLocal}.$inferInsert;`,
    '',
    `export const table = defineTable(${view.tableLocal}, {`,
    ...view.spec.map((entry) => `  ${entry},`),
    '});',
    '',
    view.accessors.map(accessor).join('\n\n'),
    '',
  ].join('\n');
}
