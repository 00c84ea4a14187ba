import { describe, expect, it } from 'vitest';
import { JunitFormatError, mergeReports, parseJunit } from './junit';

// Shape of pytest 9's default (xunit2) report: no file/line attributes, numeric references in messages.
const PYTEST_XUNIT2 = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4" time="0.5">
<testcase classname="tests.test_calc" name="test_add" time="0.003" />
<testcase classname="tests.test_calc.TestMean" name="test_mean" time="0.250"><failure message="assert 2.0 == 3&#10; +  where 2.0 = mean([1, 2, 3])">self = &lt;test_calc.TestMean object&gt;

&gt;       assert mean([1, 2, 3]) == expected
E       assert 2.0 == 3

tests/test_calc.py:29: AssertionError</failure></testcase>
<testcase classname="tests.test_calc" name="test_skip" time="0.001"><skipped type="pytest.skip" message="not ready">/abs/tests/test_calc.py:6: not ready</skipped></testcase>
<testcase classname="tests.test_calc" name="test_db" time="0.002"><error message="failed on setup with &quot;ConnectionError: down&quot;">tests/conftest.py:7: ConnectionError</error></testcase>
</testsuite></testsuites>`;

describe('parseJunit', () => {
  it('reads pytest xunit2 cases, statuses, messages and times', () => {
    const report = parseJunit(PYTEST_XUNIT2);
    expect(report.totals).toEqual({ total: 4, passed: 1, failed: 1, skipped: 1, errors: 1, time: expect.closeTo(0.256, 6) });
    const [passed, failed, skipped, errored] = report.cases;
    expect(passed).toMatchObject({
      suite: ['pytest tests', 'pytest'],
      classname: 'tests.test_calc',
      name: 'test_add',
      status: 'passed',
      time: 0.003,
    });
    expect(failed).toMatchObject({
      classname: 'tests.test_calc.TestMean',
      status: 'failed',
      message: 'assert 2.0 == 3\n +  where 2.0 = mean([1, 2, 3])',
    });
    expect(failed!.details).toContain('>       assert mean([1, 2, 3]) == expected');
    expect(failed!.details!.endsWith('tests/test_calc.py:29: AssertionError')).toBe(true);
    expect(skipped).toMatchObject({ status: 'skipped', type: 'pytest.skip', message: 'not ready' });
    expect(errored).toMatchObject({ status: 'error', message: 'failed on setup with "ConnectionError: down"' });
    expect(failed!.file).toBeUndefined();
  });

  it('converts pytest xunit1 0-based line attributes to 1-based lines', () => {
    const xml = `<testsuites name="pytest tests"><testsuite name="pytest"><testcase classname="tests.test_a" name="test_x" file="tests/test_a.py" line="5" time="0.1"/></testsuite></testsuites>`;
    expect(parseJunit(xml).cases[0]).toMatchObject({ file: 'tests/test_a.py', line: 6 });
    expect(parseJunit(xml, { zeroBasedLines: false }).cases[0]!.line).toBe(5);
  });

  it('keeps 1-based lines of other writers and inherits a suite file', () => {
    const xml = `<testsuite name="jest" file="src/a.test.ts"><testcase classname="a" name="works" line="12"/></testsuite>`;
    expect(parseJunit(xml).cases[0]).toMatchObject({ file: 'src/a.test.ts', line: 12, suite: ['jest'] });
  });

  it('walks nested testsuites to any depth and a bare <testsuite> root', () => {
    const xml = `<testsuites><testsuite name="outer"><testsuite name="inner"><testsuite name="deepest">
      <testcase name="a"/><testcase name="b"><skipped/></testcase></testsuite></testsuite>
      <testcase name="c"><failure>boom</failure></testcase></testsuite><testsuite name="second"><testcase name="d"><error type="Timeout"/></testcase></testsuite></testsuites>`;
    const report = parseJunit(xml);
    // Document order, as the runner wrote them.
    expect(report.cases.map((c) => [c.name, c.status, c.suite.join('/')])).toEqual([
      ['a', 'passed', 'outer/inner/deepest'],
      ['b', 'skipped', 'outer/inner/deepest'],
      ['c', 'failed', 'outer'],
      ['d', 'error', 'second'],
    ]);
    expect(report.cases[2]!.details).toBe('boom');
    expect(report.cases[3]!.type).toBe('Timeout');
  });

  it('counts a failed test whose teardown also errored once, as failed', () => {
    const xml = `<testsuite><testcase name="t"><failure message="f">x</failure><error message="teardown">y</error></testcase></testsuite>`;
    expect(parseJunit(xml).totals).toMatchObject({ total: 1, failed: 1, errors: 0 });
  });

  it('keeps names and messages as text, decodes entities and CDATA, ignores system-out', () => {
    const xml = `<testsuite><testcase classname="v1.10" name="007 &amp; &lt;b&gt;" time="1,234.5"><failure message="&#233;t&#xE9;"><![CDATA[a < b && c]]></failure><system-out><![CDATA[<not xml]]></system-out></testcase></testsuite>`;
    expect(parseJunit(xml).cases[0]).toMatchObject({
      classname: 'v1.10',
      name: '007 & <b>',
      time: 1234.5,
      message: 'été',
      details: 'a < b && c',
    });
  });

  it('reads CRLF line ends as LF, so tracebacks from Windows still yield frames', () => {
    const xml =
      '<testsuite><testcase name="w"><failure message="m">&gt; assert x\r\nE   assert 0\r\n\r\ntests\\test_w.py:4: AssertionError&#13;</failure></testcase></testsuite>';
    expect(parseJunit(xml).cases[0]!.details).toBe('> assert x\nE   assert 0\n\ntests\\test_w.py:4: AssertionError');
  });

  it('handles an empty report and merges several', () => {
    const empty = parseJunit('<testsuites/>');
    expect(empty.totals.total).toBe(0);
    const merged = mergeReports([parseJunit(PYTEST_XUNIT2), parseJunit('<testsuite><testcase name="x"/></testsuite>')]);
    expect(merged.totals).toMatchObject({ total: 5, passed: 2 });
  });

  it('rejects what is not a JUnit report, and a report cut off mid-write', () => {
    expect(() => parseJunit('<html><body/></html>')).toThrow(JunitFormatError);
    expect(() => parseJunit('<testsuite><testcase name="x"></testsuite>')).toThrow(
      'not well-formed XML: </testsuite> closes <testcase> (line 1)',
    );
    expect(() => parseJunit('<testsuites><testsuite><testcase name="x"/>')).toThrow('the document ends inside <testsuite>: it was cut off');
    expect(() => parseJunit('')).toThrow('no root element');
    expect(() => parseJunit('<testsuite><testcase name="a &bogus;"/></testsuite>')).toThrow('unknown entity &bogus;');
  });

  it('skips comments, processing instructions and a DOCTYPE', () => {
    const xml =
      '\uFEFF<?xml version="1.0"?>\n<!DOCTYPE testsuite>\n<!-- generated --><testsuite><!-- c --><testcase name=\'single\' classname = "k"/></testsuite>\n';
    expect(parseJunit(xml).cases[0]).toMatchObject({ name: 'single', classname: 'k' });
  });
});

describe('parseJunit on deep nesting', () => {
  const nested = (depth: number, name = (level: number) => `s${level}`) =>
    `${Array.from({ length: depth }, (_, level) => `<testsuite name="${name(level)}">`).join('\n')}` +
    `<testcase classname="c" name="deepest"/>${'</testsuite>'.repeat(depth)}`;

  it('reads suites nested as deep as the cap (255 suites and the case make 256 levels), with the whole chain of names', () => {
    const [deepest] = parseJunit(nested(255)).cases;
    expect(deepest!.suite).toHaveLength(255);
    expect(deepest!.suite.slice(0, 2)).toEqual(['s0', 's1']);
    expect(deepest!.suite.at(-1)).toBe('s254');
  });

  it('refuses deeper nesting with a message that says why and where, instead of running out of memory', () => {
    expect(() => parseJunit(nested(18_000))).toThrow(JunitFormatError);
    expect(() => parseJunit(nested(257))).toThrow(
      'its elements nest more than 256 levels deep (line 257); test suites nest a few levels, so this file was not written by a test runner as it stands, and is not read',
    );
  });

  it('shares one chain among the cases of a suite, and skips unnamed suites in it', () => {
    const report = parseJunit(
      '<testsuites><testsuite name="outer"><testsuite><testsuite name="inner"><testcase name="a"/><testcase name="b"/></testsuite></testsuite><testcase name="c"/></testsuite></testsuites>',
    );
    const [a, b, c] = report.cases;
    expect(a!.suite).toEqual(['outer', 'inner']);
    expect(b!.suite).toBe(a!.suite);
    expect(c!.suite).toEqual(['outer']);
  });
});
