import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../packages/core/errors';
import { InputErrors } from '../../packages/core/input-errors';
import { setInput, withInputs } from '../../test/support/inputs';
import type { INPUT } from './context';
import { getInputs } from './context';

let workspace: string;
const saved = { ...process.env };

const setInputs = (inputs: Partial<Record<(typeof INPUT)[keyof typeof INPUT], string>>) => withInputs(inputs);

function inputError(): ConfigurationError {
  try {
    getInputs();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('getInputs() accepted the inputs');
}

beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'fd-test-context-'));
  mkdirSync(join(workspace, 'app'));
  process.env.GITHUB_WORKSPACE = workspace;
  process.env.RUNNER_TEMP = join(workspace, 'tmp');
});

afterEach(() => {
  process.env = { ...saved };
});

describe('getInputs', () => {
  it('applies the defaults: pytest with --junitxml under RUNNER_TEMP, requirements-dev.txt when present', () => {
    writeFileSync(join(workspace, 'requirements-dev.txt'), 'pytest\n');
    const inputs = getInputs();
    expect(inputs.workingDirectory).toBe(workspace);
    expect(inputs.requirements).toBe(join(workspace, 'requirements-dev.txt'));
    expect(inputs.runner).toBe('pytest');
    expect(inputs.argv.slice(0, 3)).toEqual(['python', '-m', 'pytest']);
    expect(inputs.argv[3]).toMatch(new RegExp(`^--junitxml=${join(workspace, 'tmp')}/flightdeck-test-\\d+-\\d+/junit\\.xml$`));
    expect(inputs.junitPatterns).toEqual([inputs.argv[3]!.slice('--junitxml='.length)]);
    expect(inputs).toMatchObject({
      ownsReport: true,
      coverage: { path: 'coverage.xml', explicit: false },
      checkName: 'Test results',
      annotationsLimit: 50,
      failOnFailure: true,
    });
    expect(inputs.coverageThreshold).toBeUndefined();
    expect(inputs.token).toBeUndefined();
  });

  it('installs nothing when there is no requirements-dev.txt or requirements is "none"', () => {
    expect(getInputs().requirements).toBeUndefined();
    writeFileSync(join(workspace, 'requirements-dev.txt'), '');
    setInputs({ requirements: 'none' });
    expect(getInputs().requirements).toBeUndefined();
  });

  it('resolves paths against working-directory and takes the python input', () => {
    writeFileSync(join(workspace, 'app', 'reqs.txt'), '');
    setInputs({
      'working-directory': 'app',
      requirements: 'reqs.txt',
      python: '/venv/bin/python',
      'coverage-threshold': '80.5',
      'coverage-file': 'out/cov.xml',
    });
    const inputs = getInputs();
    expect(inputs.requirements).toBe(join(workspace, 'app', 'reqs.txt'));
    expect(inputs.argv[0]).toBe('/venv/bin/python');
    expect(inputs.coverageThreshold).toBe(80.5);
    expect(inputs.coverage).toEqual({ path: 'out/cov.xml', explicit: true });
  });

  it('needs junit-path for a runner other than pytest', () => {
    setInputs({ command: 'npx vitest run --reporter=junit' });
    const error = inputError();
    expect(error.input).toBe('junit-path');
    expect(error.message).toContain('Input "junit-path" is required when "command" is not pytest');
    setInput('junit-path', 'reports/*.xml');
    expect(getInputs()).toMatchObject({
      runner: 'other',
      ownsReport: false,
      junitPatterns: ['reports/*.xml'],
      argv: ['npx', 'vitest', 'run', '--reporter=junit'],
    });
  });

  it('names the input for each bad value', () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [
        { requirements: 'missing.txt' },
        'requirements',
        /Input "requirements" is invalid: got "missing.txt". No such file: .*missing\.txt\. The path is relative to "working-directory"/,
      ],
      [
        { 'coverage-threshold': '150' },
        'coverage-threshold',
        /Input "coverage-threshold" is invalid: got "150"\. Use a number from 0 to 100\./,
      ],
      [{ 'coverage-threshold': '-1' }, 'coverage-threshold', /from 0 to 100/],
      [{ 'coverage-threshold': 'high' }, 'coverage-threshold', /got "high"/],
      [{ 'working-directory': 'nope' }, 'working-directory', /Input "working-directory" is invalid: got "nope"\. No such directory/],
      [{ command: 'pytest | tee out' }, 'command', /runs without a shell, and "\|" is a shell operator/],
      [{ command: `pytest -k 'x` }, 'command', /unterminated single quote/],
      [{ command: '""' }, 'command', /Give the program and its arguments/],
      [{ 'annotations-limit': '2.5' }, 'annotations-limit', /whole number of at least 0/],
      [{ 'fail-on-failure': 'maybe' }, 'fail-on-failure', /Use "true" or "false"/],
    ];
    for (const [inputs, name, message] of cases) {
      setInputs(inputs);
      const error = inputError();
      expect(error.input, JSON.stringify(inputs)).toBe(name);
      expect(error.message).toMatch(message);
    }
  });
});

describe('getInputs: every input error at once', () => {
  it('reports each bad input in one error, and skips the checks that need a bad one', () => {
    setInputs({
      'working-directory': 'missing',
      command: 'pytest "unclosed',
      'annotations-limit': 'many',
      'coverage-threshold': '120',
      'fail-on-failure': 'perhaps',
      requirements: 'nope.txt',
    });
    const error = inputError() as InputErrors;
    expect(error).toBeInstanceOf(InputErrors);
    // requirements is relative to working-directory, so it is not checked while that is wrong.
    expect(error.inputs).toEqual(['working-directory', 'command', 'annotations-limit', 'fail-on-failure', 'coverage-threshold']);
  });
});
