import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import {
  ConfigurationError,
  getBoolean,
  getList,
  getNumber,
  getOptional,
  getOptionalNumber,
  getString,
  invalidInput,
} from '../../packages/core';
import { InputErrorCollector } from '../../packages/core/input-errors';
import { maskSecret } from '../../packages/core/log';
import { buildTestArgv, detectRunner, pytestReportPath, type TestRunner } from './command';
import { ShellWordsError, splitShellWords } from './shell-words';

/** The input names, once: action.yml, the README and the tests use these. */
export const INPUT = {
  workingDirectory: 'working-directory',
  requirements: 'requirements',
  python: 'python',
  command: 'command',
  junitPath: 'junit-path',
  coverageFile: 'coverage-file',
  coverageThreshold: 'coverage-threshold',
  token: 'token',
  checkName: 'check-name',
  annotationsLimit: 'annotations-limit',
  failOnFailure: 'fail-on-failure',
} as const;

/** Looked for in working-directory when `requirements` is empty. */
export const DEFAULT_REQUIREMENTS = 'requirements-dev.txt';
/** Read after the run when `coverage-file` is empty and the file is there. */
export const DEFAULT_COVERAGE_FILE = 'coverage.xml';
const SKIP_INSTALL = 'none';

export interface Inputs {
  /** Absolute repository root; annotation paths are relative to it. */
  workspace: string;
  /** Absolute directory the tests run in. */
  workingDirectory: string;
  /** Absolute path of the requirements file to install, or undefined to install nothing. */
  requirements?: string;
  python: string;
  /** The program and arguments to run, `--junitxml` included for pytest. */
  argv: string[];
  runner: TestRunner;
  /** Glob patterns (relative to working-directory) of the JUnit files, or the one file pytest is told to write. */
  junitPatterns: string[];
  /** True when the action chose the report path (pytest without junit-path). */
  ownsReport: boolean;
  coverage: { path: string; explicit: boolean };
  coverageThreshold?: number;
  token?: string;
  checkName: string;
  annotationsLimit: number;
  failOnFailure: boolean;
}

/** Reads every input, and reports every bad one in one error, before anything is installed or run. */
export function getInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  // The token first: masked before any error could be printed.
  const token = getOptional(INPUT.token);
  maskSecret(token);
  const errors = new InputErrorCollector();
  const workspace = resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  const workingDirectory = errors.read(() => readWorkingDirectory(workspace));
  const python = getString(INPUT.python, 'python');
  const words = errors.read(readCommand);
  const runner = words ? detectRunner(words) : undefined;
  const junitPaths = getList(INPUT.junitPath);
  errors.check(
    !(junitPaths.length === 0 && runner !== undefined && runner !== 'pytest'),
    () =>
      new ConfigurationError(
        `Input "${INPUT.junitPath}" is required when "${INPUT.command}" is not pytest: name the JUnit XML file(s) your test runner writes, e.g. "reports/junit.xml" or "**/TEST-*.xml".`,
        INPUT.junitPath,
      ),
  );
  const ownReport = junitPaths.length === 0 ? pytestReportPath(env.RUNNER_TEMP || tmpdir()) : undefined;
  const annotationsLimit = errors.read(() => getNumber(INPUT.annotationsLimit, 50, { min: 0, integer: true }));
  const failOnFailure = errors.read(() => getBoolean(INPUT.failOnFailure, true));
  // The requirements path is relative to working-directory: checked only when that is readable.
  const requirements = workingDirectory === undefined ? undefined : errors.read(() => readRequirements(workingDirectory));
  const threshold = errors.read(() => getOptionalNumber(INPUT.coverageThreshold, { min: 0, max: 100 }));
  errors.throwIfAny();

  const inputs: Inputs = {
    workspace,
    workingDirectory: workingDirectory!,
    python,
    argv: buildTestArgv(words!, python, ownReport),
    runner: runner!,
    junitPatterns: ownReport ? [ownReport] : junitPaths,
    ownsReport: ownReport !== undefined,
    coverage: readCoverageFile(),
    checkName: getString(INPUT.checkName, 'Test results'),
    annotationsLimit: annotationsLimit!,
    failOnFailure: failOnFailure!,
  };
  if (requirements) inputs.requirements = requirements;
  if (threshold !== undefined) inputs.coverageThreshold = threshold;
  if (token) inputs.token = token;
  return inputs;
}

function readWorkingDirectory(workspace: string): string {
  const given = getString(INPUT.workingDirectory, '.');
  const path = resolve(workspace, given);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw invalidInput(
      INPUT.workingDirectory,
      given,
      `No such directory under ${workspace}. Use a path relative to the repository root, such as "." or "examples/flask-app".`,
    );
  }
  return path;
}

function readCommand(): string[] {
  const raw = getString(INPUT.command, 'python -m pytest');
  let words: string[];
  try {
    words = splitShellWords(raw);
  } catch (error) {
    if (error instanceof ShellWordsError) throw invalidInput(INPUT.command, raw, `It runs without a shell, and ${error.message}.`);
    throw error;
  }
  // '""' splits into one empty word: no program either.
  if (words.length === 0 || words[0] === '')
    throw invalidInput(INPUT.command, raw, 'Give the program and its arguments, e.g. "python -m pytest -q".');
  return words;
}

/** Empty: requirements-dev.txt when the project has one. "none": install nothing. Otherwise the file must exist. */
function readRequirements(workingDirectory: string): string | undefined {
  const given = getString(INPUT.requirements);
  if (given.toLowerCase() === SKIP_INSTALL) return undefined;
  if (given === '') {
    const fallback = inFolder(workingDirectory, DEFAULT_REQUIREMENTS);
    return existsSync(fallback) ? fallback : undefined;
  }
  const path = isAbsolute(given) ? given : resolve(workingDirectory, given);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw invalidInput(
      INPUT.requirements,
      given,
      `No such file: ${path}. The path is relative to "${INPUT.workingDirectory}"; fix it, or set "${INPUT.requirements}: ${SKIP_INSTALL}" to install nothing.`,
    );
  }
  return path;
}

/**
 * resolve() behind a function boundary: ncc copies every file a literal
 * `resolve(dir, 'name')` could match into dist/, e.g. the repository's own requirements files.
 */
function inFolder(folder: string, name: string): string {
  return resolve(folder, name);
}

function readCoverageFile(): Inputs['coverage'] {
  const given = getString(INPUT.coverageFile);
  return given === '' ? { path: DEFAULT_COVERAGE_FILE, explicit: false } : { path: given, explicit: true };
}
