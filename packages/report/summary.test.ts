import { describe, expect, it } from 'vitest';
import { SummaryWriter } from '../core/summary';
import { buildAnnotations } from './annotations';
import { parseJunit } from './junit';
import { writeTestSummary } from './summary';

const xml = `<testsuite name="pytest">
<testcase classname="tests.test_a" name="test_slow" time="2.5"/>
<testcase classname="tests.test_a" name="test_fast" time="0.01"/>
<testcase classname="tests.test_a" name="test_skip" time="0"><skipped message="later"/></testcase>
<testcase classname="tests.test_a" name="test_bad" time="0.2"><failure message="assert 1 == 2">&gt; assert 1 == 2
E   assert 1 == 2

tests/test_a.py:9: AssertionError</failure></testcase>
<testcase classname="tests.test_a" name="test_fixture" time="0.1"><error message="failed on setup with &quot;KeyError: x&quot;">tests/conftest.py:4: KeyError</error></testcase>
</testsuite>`;

function render(notices: string[] = [], coverage?: { percent: number; threshold?: number }) {
  const report = parseJunit(xml);
  const annotations = buildAnnotations(report.cases, { workspace: '/repo', workingDirectory: '/repo' });
  return writeTestSummary(new SummaryWriter(), {
    title: 'Test results',
    report,
    annotations,
    notices,
    ...(coverage ? { coverage } : {}),
  }).render();
}

describe('writeTestSummary', () => {
  it('shows counts, coverage, notices, slowest tests and each failure with its location and traceback', () => {
    const markdown = render(['Annotated 9 of 23 failing tests.'], { percent: 72.345, threshold: 80 });
    expect(markdown).toContain('## Test results: 1 failed, 1 errored of 5');
    expect(markdown).toContain('| 5 | 2 | 1 | 1 | 1 | 2.8s |');
    expect(markdown).toContain('**Coverage:** 72.35% ❌ below the threshold of 80%');
    expect(markdown).toContain('> [!NOTE]\n> Annotated 9 of 23 failing tests.');
    expect(markdown).toContain('### Slowest 4 tests');
    expect(markdown.indexOf('tests.test_a.test_slow')).toBeLessThan(markdown.indexOf('tests.test_a.test_bad'));
    expect(markdown).not.toMatch(/\| tests\.test_a\.test_skip \|/);
    expect(markdown).toContain('### Failures (2)');
    expect(markdown).toContain('<summary>❌ tests.test_a.test_bad: assert 1 == 2</summary>');
    expect(markdown).toContain('<summary>💥 tests.test_a.test_fixture: failed on setup with "KeyError: x"</summary>');
    expect(markdown).toContain('`tests/test_a.py:9`');
    expect(markdown).toContain('```text\n> assert 1 == 2\nE   assert 1 == 2');
  });

  it('says all passed when nothing failed, and a met threshold', () => {
    const report = parseJunit('<testsuite><testcase name="a" time="1"/><testcase name="b"><skipped/></testcase></testsuite>');
    const markdown = writeTestSummary(new SummaryWriter(), {
      title: 'T',
      report,
      annotations: [],
      notices: [],
      coverage: { percent: 91, linesCovered: 91, linesValid: 100, threshold: 90 },
    }).render();
    expect(markdown).toContain('## T: all 1 passed, 1 skipped');
    expect(markdown).toContain('**Coverage:** 91% (91 of 100 lines) ✅ meets the threshold of 90%');
    expect(markdown).not.toContain('Failures');
  });

  it('fences tracebacks that contain backticks with a longer fence', () => {
    const report = parseJunit('<testsuite><testcase name="a"><failure message="m">```code```</failure></testcase></testsuite>');
    const markdown = writeTestSummary(new SummaryWriter(), { title: 'T', report, annotations: [], notices: [] }).render();
    expect(markdown).toContain('````text\n```code```\n````');
  });

  it('stays under the summary cap when thousands of tests fail', () => {
    const cases = Array.from(
      { length: 3000 },
      (_, i) => `<testcase name="t${i}"><failure message="m">${'x'.repeat(2000)}</failure></testcase>`,
    ).join('');
    const report = parseJunit(`<testsuite>${cases}</testsuite>`);
    const writer = writeTestSummary(new SummaryWriter(), { title: 'T', report, annotations: [], notices: [] });
    expect(Buffer.byteLength(writer.render())).toBeLessThanOrEqual(1024 * 1024);
    expect(writer.truncatedSections).toBeGreaterThan(0);
    expect(writer.render()).toContain('more section(s) were left out');
  });
});
