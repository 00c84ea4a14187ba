import type { TestCase } from './junit';
import { tracebackFrames, type Frame } from './traceback';

export interface SourceLocation {
  /** As the report or traceback wrote it: relative to where the tests ran, or absolute. */
  file: string;
  line?: number;
}

/**
 * Where a failed or erroring test should be annotated:
 * 1. the innermost traceback frame in the test's own file: the line of the failing assert or call;
 * 2. else the innermost frame of all: where it broke, e.g. a conftest fixture that raised;
 * 3. else the report's file and line attributes (the test's definition);
 * 4. else only the file, when the report names one.
 * `accept` filters out files that cannot be annotated, such as installed libraries.
 */
export function locateFailure(testCase: TestCase, accept: (file: string) => boolean = () => true): SourceLocation | undefined {
  const frames = tracebackFrames(testCase.details).filter((frame) => accept(frame.file));
  const own = frames.filter((frame) => isTestFile(frame, testCase));
  const best = own.at(-1) ?? frames.at(-1);
  if (best) return { file: best.file, line: best.line };
  if (testCase.file && accept(testCase.file))
    return testCase.line === undefined ? { file: testCase.file } : { file: testCase.file, line: testCase.line };
  return undefined;
}

function isTestFile(frame: Frame, testCase: TestCase): boolean {
  if (testCase.file) return samePath(frame.file, testCase.file);
  return classnameNamesFile(testCase.classname, frame.file);
}

/** "tests/test_x.py" and "/work/repo/tests/test_x.py" are the same file when one is a path-suffix of the other. */
function samePath(a: string, b: string): boolean {
  const left = normalise(a);
  const right = normalise(b);
  return left === right || left.endsWith(`/${right}`) || right.endsWith(`/${left}`);
}

/**
 * pytest's classname is the module path in dots, then any classes:
 * "tests.test_calc.TestMean" is written by tests/test_calc.py.
 */
export function classnameNamesFile(classname: string, file: string): boolean {
  if (!classname) return false;
  const dotted = normalise(file)
    .replace(/\.[A-Za-z0-9]+$/, '')
    .replace(/\//g, '.');
  const parts = classname.split('.');
  for (let length = parts.length; length > 0; length--) {
    const module = parts.slice(0, length).join('.');
    if (dotted === module || dotted.endsWith(`.${module}`)) return true;
  }
  return false;
}

/**
 * Candidate files for a classname, most specific first, for a caller that can
 * check which exists: "tests.test_calc.TestMean" → tests/test_calc/TestMean.py, tests/test_calc.py, tests.py.
 */
export function filesForClassname(classname: string, extension = '.py'): string[] {
  const parts = classname.split('.').filter(Boolean);
  const candidates: string[] = [];
  for (let length = parts.length; length > 0; length--) candidates.push(`${parts.slice(0, length).join('/')}${extension}`);
  return candidates;
}

function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}
