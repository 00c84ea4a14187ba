import { basename, join } from 'node:path';

export type TestRunner = 'pytest' | 'other';

/** pytest run as a program (`pytest`, `py.test`, `.venv/bin/pytest`) or as a module (`python -m pytest`). */
export function detectRunner(argv: string[]): TestRunner {
  const program = basename(argv[0] ?? '');
  if (program === 'pytest' || program === 'py.test') return 'pytest';
  const module = argv.indexOf('-m');
  return module >= 0 && argv[module + 1] === 'pytest' ? 'pytest' : 'other';
}

/** Where the action asks pytest to write its report: under RUNNER_TEMP, so it never lands in the repository. */
export function pytestReportPath(runnerTemp: string): string {
  return join(runnerTemp, `flightdeck-test-${process.pid}-${Date.now()}`, 'junit.xml');
}

/**
 * The argv the action runs. A leading `python` stands for the `python` input, so the
 * requirements and the tests use one interpreter; pytest gets `--junitxml` unless the
 * workflow names its own report with `junit-path`.
 */
export function buildTestArgv(words: string[], python: string, junitxml: string | undefined): string[] {
  const argv = words[0] === 'python' ? [python, ...words.slice(1)] : [...words];
  if (junitxml) argv.push(`--junitxml=${junitxml}`);
  return argv;
}
