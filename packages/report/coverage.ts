import { parseAttributes, scanXml, XmlSyntaxError } from './xml';

export interface CoverageSummary {
  /** Line coverage in percent, 0–100. */
  percent: number;
  linesCovered?: number;
  linesValid?: number;
  /** Branch coverage in percent, when the report measured branches. */
  branchPercent?: number;
}

export class CoverageFormatError extends Error {
  override readonly name = 'CoverageFormatError';
}

/**
 * Reads the totals of a Cobertura report (coverage.py's `coverage xml`,
 * pytest-cov's `--cov-report=xml`, and most other tools' Cobertura output).
 * Counts are preferred to `line-rate`, which writers round to four places.
 */
export function parseCobertura(xml: string): CoverageSummary {
  let root: { name: string; attributes: string } | undefined;
  try {
    // Only the root's totals matter, but the whole document is checked, so a cut-off report is an error.
    scanXml(xml, { open: (name, attributes) => void (root ??= { name, attributes }), close: () => undefined });
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw new CoverageFormatError(`not well-formed XML: ${error.message}`);
    throw error;
  }
  if (root?.name !== 'coverage') throw new CoverageFormatError('no <coverage> element at the top: not a Cobertura report');
  const attributes: Record<string, string | undefined> = parseAttributes(root.attributes);

  const linesCovered = count(attributes['lines-covered']);
  const linesValid = count(attributes['lines-valid']);
  const lineRate = rate(attributes['line-rate']);
  let percent: number;
  if (linesCovered !== undefined && linesValid !== undefined) {
    // coverage.py writes line-rate="1" for a project with no measured lines; so do we.
    percent = linesValid === 0 ? 100 : (linesCovered / linesValid) * 100;
  } else if (lineRate !== undefined) {
    percent = lineRate * 100;
  } else {
    throw new CoverageFormatError('the <coverage> element has neither lines-covered/lines-valid nor line-rate');
  }

  const summary: CoverageSummary = { percent };
  if (linesCovered !== undefined) summary.linesCovered = linesCovered;
  if (linesValid !== undefined) summary.linesValid = linesValid;
  const branchesValid = count(attributes['branches-valid']);
  const branchesCovered = count(attributes['branches-covered']);
  if (branchesValid !== undefined && branchesCovered !== undefined && branchesValid > 0) {
    summary.branchPercent = (branchesCovered / branchesValid) * 100;
  } else if (branchesValid === undefined && rate(attributes['branch-rate']) !== undefined) {
    summary.branchPercent = rate(attributes['branch-rate'])! * 100;
  }
  return summary;
}

/** Percent for outputs and messages: two decimals, trailing zeros dropped ("87.5", "100"). */
export function formatPercent(percent: number): string {
  return String(Math.round(percent * 100) / 100);
}

function count(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw);
}

function rate(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return raw.trim() !== '' && Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
}
