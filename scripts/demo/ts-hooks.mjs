// Lets `node` run the demo's TypeScript (scripts/demo/main.ts) and what it imports, as vitest would: Node 24
// transforms the types itself (--experimental-transform-types); this resolve hook adds the ".ts" or "/index.ts"
// that the project's extensionless relative imports ("./pipeline", "../../packages/manifests") leave out.
import { existsSync, statSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if (relative && !/\.[cm]?[jt]s$/.test(specifier) && context.parentURL?.endsWith('.ts')) {
      const path = fileURLToPath(new URL(specifier, context.parentURL));
      if (existsSync(`${path}.ts`)) return nextResolve(`${specifier}.ts`, context);
      if (existsSync(path) && statSync(path).isDirectory() && existsSync(`${path}/index.ts`))
        return nextResolve(`${specifier}/index.ts`, context);
    }
    return nextResolve(specifier, context);
  },
});
