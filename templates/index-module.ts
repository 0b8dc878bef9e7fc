import { GENERATED_HEADER } from './header.js';
import type { IndexModuleView } from './view.js';

export function indexModule(view: IndexModuleView): string {
  // An empty schema still yields a module (`export {}`), so `import * as hot from './hot/index.js'` compiles.
  const lines = view.modules.map((m) => `export * as ${m.namespace} from ${m.specifier};`);
  return [GENERATED_HEADER, ...(lines.length > 0 ? lines : ['export {};']), ''].join('\n');
}
