/**
 * The environment a child process (pip, the test command, docker) starts with: the step's
 * environment minus what the runner hands the action for itself. Inputs (INPUT_*, among them
 * the job token), saved state, the runtime's credentials (ACTIONS_RUNTIME_TOKEN,
 * ACTIONS_ID_TOKEN_REQUEST_*, the cache and results URLs) and the file commands that change later
 * steps (GITHUB_ENV, GITHUB_PATH, GITHUB_OUTPUT…) are the action's, not the code it runs: any test
 * or dependency could use them, e.g. to poison the Actions cache of main. Everything the workflow
 * set (PATH, HOME, proxies, its own env: entries) stays.
 */
const WITHHELD: readonly RegExp[] = [/^INPUT_/, /^STATE_/, /^ACTIONS_/, /^GITHUB_(?:ENV|PATH|OUTPUT|STATE|STEP_SUMMARY)$/];

export interface ChildEnvironmentOptions {
  /** Set on top, e.g. DOCKER_BUILDKIT=0. */
  env?: Record<string, string>;
  /** Withheld variables this child needs for its job, by exact name (buildx's gha cache reads ACTIONS_RUNTIME_TOKEN). */
  passEnv?: readonly string[];
}

export function isWithheld(name: string): boolean {
  return WITHHELD.some((pattern) => pattern.test(name));
}

export function childEnvironment(parent: NodeJS.ProcessEnv, options: ChildEnvironmentOptions = {}): Record<string, string> {
  const passed = new Set(options.passEnv ?? []);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && (passed.has(name) || !isWithheld(name))) env[name] = value;
  }
  return { ...env, ...options.env };
}
