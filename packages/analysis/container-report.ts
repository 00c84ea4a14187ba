import { describeTermination, type ContainerSignal } from './kube-signals';

/**
 * The message for a failing container: where it is, what state it is in,
 * what ended it last, and the tail of its log (the engine fetches it from
 * pods/log with tailLines, previous=true for a restarted container). The log
 * is the one part we do not write ourselves, so it is cleaned and masked here:
 * secrets the run knows are replaced, terminal escapes and control characters
 * dropped, and it is cut to a bounded size with a note, never silently.
 */

export const LOG_TAIL_LINES = 20;
const MAX_LINE = 300;

export interface LogOptions {
  /** Values to mask, e.g. every secret input of the run. */
  secrets?: readonly string[];
  lines?: number;
}

export function containerFailureMessage(signal: ContainerSignal, log?: string, options: LogOptions = {}): string {
  const where = `${signal.pod}/${signal.container}${signal.kind === 'app' ? '' : ` (${signal.kind} container)`}`;
  const state = [
    signal.waitingReason ?? (signal.state === 'running' ? 'running' : signal.state),
    signal.termination ? `last ${describeTermination(signal.termination)}` : undefined,
    signal.restarts ? `${signal.restarts} restart${signal.restarts === 1 ? '' : 's'}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const tail = log === undefined ? undefined : logTail(log, options);
  return `${where}: ${state}${tail === undefined ? '' : tail === '' ? '; its log is empty' : `; last log lines:\n${tail}`}`;
}

/** The last lines of a log, masked, without escapes, each line and the whole bounded. */
export function logTail(log: string, options: LogOptions = {}): string {
  const wanted = options.lines ?? LOG_TAIL_LINES;
  // Longest first, so a secret that contains another is masked whole.
  const secrets = [...new Set(options.secrets ?? [])].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  let text = log;
  for (const secret of secrets) text = text.split(secret).join('***');
  const lines = text
    // CSI and OSC terminal sequences, then any other control character but the tab: matching control characters is the point.
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '')
    .split('\n');
  while (lines.length && lines.at(-1)!.trim() === '') lines.pop();
  const kept = lines
    .slice(-wanted)
    .map((line) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}… (${line.length - MAX_LINE} more characters)` : line));
  const dropped = lines.length - kept.length;
  return (dropped > 0 ? [`(${dropped} earlier line${dropped === 1 ? '' : 's'} not shown)`, ...kept] : kept).join('\n');
}
