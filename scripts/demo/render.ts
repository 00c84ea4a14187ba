/**
 * How the demo shows what the pipeline did, as plain terminal text: a job summary (GitHub-flavoured markdown with
 * a little HTML) made readable, a table with aligned columns, a duration, and which act log lines are progress.
 */

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&nbsp;': ' ' };

/**
 * A job summary as plain text: HTML tags dropped (a <br> or block end becomes a line break), entities decoded,
 * headings, emphasis and code marks removed, tables kept with their pipes but without the |---| rule, blank
 * runs folded to one blank line.
 */
export function plainSummary(markdown: string): string {
  const text = markdown
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|details|summary|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (entity) => ENTITIES[entity]!);
  const lines = text.split('\n').flatMap((line) => {
    if (/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line)) return [];
    const plain = line
      .replace(/^#{1,6}\s+/, '')
      .replace(/\*\*([^*]+)\*\*/g, '$1')
      .replace(/__([^_]+)__/g, '$1')
      .replace(/`([^`]+)`/g, '$1')
      .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)')
      .replace(/\s+$/, '');
    return [plain];
  });
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Rows under a header, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** 83400 ms → "1m 23s"; under a minute, "9.4s". */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * Whether an act log line (as scripts/act/act-log.ts keeps it, "[job] message") is progress worth a line in
 * the demo: a step's result, a job's result, or an error annotation. Everything else (pip, docker build, the
 * release's own log) stays in the run's log.
 */
export function isProgress(line: string): boolean {
  return /(✅ {2}Success - |❌ {2}Failure - |🏁 {2}Job |::error)/.test(line);
}
