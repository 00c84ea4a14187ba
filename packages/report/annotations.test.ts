import { describe, expect, it } from 'vitest';
import {
  buildAnnotations,
  chunk,
  commandMessage,
  describeCut,
  headline,
  planAnnotations,
  toWorkspacePath,
  type FailureAnnotation,
} from './annotations';
import type { TestCase } from './junit';

const paths = { workspace: '/repo', workingDirectory: '/repo/app' };
const failed = (name: string, details?: string, extra: Partial<TestCase> = {}): TestCase => ({
  suite: [],
  classname: 'tests.test_x',
  name,
  status: 'failed',
  time: 0,
  ...(details ? { details } : {}),
  ...extra,
});
const many = (count: number): FailureAnnotation[] =>
  Array.from({ length: count }, (_, i) => ({ title: `t${i}`, message: 'm', path: 'a.py', line: i + 1 }));

describe('buildAnnotations', () => {
  it('annotates only failures and errors, at repository paths', () => {
    const cases: TestCase[] = [
      failed('test_a', 'tests/test_x.py:20: AssertionError', { message: 'assert 4 == 5' }),
      { ...failed('test_ok'), status: 'passed' },
      { ...failed('test_skip'), status: 'skipped' },
      { ...failed('test_err', 'tests/conftest.py:7: ConnectionError'), status: 'error' },
    ];
    expect(buildAnnotations(cases, paths)).toEqual([
      {
        title: 'tests.test_x.test_a failed',
        message: 'assert 4 == 5',
        details: 'tests/test_x.py:20: AssertionError',
        path: 'app/tests/test_x.py',
        line: 20,
      },
      {
        title: 'tests.test_x.test_err errored',
        message: 'tests/conftest.py:7: ConnectionError',
        details: 'tests/conftest.py:7: ConnectionError',
        path: 'app/tests/conftest.py',
        line: 7,
      },
    ]);
  });

  it('never points into installed libraries or outside the repository', () => {
    const details = 'tests/x.py:3: \n/repo/.venv/lib/python3.11/site-packages/flask/app.py:90: \n/usr/lib/python3.11/json.py:5: ValueError';
    expect(buildAnnotations([failed('t', details, { classname: 'other' })], paths)[0]).toMatchObject({ path: 'app/tests/x.py', line: 3 });
    expect(
      buildAnnotations([failed('t', '/usr/lib/python3.11/json.py:5: ValueError', { classname: 'other' })], paths)[0]!.path,
    ).toBeUndefined();
  });

  it('places a failure without a location by its classname, when that file exists', () => {
    const [annotation] = buildAnnotations([failed('t', undefined, { classname: 'tests.test_x.TestY', message: 'boom' })], {
      ...paths,
      exists: (p) => p === 'app/tests/test_x.py',
    });
    expect(annotation).toEqual({ title: 'tests.test_x.TestY.t failed', message: 'boom', path: 'app/tests/test_x.py' });
  });
});

describe('headline', () => {
  it('uses the message, else the last E line, else the last line', () => {
    expect(headline(failed('t', 'x', { message: ' m ' }))).toBe('m');
    expect(headline(failed('t', '>  assert a\nE   assert 1 == 2\nE    + where\n\nt.py:3: AssertionError'))).toBe('+ where');
    expect(headline(failed('t', 'line one\nlast line'))).toBe('last line');
    expect(headline(failed('t'))).toBe('Failed without a message');
  });
});

describe('toWorkspacePath', () => {
  it('makes report paths repository-relative with forward slashes', () => {
    expect(toWorkspacePath('tests/a.py', paths)).toBe('app/tests/a.py');
    expect(toWorkspacePath('/repo/lib/b.py', paths)).toBe('lib/b.py');
    expect(toWorkspacePath('../../etc/c.py', paths)).toBeUndefined();
  });
});

describe('chunk', () => {
  it('splits into runs of at most the size', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 50)).toEqual([]);
    expect(chunk(many(120), 50).map((c) => c.length)).toEqual([50, 50, 20]);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});

describe('planAnnotations', () => {
  it('caps workflow commands at 10 errors per step, less the step failure message', () => {
    const plan = planAnnotations(many(23), 'workflow-commands', 50, 1);
    expect(plan.shown).toHaveLength(9);
    expect(plan.cut).toEqual({
      count: 14,
      reason: "GitHub shows at most 10 error annotations per step and the step's own failure message takes 1",
    });
    expect(describeCut(plan, 23)).toBe(
      "Annotated 9 of 23 failing tests: GitHub shows at most 10 error annotations per step and the step's own failure message takes 1. Every failure is listed in the job summary and the log.",
    );
  });

  it('applies the input limit to check runs, which GitHub does not cap', () => {
    expect(planAnnotations(many(120), 'check-run', 200)).toEqual({ shown: many(120) });
    const plan = planAnnotations(many(120), 'check-run', 100);
    expect(plan.shown).toHaveLength(100);
    expect(plan.cut).toEqual({ count: 20, reason: 'the annotations-limit input is 100' });
    expect(planAnnotations(many(5), 'workflow-commands', 3).cut?.reason).toBe('the annotations-limit input is 3');
  });
});

describe('commandMessage', () => {
  it('adds the start of the traceback and clips it', () => {
    expect(commandMessage({ title: 't', message: 'm' })).toBe('m');
    const long = commandMessage({ title: 't', message: 'm', details: 'x'.repeat(10_000) });
    expect(long.length).toBeLessThan(4_100);
    expect(long.endsWith('…')).toBe(true);
  });
});
