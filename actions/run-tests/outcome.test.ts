import { describe, expect, it } from 'vitest';
import { parseJunit } from '../../packages/report/junit';
import { decideOutcome } from './outcome';

const report = (cases: string) => parseJunit(`<testsuite>${cases}</testsuite>`);
const pass = (name: string) => `<testcase name="${name}"/>`;
const fail = (name: string) => `<testcase name="${name}"><failure message="m"/></testcase>`;
const error = (name: string) => `<testcase name="${name}"><error message="m"/></testcase>`;

describe('decideOutcome', () => {
  it('passes when every test passed and the command exited 0', () => {
    const { totals, cases } = report(pass('a') + pass('b'));
    expect(decideOutcome({ totals, cases, exitCode: 0 })).toEqual({ testsFailed: false, coverageLow: false });
  });

  it('names the failing tests in one line, at most five', () => {
    const { totals, cases } = report(pass('a') + fail('test_x') + fail('test_y') + error('test_z'));
    expect(decideOutcome({ totals, cases, exitCode: 1 }).failure).toBe('2 of 4 tests failed and 1 errored: test_x, test_y, test_z');
    const many = report(Array.from({ length: 7 }, (_, i) => fail(`t${i}`)).join(''));
    expect(decideOutcome({ ...many, exitCode: 1 }).failure).toBe('7 of 7 tests failed: t0, t1, t2, t3, t4, …');
    const errored = report(error('only'));
    expect(decideOutcome({ ...errored, exitCode: 1 }).failure).toBe('1 of 1 test errored: only');
  });

  it('fails on a non-zero exit with a clean report, and on an empty report', () => {
    expect(decideOutcome({ ...report(pass('a')), exitCode: 2 }).failure).toBe(
      'The test command exited with code 2 although its report shows no failures (1 tests)',
    );
    expect(decideOutcome({ ...report(''), exitCode: 0 }).failure).toBe('No tests ran: the report has no test cases');
  });

  it('applies the coverage threshold to the shown, rounded percent', () => {
    const passing = { ...report(pass('a')), exitCode: 0 };
    expect(decideOutcome({ ...passing, coverage: { percent: 79.996 }, coverageThreshold: 80 }).failure).toBeUndefined();
    expect(decideOutcome({ ...passing, coverage: { percent: 79.9 }, coverageThreshold: 80 })).toEqual({
      failure: 'Coverage 79.9% is below the threshold of 80%',
      testsFailed: false,
      coverageLow: true,
    });
    expect(decideOutcome({ ...passing, coverageThreshold: 80, coverageProblem: 'no coverage report at coverage.xml' }).failure).toBe(
      '"coverage-threshold" is 80% but no coverage report at coverage.xml',
    );
  });
});
