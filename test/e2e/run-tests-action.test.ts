/**
 * The bundled run-tests action (dist/run-tests/index.js), run as the runner runs it, on
 * real pytest suites in a real virtualenv: the fixture suite with passing,
 * failing, skipped and erroring tests, generated suites for GitHub's annotation
 * limits, and the sample Flask app. Check runs go to a local server that
 * answers like the GitHub REST API.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runStep, type ActionRun, type Annotation } from '../../scripts/harness/run-step';
import { startFakeGitHubApi, type FakeGitHubApi } from '../support/fake-github-api';

const VENV = join(REPO_ROOT, '.venv', 'e2e-python');
const SUITE = 'test/fixtures/pytest-suite';
const FLASK_APP = 'examples/flask-app';
const HARNESS_SHA = '0123456789abcdef0123456789abcdef01234567';
const TOKEN = 'ghs_e2eFakeToken0123456789';

/** The fields of a check-run request body these tests read. */
interface CheckRunBody {
  name: string;
  head_sha: string;
  status: string;
  conclusion: string;
  output: {
    title: string;
    summary: string;
    annotations: { path: string; start_line: number; end_line: number; title: string; raw_details?: string }[];
  };
}

let api: FakeGitHubApi;
let scratch: string;

/** PATH with the venv first, so `python` and pip are the venv's, as after actions/setup-python. */
function pythonEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${join(VENV, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
    VIRTUAL_ENV: VENV,
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    // Keep coverage's data file out of the repository.
    COVERAGE_FILE: join(scratch, `.coverage-${Math.random().toString(36).slice(2)}`),
    GITHUB_API_URL: api.url,
    ...extra,
  };
}

/** The 1-based line that carries `# marker: <name>`, so expectations follow the fixture when it is edited. */
function markerLine(file: string, marker: string): number {
  const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(`# marker: ${marker}`));
  if (index < 0) throw new Error(`${file} has no "# marker: ${marker}"`);
  return index + 1;
}

function fileAnnotations(run: ActionRun): { file: string; line: number; title: string }[] {
  return run.annotations
    .filter((annotation: Annotation) => annotation.level === 'error' && annotation.properties.file)
    .map(({ properties }) => ({ file: properties.file!, line: Number(properties.line), title: properties.title! }));
}

function stepFailure(run: ActionRun): string | undefined {
  return run.annotations.find((annotation) => annotation.level === 'error' && !annotation.properties.file)?.message;
}

function coverageArgs(): { command: string; file: string } {
  const file = join(mkdtempSync(join(scratch, 'cov-')), 'coverage.xml');
  return { command: `python -m pytest --cov=calculator --cov-report=xml:${file}`, file };
}

/** Writes a throwaway workspace with its own pytest suite. */
function workspaceWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'ws-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const MANY_FAILURES = `import pytest


@pytest.mark.parametrize("n", range(120))
def test_many(n):
    assert n < 0  # marker: many


def test_fine():
    assert True
`;

beforeAll(async () => {
  if (!existsSync(join(VENV, 'bin', 'python'))) {
    const made = spawnSync('python3', ['-m', 'venv', VENV], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`python3 -m venv ${VENV} failed: ${made.stderr}`);
  }
  // Tests that pass `requirements: none` need pytest already there; the first test installs it through the
  // action, but a test run on its own (-t) must not depend on that.
  const python = join(VENV, 'bin', 'python');
  if (spawnSync(python, ['-c', 'import pytest, pytest_cov']).status !== 0) {
    const installed = spawnSync(python, ['-m', 'pip', 'install', '-q', '-r', join(REPO_ROOT, SUITE, 'requirements-dev.txt')], {
      encoding: 'utf8',
    });
    if (installed.status !== 0) throw new Error(`pip install into ${VENV} failed: ${installed.stderr}`);
  }
  scratch = mkdtempSync(join(tmpdir(), 'fd-test-action-'));
  api = await startFakeGitHubApi();
});

afterAll(async () => {
  await api?.close();
});

describe('run-tests action on the fixture suite', () => {
  const calculatorTests = `${SUITE}/tests/test_calculator.py`;
  const skipsAndErrors = `${SUITE}/tests/test_skips_and_errors.py`;
  const expectedLocations = () => [
    {
      file: calculatorTests,
      line: markerLine(calculatorTests, 'fail-add'),
      title: 'tests.test_calculator.test_add_is_wrong_on_purpose failed',
    },
    {
      file: calculatorTests,
      line: markerLine(calculatorTests, 'fail-mean'),
      title: 'tests.test_calculator.TestMean.test_mean_is_wrong_on_purpose failed',
    },
    // The exception is raised in calculator.py, but the annotation belongs on the test's own line.
    {
      file: calculatorTests,
      line: markerLine(calculatorTests, 'fail-crash'),
      title: 'tests.test_calculator.test_mean_of_nothing_crashes failed',
    },
    // A fixture in conftest.py raised: that is where the error is.
    {
      file: `${SUITE}/tests/conftest.py`,
      line: markerLine(`${SUITE}/tests/conftest.py`, 'conftest-error'),
      title: 'tests.test_skips_and_errors.test_needs_database errored',
    },
    {
      file: skipsAndErrors,
      line: markerLine(skipsAndErrors, 'local-error'),
      title: 'tests.test_skips_and_errors.test_reads_config errored',
    },
  ];
  const expectedReason =
    '3 of 13 tests failed and 2 errored: test_add_is_wrong_on_purpose, test_mean_is_wrong_on_purpose, test_mean_of_nothing_crashes, test_needs_database, test_reads_config';

  it('reports exact counts, annotates each failure at its file and line, and fails the step in one line', async () => {
    const coverage = coverageArgs();
    const run = await runStep('run-tests', {
      inputs: { 'working-directory': SUITE, command: coverage.command, 'coverage-file': coverage.file, token: '' },
      env: pythonEnv(),
    });
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.outputs).toMatchObject({ total: '13', passed: '5', failed: '3', skipped: '3', errors: '2', 'check-run-url': '' });
    // calculator.py is fully exercised by the passing tests.
    expect(readFileSync(coverage.file, 'utf8')).toMatch(/lines-valid="(\d+)" lines-covered="\1"/);
    expect(run.outputs.coverage).toBe('100');
    expect(run.outputs['report-path']).toMatch(/flightdeck-test-\d+-\d+\/junit\.xml$/);

    expect(fileAnnotations(run)).toEqual(expectedLocations());
    expect(stepFailure(run)).toBe(expectedReason);
    expect(run.stdout).toContain('No check run: the "token" input is empty.');
    expect(run.stdout).toMatch(/::group::Install test\/fixtures\/pytest-suite\/requirements-dev\.txt/);
    expect(run.stdout).toMatch(/::group::Run .*python -m pytest --cov=calculator/);

    expect(run.summary).toContain('## Test results: 3 failed, 2 errored of 13');
    expect(run.summary).toContain('| 13 | 5 | 3 | 2 | 3 |');
    expect(run.summary).toContain('**Coverage:** 100%');
    expect(run.summary).toContain('### Failures (5)');
    expect(run.summary).toContain(`\`${calculatorTests}:${markerLine(calculatorTests, 'fail-add')}\``);
    expect(run.summary).toContain(
      '<summary>💥 tests.test_skips_and_errors.test_needs_database: failed on setup with "ConnectionError: database is unreachable"</summary>',
    );
    expect(run.summary).toContain('### Slowest 10 tests');
  });

  it('creates a completed check run with the annotations when the token may write checks', async () => {
    api.requests.length = 0;
    api.mode = 'allow';
    const run = await runStep('run-tests', {
      inputs: { 'working-directory': SUITE, requirements: 'none', token: TOKEN },
      env: pythonEnv(),
      watchArgv: true,
    });
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.argvSeen.some((argv) => argv.includes('pytest'))).toBe(true);
    expect(run.argvSeen.filter((argv) => argv.includes(TOKEN))).toEqual([]);
    expect(api.requests).toHaveLength(1);
    const [create] = api.requests;
    expect(create).toMatchObject({ method: 'POST', path: '/repos/flightdeck-dev/sample/check-runs', authorization: `token ${TOKEN}` });
    const body = create!.body as CheckRunBody;
    expect(body).toMatchObject({ name: 'Test results', head_sha: HARNESS_SHA, status: 'completed', conclusion: 'failure' });
    expect(body.output.title).toBe(expectedReason);
    expect(body.output.summary).toContain('| 13 | 5 | 3 | 2 | 3 |');
    expect(body.output.annotations.map((a) => ({ file: a.path, line: a.start_line, title: a.title }))).toEqual(expectedLocations());
    for (const annotation of body.output.annotations) {
      expect(annotation).toMatchObject({ annotation_level: 'failure', end_line: annotation.start_line });
      expect(annotation.raw_details?.length).toBeGreaterThan(0);
    }
    expect(run.outputs['check-run-url']).toMatch(/^https:\/\/github\.com\/flightdeck-dev\/sample\/runs\/\d+$/);
    // The check run carries the annotations; the log does not repeat them.
    expect(fileAnnotations(run)).toEqual([]);
    expect(stepFailure(run)).toBe(expectedReason);
    // The token reaches the log only in the mask command that hides it.
    expect(run.stdout.split('\n').filter((line) => line.includes(TOKEN))).toEqual([`::add-mask::${TOKEN}`]);
  });

  it('puts a pull request check on the head commit, and skips it for a fork', async () => {
    const event = (head: string) => {
      const path = join(mkdtempSync(join(scratch, 'event-')), 'event.json');
      writeFileSync(
        path,
        JSON.stringify({
          pull_request: {
            number: 7,
            head: { sha: 'feedfacefeedfacefeedfacefeedfacefeedface', repo: { full_name: head } },
            base: { sha: HARNESS_SHA, repo: { full_name: 'flightdeck-dev/sample' } },
          },
          repository: { full_name: 'flightdeck-dev/sample' },
        }),
      );
      return { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path };
    };
    api.requests.length = 0;
    const samePr = await runStep('run-tests', {
      inputs: { 'working-directory': SUITE, requirements: 'none', token: TOKEN },
      env: pythonEnv(event('flightdeck-dev/sample')),
    });
    expect(samePr.exitCode).toBe(1);
    expect(api.requests.map((request) => (request.body as { head_sha: string }).head_sha)).toEqual([
      'feedfacefeedfacefeedfacefeedfacefeedface',
    ]);

    api.requests.length = 0;
    const fork = await runStep('run-tests', {
      inputs: { 'working-directory': SUITE, requirements: 'none', token: TOKEN },
      env: pythonEnv(event('someone/sample')),
    });
    expect(fork.exitCode).toBe(1);
    expect(api.requests).toEqual([]);
    const notice =
      'No check run: this pull request comes from the fork someone/sample, whose token cannot write checks to flightdeck-dev/sample.';
    expect(fork.stdout).toContain(notice);
    expect(fork.summary).toContain(notice);
    expect(fileAnnotations(fork)).toEqual(expectedLocations());
  });

  it('falls back to annotations and the summary on HTTP 403, and says so', async () => {
    api.requests.length = 0;
    api.mode = 'forbidden';
    try {
      const run = await runStep('run-tests', {
        inputs: { 'working-directory': SUITE, requirements: 'none', token: TOKEN },
        env: pythonEnv(),
      });
      expect(run.exitCode).toBe(1);
      expect(api.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /repos/flightdeck-dev/sample/check-runs']);
      const warning = run.annotations.find((annotation) => annotation.level === 'warning' && annotation.message.includes('HTTP 403'));
      expect(warning?.message).toBe(
        'No check run: the token may not write checks (HTTP 403: Resource not accessible by integration - https://docs.github.com/rest/checks/runs#create-a-check-run). Grant "permissions: checks: write" to the job. Results are reported with annotations and the job summary instead.',
      );
      expect(run.summary).toContain('HTTP 403');
      expect(fileAnnotations(run)).toEqual(expectedLocations());
      expect(stepFailure(run)).toBe(expectedReason);
    } finally {
      api.mode = 'allow';
    }
  });
});

describe('run-tests action at GitHub annotation limits', () => {
  let workspace: string;
  beforeAll(() => {
    workspace = workspaceWith({ 'tests/test_many.py': MANY_FAILURES });
  });
  const manyLine = () => {
    const lines = MANY_FAILURES.split('\n');
    return lines.findIndex((line) => line.includes('# marker: many')) + 1;
  };

  it('sends 120 check annotations 50 per request: one create, then two updates', async () => {
    api.requests.length = 0;
    const run = await runStep('run-tests', { cwd: workspace, inputs: { token: TOKEN, 'annotations-limit': '200' }, env: pythonEnv() });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ total: '121', passed: '1', failed: '120', skipped: '0', errors: '0' });
    expect(api.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /repos/flightdeck-dev/sample/check-runs',
      expect.stringMatching(/^PATCH \/repos\/flightdeck-dev\/sample\/check-runs\/\d+$/),
      expect.stringMatching(/^PATCH \/repos\/flightdeck-dev\/sample\/check-runs\/\d+$/),
    ]);
    const id = api.requests[1]!.path.split('/').at(-1);
    expect(api.requests[2]!.path.endsWith(`/${id}`)).toBe(true);
    const chunks = api.requests.map(
      (request) => (request.body as { output: { annotations: { path: string; start_line: number; title: string }[] } }).output.annotations,
    );
    expect(chunks.map((chunk) => chunk.length)).toEqual([50, 50, 20]);
    expect(chunks.flat().map((annotation) => annotation.title)).toEqual(
      Array.from({ length: 120 }, (_, n) => `tests.test_many.test_many[${n}] failed`),
    );
    for (const annotation of chunks.flat()) expect(annotation).toMatchObject({ path: 'tests/test_many.py', start_line: manyLine() });
    expect(api.requests[0]!.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run.stdout).toContain('Check run "Test results" https://github.com/flightdeck-dev/sample/runs/');
    expect(run.stdout).toContain('120 annotation(s) in 3 request(s).');
  });

  it('says when the annotations-limit input cuts the check annotations', async () => {
    api.requests.length = 0;
    const run = await runStep('run-tests', { cwd: workspace, inputs: { token: TOKEN, requirements: 'none' }, env: pythonEnv() });
    expect(api.requests).toHaveLength(1);
    expect((api.requests[0]!.body as { output: { annotations: unknown[]; summary: string } }).output.annotations).toHaveLength(50);
    const cut =
      'Annotated 50 of 120 failing tests: the annotations-limit input is 50. Every failure is listed in the job summary and the log.';
    expect((api.requests[0]!.body as { output: { summary: string } }).output.summary).toContain(cut);
    expect(run.annotations.filter((annotation) => annotation.level === 'warning').map((annotation) => annotation.message)).toContain(cut);
    expect(run.summary).toContain(cut);
  });

  it('keeps workflow-command annotations within 10 errors per step, counting the step failure', async () => {
    const run = await runStep('run-tests', { cwd: workspace, inputs: { token: '', requirements: 'none' }, env: pythonEnv() });
    expect(run.exitCode).toBe(1);
    const errors = run.annotations.filter((annotation) => annotation.level === 'error');
    expect(errors).toHaveLength(10);
    expect(fileAnnotations(run)).toEqual(
      Array.from({ length: 9 }, (_, n) => ({
        file: 'tests/test_many.py',
        line: manyLine(),
        title: `tests.test_many.test_many[${n}] failed`,
      })),
    );
    expect(stepFailure(run)).toBe('120 of 121 tests failed: test_many[0], test_many[1], test_many[2], test_many[3], test_many[4], …');
    const cut =
      "Annotated 9 of 120 failing tests: GitHub shows at most 10 error annotations per step and the step's own failure message takes 1. Every failure is listed in the job summary and the log.";
    expect(run.stdout).toContain(cut);
    expect(run.summary).toContain(cut);
    expect(run.summary).toContain('### Failures (120)');
  });
});

/** A runner that is not pytest: writes a generic JUnit report (suite file, 1-based lines, nested suites) and exits 1. */
const OTHER_RUNNER = `import os, sys

os.makedirs("reports", exist_ok=True)
with open("reports/TEST-widget.xml", "w") as report:
    report.write("""<?xml version="1.0"?>
<testsuites name="widget-runner"><testsuite name="widget" file="src/widget.py">
  <testsuite name="rendering">
    <testcase classname="widget.Rendering" name="renders" time="0.5" line="3"/>
    <testcase classname="widget.Rendering" name="breaks" time="0.25" line="7"><failure message="expected 2, got 3" type="AssertionError">no traceback here</failure></testcase>
  </testsuite>
  <testcase classname="widget" name="pending"><skipped/></testcase>
</testsuite></testsuites>""")
sys.exit(1)
`;

describe('run-tests action with another JUnit runner', () => {
  it('reads the files junit-path names, ignores stale ones, and annotates from the report attributes', async () => {
    const workspace = workspaceWith({
      'run_widget_tests.py': OTHER_RUNNER,
      'src/widget.py': '# widget\n',
      'reports/TEST-old.xml': '<testsuite><testcase name="stale"/></testsuite>',
    });
    const longAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(workspace, 'reports/TEST-old.xml'), longAgo, longAgo);
    const run = await runStep('run-tests', {
      cwd: workspace,
      inputs: { command: 'python run_widget_tests.py', 'junit-path': 'reports/TEST-*.xml', token: '', requirements: 'none' },
      env: pythonEnv(),
    });
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.outputs, run.stdout).toMatchObject({
      total: '3',
      passed: '1',
      failed: '1',
      skipped: '1',
      errors: '0',
      'report-path': join(workspace, 'reports/TEST-widget.xml'),
    });
    expect(run.annotations.find((annotation) => annotation.level === 'warning')?.message).toBe(
      'Ignored 1 JUnit file(s) older than this run: reports/TEST-old.xml.',
    );
    expect(fileAnnotations(run)).toEqual([{ file: 'src/widget.py', line: 7, title: 'widget.Rendering.breaks failed' }]);
    expect(stepFailure(run)).toBe('1 of 3 tests failed: breaks');
  });

  it('reports failures without failing the step when fail-on-failure is false', async () => {
    const run = await runStep('run-tests', {
      inputs: { 'working-directory': SUITE, 'fail-on-failure': 'false', token: '', requirements: 'none' },
      env: pythonEnv(),
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ total: '13', failed: '3', errors: '2' });
    // No failure message is written, so all five failures fit under the per-step cap.
    expect(fileAnnotations(run)).toHaveLength(5);
    expect(run.annotations.filter((annotation) => annotation.level === 'warning').map((annotation) => annotation.message)).toContain(
      '3 of 13 tests failed and 2 errored: test_add_is_wrong_on_purpose, test_mean_is_wrong_on_purpose, test_mean_of_nothing_crashes, test_needs_database, test_reads_config (the step passes: fail-on-failure is false).',
    );
  });
});

describe('run-tests action coverage threshold', () => {
  it('fails a green suite whose coverage is under the threshold, and passes it at the threshold', async () => {
    const workspace = workspaceWith({
      'shapes.py': 'def square(x):\n    return x * x\n\n\ndef cube(x):\n    return x * x * x\n',
      'tests/test_shapes.py': 'from shapes import square\n\n\ndef test_square():\n    assert square(3) == 9\n',
      'pytest.ini': '[pytest]\npythonpath = .\n',
    });
    const command = 'python -m pytest --cov=shapes --cov-report=xml';
    const low = await runStep('run-tests', {
      cwd: workspace,
      inputs: { command, 'coverage-threshold': '90', token: '', requirements: 'none' },
      env: pythonEnv(),
    });
    expect(low.exitCode).toBe(1);
    expect(low.outputs).toMatchObject({ total: '1', passed: '1', failed: '0', coverage: '75' });
    expect(stepFailure(low)).toBe('Coverage 75% is below the threshold of 90%');
    expect(low.summary).toContain('**Coverage:** 75% (3 of 4 lines) ❌ below the threshold of 90%');

    const met = await runStep('run-tests', {
      cwd: workspace,
      inputs: { command, 'coverage-threshold': '75', token: '', requirements: 'none' },
      env: pythonEnv(),
    });
    expect(met.exitCode, met.stdout).toBe(0);
    expect(met.summary).toContain('✅ meets the threshold of 75%');
  });
});

describe('run-tests action on the sample app', () => {
  it('installs requirements-dev.txt, runs the app tests green and reports coverage', async (context) => {
    if (!existsSync(join(REPO_ROOT, FLASK_APP, 'app', 'test_routes.py'))) context.skip();
    const coverageFile = join(mkdtempSync(join(scratch, 'flask-cov-')), 'coverage.xml');
    const run = await runStep('run-tests', {
      inputs: {
        'working-directory': FLASK_APP,
        command: `python -m pytest --cov=app --cov-report=xml:${coverageFile}`,
        'coverage-file': coverageFile,
        token: '',
      },
      env: pythonEnv(),
    });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.stdout).toMatch(/::group::Install examples\/flask-app\/requirements-dev\.txt/);

    // pytest's own count of the same suite, read from its terminal summary.
    const direct = spawnSync(join(VENV, 'bin', 'python'), ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
      cwd: join(REPO_ROOT, FLASK_APP),
      encoding: 'utf8',
    });
    const tally = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(direct.stdout)?.[1] ?? 0);
    expect(tally('passed')).toBeGreaterThan(0);
    expect(run.outputs).toMatchObject({
      total: String(tally('passed') + tally('skipped')),
      passed: String(tally('passed')),
      skipped: String(tally('skipped')),
      failed: '0',
      errors: '0',
    });
    const covered = /lines-valid="(\d+)" lines-covered="(\d+)"/.exec(readFileSync(coverageFile, 'utf8'))!;
    expect(run.outputs.coverage).toBe(String(Math.round((Number(covered[2]) / Number(covered[1])) * 10_000) / 100));
    expect(run.summary).toContain(`**Coverage:** ${run.outputs.coverage}%`);
    expect(run.summary).toContain(`## Test results: all ${tally('passed')} passed`);
    expect(fileAnnotations(run)).toEqual([]);
  });
});

describe('run-tests action bad input', () => {
  it('names a requirements file that does not exist, before installing or running anything', async () => {
    const run = await runStep('run-tests', {
      inputs: { 'working-directory': SUITE, requirements: 'requirements-missing.txt', token: '' },
      env: pythonEnv(),
    });
    expect(run.exitCode).toBe(1);
    expect(stepFailure(run)).toBe(
      `Input "requirements" is invalid: got "requirements-missing.txt". No such file: ${join(REPO_ROOT, SUITE, 'requirements-missing.txt')}. The path is relative to "working-directory"; fix it, or set "requirements: none" to install nothing.`,
    );
    expect(run.stdout).not.toContain('::group::');
    expect(run.outputs).toEqual({});
  });

  it.each(['150', '-5', 'eighty'])('names a coverage threshold of %s, outside 0–100', async (threshold) => {
    const run = await runStep('run-tests', {
      inputs: { 'working-directory': SUITE, 'coverage-threshold': threshold, token: '' },
      env: pythonEnv(),
    });
    expect(run.exitCode).toBe(1);
    expect(stepFailure(run)).toBe(`Input "coverage-threshold" is invalid: got "${threshold}". Use a number from 0 to 100.`);
    expect(run.stdout).not.toContain('::group::');
  });

  it('says so when the command writes no JUnit report, and names a program that is not on PATH', async () => {
    const workspace = workspaceWith({ 'README.md': 'empty project\n' });
    const silent = await runStep('run-tests', {
      cwd: workspace,
      inputs: { command: 'python -c "import sys; sys.exit(3)"', 'junit-path': 'reports/*.xml', token: '', requirements: 'none' },
      env: pythonEnv(),
    });
    expect(silent.exitCode).toBe(1);
    expect(stepFailure(silent)).toBe(
      'The test command exited with code 3 and wrote no JUnit report matching "reports/*.xml" (input "junit-path", relative to "working-directory"); its output is in the "Run" log group.',
    );
    expect(silent.annotations.filter((annotation) => annotation.level === 'error')).toHaveLength(1);

    const missing = await runStep('run-tests', {
      cwd: workspace,
      inputs: { command: 'no-such-test-runner --all', 'junit-path': 'out.xml', token: '', requirements: 'none' },
      env: pythonEnv(),
    });
    expect(missing.exitCode).toBe(1);
    expect(stepFailure(missing)).toMatch(/^Input "command": the program "no-such-test-runner" was not found on PATH/);
  });

  it('names junit-path when the command is not pytest', async () => {
    const run = await runStep('run-tests', {
      inputs: { 'working-directory': SUITE, command: 'python -m unittest', token: '' },
      env: pythonEnv(),
    });
    expect(run.exitCode).toBe(1);
    expect(stepFailure(run)).toMatch(/^Input "junit-path" is required when "command" is not pytest/);
  });
});
