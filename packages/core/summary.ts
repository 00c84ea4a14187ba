import * as core from '@actions/core';

/** GitHub rejects a step summary over 1 MiB; keep a margin for the truncation notice. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;
const NOTICE_RESERVE = 512;

/**
 * Accumulates Markdown and writes it once. Sections past the size limit are
 * dropped whole and replaced by a notice that says how many were cut, so the
 * summary never ends mid-table and never truncates silently.
 */
export class SummaryWriter {
  private readonly sections: string[] = [];
  private bytes = 0;
  private dropped = 0;

  constructor(private readonly limit = SUMMARY_LIMIT_BYTES) {}

  heading(text: string, level = 2): this {
    return this.add(`${'#'.repeat(level)} ${text}\n`);
  }

  paragraph(text: string): this {
    return this.add(`${text}\n`);
  }

  table(header: string[], rows: string[][]): this {
    const line = (cells: string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
    const text = [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
    return this.add(`${text}\n`);
  }

  details(summary: string, body: string): this {
    return this.add(`<details><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>\n`);
  }

  add(markdown: string): this {
    const size = Buffer.byteLength(markdown) + 1;
    if (this.dropped > 0 || this.bytes + size > this.limit - NOTICE_RESERVE) {
      this.dropped += 1;
      return this;
    }
    this.sections.push(markdown);
    this.bytes += size;
    return this;
  }

  get truncatedSections(): number {
    return this.dropped;
  }

  render(): string {
    const parts = [...this.sections];
    if (this.dropped > 0) {
      parts.push(
        `> [!WARNING]\n> ${this.dropped} more section(s) were left out: GitHub caps a job summary at 1 MiB. The full data is in the step log.\n`,
      );
    }
    return parts.join('\n');
  }

  async write(): Promise<void> {
    if (this.dropped > 0) core.warning(`Job summary cut: ${this.dropped} section(s) over GitHub's 1 MiB limit were left out.`);
    if (!process.env.GITHUB_STEP_SUMMARY) {
      core.debug('GITHUB_STEP_SUMMARY is not set; the summary goes to the log only.');
      core.info(this.render());
      return;
    }
    await core.summary.addRaw(this.render(), true).write();
  }
}

export function escapeCell(text: string): string {
  return escapeHtml(text).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
