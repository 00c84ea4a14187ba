import { describe, expect, it } from 'vitest';
import { ActLogParser, jobSummary, stepOutputs } from '../../scripts/act/act-log';
import { standInFlags } from '../../scripts/act/stand-ins';
import { REPO_ROOT } from '../../scripts/act/run-act';

/** Lines as act v0.2.89 writes them with --json (logrus), trimmed to the fields the parser reads. */
const entry = (fields: Record<string, unknown>) => `${JSON.stringify({ level: 'info', time: '2026-01-01T00:00:00Z', ...fields })}\n`;
// act pads job names to a common width when several jobs run.
const step = { job: 'checks/pr-checks/test   ', step: './.flightdeck/actions/run-tests', stepID: ['tests'], stage: 'Main' };

describe("act's --json log", () => {
  it('gives each job its result, and each step its outputs, summary and annotations', () => {
    const parser = new ActLogParser();
    // Split mid-line on purpose: chunks from a pipe do not end at line ends.
    const text = [
      entry({ ...step, msg: '⭐ Run Main ./.flightdeck/actions/run-tests' }),
      entry({ ...step, msg: '  ⚙  ::set-output:: passed=44', command: 'set-output', name: 'passed', arg: '44' }),
      entry({ ...step, msg: '  ⚙  Summary - ## Test results', command: 'summary', content: '## Test results\n' }),
      entry({
        ...step,
        msg: '  🚧  ::warning file=app/x.py,line=3::slow',
        command: 'warning',
        arg: 'slow',
        kvPairs: { file: 'app/x.py', line: '3' },
      }),
      entry({ ...step, msg: '44 passed\n', raw_output: true }),
      entry({ ...step, msg: '  ✅  Success - Main ./.flightdeck/actions/run-tests', stepResult: 'success' }),
      entry({ job: 'checks/pr-checks/test   ', msg: '🏁  Job succeeded', jobResult: 'success' }),
    ].join('');
    parser.push(text.slice(0, 100));
    parser.push(text.slice(100));
    const log = parser.end();
    const job = log.jobs.get('checks/pr-checks/test')!;
    expect(job.result).toBe('success');
    expect(stepOutputs(job, 'tests')).toEqual({ passed: '44' });
    expect(jobSummary(job)).toBe('## Test results\n');
    expect(job.steps[0]!).toMatchObject({ result: 'success', log: ['44 passed'] });
    expect(job.steps[0]!.annotations).toEqual([{ level: 'warning', message: 'slow', properties: { file: 'app/x.py', line: '3' } }]);
    expect(log.lines).toContain('[checks/pr-checks/test] 44 passed');
  });

  it('keeps nothing unmasked: a masked value is *** in outputs, summaries, annotations and the text log', () => {
    const parser = new ActLogParser();
    parser.push(entry({ ...step, msg: '  ⚙  ***', command: 'add-mask', arg: 's3cr3t-value', raw: '::add-mask::s3cr3t-value\n' }));
    parser.push(entry({ ...step, msg: 'token s3cr3t-value', raw_output: true }));
    parser.push(entry({ ...step, msg: 'out', command: 'set-output', name: 'token', arg: 'x-s3cr3t-value' }));
    parser.push(entry({ ...step, msg: 'sum', command: 'summary', content: 'uses s3cr3t-value\n' }));
    parser.push(entry({ ...step, msg: 'err', command: 'error', arg: 'bad s3cr3t-value', kvPairs: { title: 's3cr3t-value' } }));
    parser.plain("Error: s3cr3t-value in act's own message");
    const log = parser.end();
    expect(JSON.stringify({ jobs: [...log.jobs.values()], lines: log.lines })).not.toContain('s3cr3t-value');
    const job = log.jobs.get('checks/pr-checks/test')!;
    expect(stepOutputs(job, 'tests')).toEqual({ token: 'x-***' });
    expect(job.steps[0]!.annotations[0]).toEqual({ level: 'error', message: 'bad ***', properties: { title: '***' } });
  });

  it("keeps act's plain lines and lines that are not JSON", () => {
    const parser = new ActLogParser();
    parser.push('not json at all\n');
    parser.plain("Error: Job 'image' failed");
    expect(parser.end().lines).toEqual(['not json at all', "Error: Job 'image' failed"]);
  });
});

describe('the stand-ins act swaps in', () => {
  it('replace exactly the three third-party actions the sample pipeline runs, at the SHAs the workflows pin', () => {
    const flags = standInFlags(REPO_ROOT, '.github/workflows/flask-app.yml');
    const mapped = flags.filter((_, index) => index % 2 === 1).map((flag) => flag.replace(REPO_ROOT, '<repo>'));
    expect(mapped).toEqual([
      'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683=<repo>/test/act/checkout',
      'actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065=<repo>/test/act/setup-python',
      'aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502=<repo>/test/act/configure-aws-credentials',
    ]);
  });

  it('refuse a workflow that uses a third-party action with no stand-in', () => {
    expect(() => standInFlags(REPO_ROOT, '.github/workflows/ci.yml')).toThrow(
      /uses actions\/setup-node@[0-9a-f]{40}, which act cannot download here/,
    );
  });
});
