/**
 * The pull-request path of the sample app's real pipeline (.github/workflows/flask-app.yml → pr-checks.yml),
 * run whole by nektos/act: the tests with their coverage gate, published as a check run with annotations to
 * the local GitHub API; the image built without any AWS access; every commit linted as a Conventional Commit.
 * A good pull request passes all three; a bad one fails where it is bad, and says where.
 */
import { describe, expect, it } from 'vitest';
import { jobSummary, stepOutputs } from '../../scripts/act/act-log';
import { backToMain, openPullRequest, runPullRequest } from '../../scripts/act/pipeline';
import type { ActRun } from '../../scripts/act/run-act';
import { REPOSITORY } from '../../scripts/act/scratch-repo';
import { runProgram } from '../stack/commands';
import { tail, useActPipeline } from './act-support';

const pipeline = useActPipeline();
const JOBS = { test: 'checks/pr-checks/test', image: 'checks/pr-checks/image', commits: 'checks/pr-checks/commits' };

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** A step's log as text, without the colours commitlint and npm write. */
function logOf(run: ActRun, job: string): string {
  return run
    .job(job)
    .steps.flatMap((step) => step.log)
    .join('\n')
    .replace(ANSI_COLOUR, '');
}

function checkRuns() {
  return pipeline.services.github.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/check-runs'));
}

describe('a pull request, under act', () => {
  /** The passing run's suite, which the failing run repeats with one broken test added. */
  let goodSuite: { total: number; passed: number } | undefined;

  it('passes the tests with coverage, publishes the check run, builds the image without AWS and lints its commits', async () => {
    const fronts = Object.values(pipeline.services.fronts);
    const frontRequests = () => fronts.reduce((sum, front) => sum + front.accepted.length + front.rejected.length, 0);
    const before = { checkRuns: checkRuns().length, awsCalls: pipeline.services.aws.calls.length, frontRequests: frontRequests() };
    const pullRequest = openPullRequest(pipeline.repository, {
      number: 7,
      branch: 'docs/hello',
      commits: [{ message: 'docs(flask-app): say how to run the app', files: { 'examples/flask-app/HELLO.md': 'python run.py\n' } }],
    });
    let run: ActRun;
    try {
      run = await runPullRequest(pullRequest, pipeline.options({}));
    } finally {
      backToMain(pipeline.repository);
    }
    expect(run.exitCode, tail(run.lines)).toBe(0);
    for (const name of Object.values(JOBS)) expect(run.job(name).result, name).toBe('success');

    // The tests: outputs, the job summary with the coverage verdict, and the check run on the head commit.
    const tests = stepOutputs(run.job(JOBS.test), 'tests')!;
    // The sample's own suite grows with the app, so its size is read from this run, not written here:
    // every test ran, none failed, and the few that need PostgreSQL were skipped.
    expect(tests).toMatchObject({ failed: '0', errors: '0' });
    expect(Number(tests.passed)).toBeGreaterThan(40);
    expect(Number(tests.skipped)).toBeGreaterThan(0);
    expect(Number(tests.total)).toBe(Number(tests.passed) + Number(tests.skipped));
    goodSuite = { total: Number(tests.total), passed: Number(tests.passed) };
    expect(Number(tests.coverage)).toBeGreaterThanOrEqual(80);
    const summary = jobSummary(run.job(JOBS.test));
    expect(summary).toContain(`## Test results: all ${tests.passed} passed, ${tests.skipped} skipped`);
    expect(summary).toMatch(/\*\*Coverage:\*\* \d+\.\d+% .* meets the threshold of 80%/);
    const published = checkRuns().slice(before.checkRuns);
    expect(published).toHaveLength(1);
    expect(published[0]!.path).toBe(`/repos/${REPOSITORY}/check-runs`);
    expect(published[0]!.body).toMatchObject({
      name: 'Test results',
      head_sha: pullRequest.headSha,
      status: 'completed',
      conclusion: 'success',
    });
    expect(tests['check-run-url']).toMatch(new RegExp(`^https://github.com/${REPOSITORY}/runs/\\d+$`));

    // The image: built into the local engine from the app's Dockerfile, nothing pushed, AWS never called.
    const image = stepOutputs(run.job(JOBS.image), 'image')!;
    expect(image['image-id']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image.digest ?? '').toBe('');
    expect(pipeline.services.aws.calls.slice(before.awsCalls)).toEqual([]);
    // And no cluster was touched: neither EKS front saw a request.
    expect(frontRequests()).toBe(before.frontRequests);
    const built = runProgram('docker', ['image', 'inspect', '--format', '{{.Id}}', image['image-id']!]);
    expect(built.stdout.trim()).toBe(image['image-id']);
    expect(jobSummary(run.job(JOBS.image))).toContain('pr-check');

    // The commit check read the pull request's commit.
    expect(logOf(run, JOBS.commits)).toMatch(/found 0 problems, 0 warnings/);
  });

  it('fails a failing test with an annotation at its line, and a commit message that is not conventional', async () => {
    const before = checkRuns().length;
    const pullRequest = openPullRequest(pipeline.repository, {
      number: 8,
      branch: 'broken',
      commits: [
        {
          message: 'wip',
          files: { 'examples/flask-app/app/test_broken.py': 'def test_arithmetic_still_works():\n    assert 1 + 1 == 3\n' },
        },
      ],
    });
    let run: ActRun;
    try {
      run = await runPullRequest(pullRequest, pipeline.options({}));
    } finally {
      backToMain(pipeline.repository);
    }
    expect(run.exitCode).not.toBe(0);
    expect(run.job(JOBS.test).result, tail(run.lines)).toBe('failure');
    expect(run.job(JOBS.commits).result).toBe('failure');
    // A broken test is no reason to doubt the image.
    expect(run.job(JOBS.image).result).toBe('success');

    const tests = stepOutputs(run.job(JOBS.test), 'tests')!;
    // The same suite as the passing run's, plus the one broken test.
    expect(goodSuite, 'the passing pull request runs first and records the suite').toBeDefined();
    const total = goodSuite!.total + 1;
    expect(tests).toMatchObject({ total: String(total), passed: String(goodSuite!.passed), failed: '1' });
    // With a check run, the failures are annotated there; the step itself says what failed.
    const annotations = run.job(JOBS.test).steps.flatMap((step) => step.annotations);
    expect(annotations).toContainEqual(
      expect.objectContaining({ level: 'error', message: `1 of ${total} tests failed: test_arithmetic_still_works` }),
    );
    const [published] = checkRuns().slice(before);
    expect(published!.body).toMatchObject({ head_sha: pullRequest.headSha, conclusion: 'failure' });
    const output = (published!.body as { output: { annotations: { path: string; start_line: number; annotation_level: string }[] } })
      .output;
    expect(output.annotations).toContainEqual(
      expect.objectContaining({ path: 'examples/flask-app/app/test_broken.py', start_line: 2, annotation_level: 'failure' }),
    );
    expect(jobSummary(run.job(JOBS.test))).toContain('test_arithmetic_still_works');

    const lint = logOf(run, JOBS.commits);
    expect(lint).toContain('input: wip');
    expect(lint).toMatch(/subject may not be empty \[subject-empty\]/);
    expect(lint).toMatch(/type may not be empty \[type-empty\]/);
  });
});
