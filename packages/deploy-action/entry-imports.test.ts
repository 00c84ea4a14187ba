import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * What each deploy action's bundle evaluates at start-up: the modules its index.ts reaches through
 * static imports (ncc puts a dynamic import() in a chunk of its own, loaded when it runs). A run
 * refused for a bad input must not load YAML and the kubeconfig parser first: they tripled the
 * entry chunk (51 KiB to 191 KiB) when the inputs came to import the parser statically.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function resolveSource(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => existsSync(candidate) && candidate.endsWith('.ts'));
}

/** Every module reached from `entry` by static imports: sources relative to the repository, packages by name. */
function staticallyReached(entry: string): Set<string> {
  const reached = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    const name = relative(root, file);
    if (reached.has(name)) continue;
    reached.add(name);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (!specifier!.startsWith('.')) {
        reached.add(specifier!);
        continue;
      }
      const target = resolveSource(file, specifier!);
      if (target) pending.push(target);
    }
  }
  return reached;
}

describe('the start-up of the deploy actions', () => {
  it.each(['canary-deploy', 'release', 'rolling-promote', 'rollback'])(
    '%s loads no YAML and no kubeconfig parser before its inputs are read',
    (action) => {
      const reached = staticallyReached(join(root, 'actions', action, 'index.ts'));
      expect(reached).toContain('packages/deploy-action/inputs.ts');
      expect([...reached].filter((module) => module === 'yaml' || module.startsWith('packages/kube/kubeconfig'))).toEqual([]);
    },
  );
});
