import { describe, expect, it } from 'vitest';
import { classnameNamesFile, filesForClassname, locateFailure } from './locate';
import { tracebackFrames } from './traceback';
import type { TestCase } from './junit';

const base: TestCase = { suite: [], classname: 'tests.test_calculator', name: 'test_x', status: 'failed', time: 0 };

// pytest's long format when the test calls into calculator.py, which raises.
const CHAINED = `def test_mean_of_nothing_crashes():
>       mean([])
        ^^^^^^^^

tests/test_calculator.py:33: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

values = []

    def mean(values):
>       return sum(values) / len(values)
E       ZeroDivisionError: division by zero

calculator.py:15: ZeroDivisionError`;

describe('tracebackFrames', () => {
  it('reads pytest frames and Python native frames in order', () => {
    expect(tracebackFrames(CHAINED)).toEqual([
      { file: 'tests/test_calculator.py', line: 33 },
      { file: 'calculator.py', line: 15 },
    ]);
    const native = 'Traceback (most recent call last):\n  File "/repo/tests/test_a.py", line 8, in test_a\n    assert x\nAssertionError';
    expect(tracebackFrames(native)).toEqual([{ file: '/repo/tests/test_a.py', line: 8 }]);
  });

  it('ignores source lines and messages that only look similar', () => {
    expect(tracebackFrames('E       assert "a.py:3: x" == y\n>       call()\n    url = "http://h:80/"')).toEqual([]);
  });
});

describe('locateFailure', () => {
  it('prefers the innermost frame in the test file over the frame that raised', () => {
    expect(locateFailure({ ...base, details: CHAINED })).toEqual({ file: 'tests/test_calculator.py', line: 33 });
  });

  it('uses the innermost frame when the test file is not in the traceback (a conftest fixture raised)', () => {
    const testCase = {
      ...base,
      classname: 'tests.test_other',
      status: 'error' as const,
      details: 'raise X\n\ntests/conftest.py:7: ConnectionError',
    };
    expect(locateFailure(testCase)).toEqual({ file: 'tests/conftest.py', line: 7 });
  });

  it('matches the test file by the file attribute, absolute or relative', () => {
    const testCase = {
      ...base,
      file: 'tests/test_calculator.py',
      details: '/work/repo/tests/test_calculator.py:20: AssertionError\n/work/repo/lib.py:3: X',
    };
    expect(locateFailure(testCase)).toEqual({ file: '/work/repo/tests/test_calculator.py', line: 20 });
  });

  it('falls back to the file and line attributes, then to nothing', () => {
    expect(locateFailure({ ...base, file: 'tests/test_a.py', line: 6 })).toEqual({ file: 'tests/test_a.py', line: 6 });
    expect(locateFailure({ ...base, file: 'tests/test_a.py' })).toEqual({ file: 'tests/test_a.py' });
    expect(locateFailure(base)).toBeUndefined();
  });

  it('skips frames the caller cannot annotate', () => {
    const details = 'tests/test_calculator.py:9: \n/usr/lib/python3/site-packages/lib.py:80: ValueError';
    expect(locateFailure({ ...base, classname: 'x.y', details }, (file) => !file.includes('site-packages'))).toEqual({
      file: 'tests/test_calculator.py',
      line: 9,
    });
  });
});

describe('classname to file', () => {
  it('matches module paths, with or without classes and directories', () => {
    expect(classnameNamesFile('tests.test_calc.TestMean', 'tests/test_calc.py')).toBe(true);
    expect(classnameNamesFile('tests.test_calc', '/abs/repo/tests/test_calc.py')).toBe(true);
    expect(classnameNamesFile('tests.test_calc', 'tests/conftest.py')).toBe(false);
    expect(classnameNamesFile('', 'a.py')).toBe(false);
  });

  it('lists candidate files, most specific first', () => {
    expect(filesForClassname('tests.test_calc.TestMean')).toEqual(['tests/test_calc/TestMean.py', 'tests/test_calc.py', 'tests.py']);
  });
});
