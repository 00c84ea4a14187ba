import { decodeEntities, parseAttributes, scanXml, XmlDepthError, XmlSyntaxError } from './xml';

export type TestStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface TestCase {
  /** The suite chain from the outermost testsuite down, e.g. ["pytest"]. */
  suite: string[];
  classname: string;
  name: string;
  status: TestStatus;
  /** Seconds, 0 when the report does not say. */
  time: number;
  /** The `file` attribute of the case (or its nearest suite), as the report wrote it. */
  file?: string;
  /** 1-based line from the `line` attribute, already converted when the writer counts from 0 (pytest). */
  line?: number;
  /** The failure, error or skip message attribute. */
  message?: string;
  /** The exception type, e.g. "AssertionError" or "pytest.skip". */
  type?: string;
  /** The element's text: a traceback for failures and errors. */
  details?: string;
}

export interface TestTotals {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
  /** Sum of the case times, in seconds. */
  time: number;
}

export interface JunitReport {
  cases: TestCase[];
  totals: TestTotals;
}

export interface JunitParseOptions {
  /**
   * Whether `line` attributes count from 0. pytest's xunit1 family writes the
   * 0-based line of the test's `def`; other writers count from 1. Left unset,
   * it is detected from pytest's suite names.
   */
  zeroBasedLines?: boolean;
}

/** Thrown for text that is not a JUnit report, so the caller can name the file. */
export class JunitFormatError extends Error {
  override readonly name = 'JunitFormatError';
}

const ROOTS = new Set(['testsuites', 'testsuite']);
const OUTCOMES = new Set(['failure', 'error', 'skipped']);

interface Outcome {
  message?: string;
  type?: string;
  text: string[];
}

/**
 * An open <testsuite>: its name and a link to its parent, so nesting costs one node per level.
 * The chain of names is built only when a case needs it, once per suite.
 */
interface Suite {
  name?: string;
  parent?: Suite;
  file?: string;
  chain?: string[];
}

/** Names from the outermost suite down to this one; unnamed suites add nothing. Shared by the suite's cases. */
function chainOf(suite: Suite | undefined): string[] {
  if (!suite) return [];
  if (!suite.chain) {
    const parent = chainOf(suite.parent);
    suite.chain = suite.name === undefined ? parent : [...parent, suite.name];
  }
  return suite.chain;
}

interface OpenCase {
  testCase: TestCase;
  rawLine?: string;
  outcomes: Partial<Record<'failure' | 'error' | 'skipped', Outcome>>;
}

export function parseJunit(xml: string, options: JunitParseOptions = {}): JunitReport {
  const suites: Suite[] = [];
  const cases: TestCase[] = [];
  const rawLines: (string | undefined)[] = [];
  let root: string | undefined;
  let pytestSeen = false;
  let current: OpenCase | undefined;
  // Elements open inside the current <testcase>; outcomes count only as its direct children.
  let caseDepth = 0;
  let capturing: Outcome | undefined;

  try {
    scanXml(xml, {
      open(name, rawAttributes) {
        root ??= name;
        if (!ROOTS.has(root)) throw new JunitFormatError(`the root element is <${root}>, not <testsuites> or <testsuite>`);
        if (current) {
          caseDepth++;
          if (caseDepth === 1 && OUTCOMES.has(name)) {
            const key = name as keyof OpenCase['outcomes'];
            const attributes = parseAttributes(rawAttributes);
            const outcome: Outcome = { text: [] };
            if (attributes['message'] !== undefined) outcome.message = attributes['message'];
            if (attributes['type'] !== undefined) outcome.type = attributes['type'];
            current.outcomes[key] ??= outcome;
            capturing = current.outcomes[key] === outcome ? outcome : undefined;
          }
          return;
        }
        if (name === 'testsuite' || name === 'testsuites') {
          const attributes = parseAttributes(rawAttributes);
          const suiteName = attributes['name'];
          // pytest names its root "pytest tests" and its suite "pytest" unless junit_suite_name is set.
          if (suiteName === 'pytest tests' || suiteName === 'pytest') pytestSeen = true;
          const parent = suites.at(-1);
          const file = attributes['file'] ?? attributes['filepath'] ?? parent?.file;
          suites.push({
            ...(suiteName !== undefined ? { name: suiteName } : {}),
            ...(parent ? { parent } : {}),
            ...(file !== undefined ? { file } : {}),
          });
        } else if (name === 'testcase') {
          current = openCase(parseAttributes(rawAttributes), suites);
          caseDepth = 0;
        }
      },
      close(name) {
        if (current) {
          if (caseDepth > 0) {
            if (caseDepth === 1) capturing = undefined;
            caseDepth--;
            return;
          }
          cases.push(closeCase(current));
          rawLines.push(current.rawLine);
          current = undefined;
          return;
        }
        if (name === 'testsuite' || name === 'testsuites') suites.pop();
      },
      text(source, start, end, cdata) {
        if (!capturing) return;
        const sliced = source.slice(start, end);
        // XML reads CRLF and CR line ends as LF (a report written on Windows); &#13; stays a CR.
        const raw = sliced.includes('\r') ? sliced.replace(/\r\n?/g, '\n') : sliced;
        capturing.text.push(cdata ? raw : decodeEntities(raw));
      },
    });
  } catch (error) {
    if (error instanceof XmlDepthError) {
      throw new JunitFormatError(
        `its elements nest more than ${error.maxDepth} levels deep (line ${error.line}); test suites nest a few levels, so this file was not written by a test runner as it stands, and is not read`,
      );
    }
    if (error instanceof XmlSyntaxError) throw new JunitFormatError(`not well-formed XML: ${error.message}`);
    throw error;
  }

  const zeroBased = options.zeroBasedLines ?? pytestSeen;
  cases.forEach((testCase, index) => {
    const line = lineNumber(rawLines[index], zeroBased);
    if (line !== undefined) testCase.line = line;
  });
  return { cases, totals: countTotals(cases) };
}

function openCase(attributes: Record<string, string>, suites: Suite[]): OpenCase {
  const testCase: TestCase = {
    // Shared by every case of the suite: a 10,000-case report needs no 10,000 copies.
    suite: chainOf(suites.at(-1)),
    classname: attributes['classname'] ?? attributes['class'] ?? '',
    name: attributes['name'] ?? '(unnamed)',
    status: 'passed',
    time: seconds(attributes['time']),
  };
  const file = attributes['file'] ?? attributes['filepath'] ?? suites.at(-1)?.file;
  if (file) testCase.file = file;
  const open: OpenCase = { testCase, outcomes: {} };
  if (attributes['line'] !== undefined) open.rawLine = attributes['line'];
  return open;
}

function closeCase({ testCase, outcomes }: OpenCase): TestCase {
  // A failure outranks an error on the same case: pytest adds an <error> for a teardown that broke after the test failed.
  const [status, outcome]: [TestStatus, Outcome | undefined] = outcomes.failure
    ? ['failed', outcomes.failure]
    : outcomes.error
      ? ['error', outcomes.error]
      : outcomes.skipped
        ? ['skipped', outcomes.skipped]
        : ['passed', undefined];
  testCase.status = status;
  if (outcome) {
    if (outcome.message !== undefined) testCase.message = outcome.message;
    if (outcome.type !== undefined) testCase.type = outcome.type;
    const details = outcome.text.join('').trim();
    if (details) testCase.details = details;
  }
  return testCase;
}

function countTotals(cases: TestCase[]): TestTotals {
  const totals: TestTotals = { total: cases.length, passed: 0, failed: 0, skipped: 0, errors: 0, time: 0 };
  for (const testCase of cases) {
    totals.time += testCase.time;
    if (testCase.status === 'passed') totals.passed++;
    else if (testCase.status === 'failed') totals.failed++;
    else if (testCase.status === 'skipped') totals.skipped++;
    else totals.errors++;
  }
  return totals;
}

/** Adds up several reports (a glob can match one file per package or shard). */
export function mergeReports(reports: JunitReport[]): JunitReport {
  const cases = reports.flatMap((report) => report.cases);
  return { cases, totals: countTotals(cases) };
}

function seconds(raw: string | undefined): number {
  if (raw === undefined) return 0;
  // Some writers format times with thousands separators: "1,234.5".
  const value = Number(raw.includes(',') ? raw.replace(/,/g, '') : raw);
  return Number.isFinite(value) && value >= 0 ? value : 0;
}

function lineNumber(raw: string | undefined, zeroBased: boolean): number | undefined {
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  const value = Number(raw) + (zeroBased ? 1 : 0);
  return value >= 1 ? value : undefined;
}
