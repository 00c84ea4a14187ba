/**
 * Reads the local stack's environment file (.stack/env, written by
 * scripts/stack/up.sh) so tests, the e2e global setup and the bench all see
 * the same endpoints and credentials.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** The variables the stack contract promises; loadStackEnv fails if one is missing. */
export const REQUIRED_STACK_VARS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCOUNT_ID',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_ENDPOINT_URL',
  'ECR_REGISTRY',
  'REGISTRY_CA_FILE',
  'KUBECONFIG',
  'DEPLOYER_KUBECONFIG',
  'KUBE_APISERVER',
  'STACK_DIR',
  'FLIGHTDECK_CACHE',
] as const;

export type StackEnv = Record<(typeof REQUIRED_STACK_VARS)[number], string> & Record<string, string>;

export function stackDir(): string {
  return process.env.STACK_DIR ?? resolve(REPO_ROOT, '.stack');
}

export function stackEnvPath(): string {
  return resolve(stackDir(), 'env');
}

/**
 * Parses the `export NAME=value` lines up.sh writes, as a shell sourcing the
 * file would: later lines win, double-quoted or bare values expand `$NAME`
 * and `${NAME}` (from earlier lines, then from `outer`, e.g. the caller's
 * PATH), single-quoted values stay literal.
 */
export function parseStackEnv(text: string, source = 'stack env', outer: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const vars: Record<string, string> = {};
  const expand = (value: string) =>
    value.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_, braced?: string, bare?: string) => {
      const name = (braced ?? bare)!;
      return vars[name] ?? outer[name] ?? '';
    });
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) {
      throw new Error(`${source}:${index + 1}: expected "export NAME=value", got "${line}"; rerun scripts/stack/up.sh to rewrite it`);
    }
    const [, name, rawValue] = match as unknown as [string, string, string];
    const singleQuoted = /^'(.*)'$/.exec(rawValue);
    const doubleQuoted = /^"(.*)"$/.exec(rawValue);
    const value = singleQuoted ? singleQuoted[1]! : expand(doubleQuoted ? doubleQuoted[1]! : rawValue);
    vars[name] = name === 'PATH' ? withoutDuplicateEntries(value) : value;
  });
  return vars;
}

/** Applying the env twice must not grow PATH: keep each directory's first occurrence. */
function withoutDuplicateEntries(searchPath: string): string {
  return [...new Set(searchPath.split(':').filter((entry) => entry !== ''))].join(':');
}

/** Loads .stack/env; throws with the fix when the stack was never brought up. */
export function loadStackEnv(path = stackEnvPath()): StackEnv {
  if (!existsSync(path)) {
    throw new Error(`${path} does not exist: the local stack is not up; run scripts/stack/up.sh (or make stack-up)`);
  }
  const vars = parseStackEnv(readFileSync(path, 'utf8'), path);
  const missing = REQUIRED_STACK_VARS.filter((name) => !vars[name]);
  if (missing.length > 0) {
    throw new Error(`${path} lacks ${missing.join(', ')}; rerun scripts/stack/up.sh to rewrite it`);
  }
  return vars as StackEnv;
}

/** Copies the stack's variables into process.env (overriding what is there) and returns them. */
export function applyStackEnv(path = stackEnvPath()): StackEnv {
  const vars = loadStackEnv(path);
  Object.assign(process.env, vars);
  return vars;
}
