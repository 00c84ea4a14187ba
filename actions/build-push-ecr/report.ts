import { formatDuration } from '../../packages/core/inputs';
import { timedGroup } from '../../packages/core/log';
import { SummaryWriter } from '../../packages/core/summary';

/** Runs each phase in a collapsible log group and remembers how long it took, for the job summary. */
export class Phases {
  readonly timings: Array<[string, number]> = [];

  run<T>(title: string, work: () => Promise<T>): Promise<T> {
    return timedGroup(title, work, (elapsed) => this.timings.push([title, elapsed]));
  }
}

export interface BuildReport {
  image: string;
  builder: string;
  dockerfile: string;
  outcome: 'pushed' | 'built' | 'failed';
  digest?: string;
  tags: string[];
  droppedTags: string[];
  sizeBytes?: number;
  repositoryCreated: boolean;
  scan?: string;
}

export async function writeSummary(report: BuildReport, phases: Phases): Promise<void> {
  const summary = new SummaryWriter();
  const headings = {
    pushed: `Pushed ${report.image}`,
    built: `Built ${report.image} (not pushed)`,
    failed: `Failed to build and push ${report.image}`,
  };
  summary.heading(headings[report.outcome]);
  const rows: string[][] = [
    ['Image', `\`${report.image}\``],
    ['Digest', report.digest ? `\`${report.digest}\`` : '—'],
    ['Tags', report.tags.map((tag) => `\`${tag}\``).join(' ')],
    ['Size', report.sizeBytes === undefined ? 'unknown' : formatBytes(report.sizeBytes)],
    ['Builder', report.builder],
    ['Dockerfile', `\`${report.dockerfile}\``],
  ];
  if (report.repositoryCreated) rows.push(['Repository', 'created by this run']);
  if (report.droppedTags.length > 0)
    rows.push(['Not pushed', `${report.droppedTags.join(', ')} (moving tags; the repository's tags are immutable)`]);
  if (report.scan) rows.push(['Scan', report.scan]);
  summary.table(['', ''], rows);
  summary.table(
    ['Phase', 'Time'],
    phases.timings.map(([title, ms]) => [title, formatDuration(ms)]),
  );
  await summary.write();
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
