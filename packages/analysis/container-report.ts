import { maskSecretsIn, redactUrlsIn } from '../core/redact';
import { describeTermination, POD_CHECKS, type ContainerSignal } from './kube-signals';
import type { CheckResult } from './types';

/**
 * The message for a failing container: where it is, what state it is in,
 * what ended it last, and the tail of its log (the engine fetches it from
 * pods/log with tailLines, previous=true for a restarted container). The log
 * is the one part we do not write ourselves, so it is cleaned and masked here:
 * secrets the run knows are replaced, terminal escapes and control characters
 * dropped, workflow commands defused, and it is cut to a bounded size with a
 * note, never silently.
 */

export const LOG_TAIL_LINES = 20;
/** What the engine asks pods/log for at most: 20 lines of a sane width fit many times over. */
export const LOG_LIMIT_BYTES = 16 * 1024;
const MAX_LINE = 300;

export interface LogOptions {
  /** Values to mask besides every secret the run registered (core/log.ts maskSecret). */
  secrets?: readonly string[];
  lines?: number;
}

/** A container's log as the engine could read it: the text, or why there is none. */
export type ContainerLog = { log: string } | { unavailable: string };

export function containerFailureMessage(signal: ContainerSignal, log?: string | ContainerLog, options: LogOptions = {}): string {
  const where = `${signal.pod}/${signal.container}${signal.kind === 'app' ? '' : ` (${signal.kind} container)`}`;
  const state = [
    signal.waitingReason ?? (signal.state === 'running' ? 'running' : signal.state),
    signal.termination ? `last ${describeTermination(signal.termination)}` : undefined,
    signal.restarts ? `${signal.restarts} restart${signal.restarts === 1 ? '' : 's'}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const read: ContainerLog | undefined = typeof log === 'string' ? { log } : log;
  if (read && 'unavailable' in read) return `${where}: ${state}; (logs unavailable: ${cleanLine(read.unavailable, options)})`;
  const tail = read === undefined ? undefined : logTail(read.log, options);
  return `${where}: ${state}${tail === undefined ? '' : tail === '' ? '; its log is empty' : `; last log lines:\n${tail}`}`;
}

/** The last lines of a log, masked, without escapes or workflow commands, each line and the whole bounded. */
export function logTail(log: string, options: LogOptions = {}): string {
  const wanted = options.lines ?? LOG_TAIL_LINES;
  // Masked before and after the commands are defused, so no edit can split or join a secret.
  const lines = mask(withoutControls(log), options)
    .split('\n')
    .map((line) => mask(defuse(mask(line, options)), options));
  while (lines.length && lines.at(-1)!.trim() === '') lines.pop();
  const kept = lines.slice(-wanted).map(cut);
  const dropped = lines.length - kept.length;
  return (dropped > 0 ? [`(${dropped} earlier line${dropped === 1 ? '' : 's'} not shown)`, ...kept] : kept).join('\n');
}

/**
 * The failing Kubernetes checks with each explained container's message (its log tail, or why
 * there is none) added to the detail: a crash-looping container under the crash-loop check, any
 * other under the restarts check when that failed, else under the first failing Kubernetes check.
 * The verdict is untouched: only details change.
 */
export function withContainerLogs(
  results: readonly CheckResult[],
  logs: readonly { container: ContainerSignal; log: ContainerLog }[],
  options: LogOptions = {},
): CheckResult[] {
  const out = results.map((r) => ({ ...r }));
  const failing = (name?: string) => out.find((r) => r.source === 'kubernetes' && !r.passed && (name === undefined || r.name === name));
  for (const { container, log } of logs) {
    const target = (container.crashLoop ? failing(POD_CHECKS.fatal) : undefined) ?? failing(POD_CHECKS.restarts) ?? failing();
    if (!target) continue;
    const message = containerFailureMessage(container, log, options);
    target.detail = target.detail ? `${target.detail}\n${message}` : message;
  }
  return out;
}

function withoutControls(text: string): string {
  return (
    text
      // CSI and OSC terminal sequences, then any other control character but the tab: matching control characters is the point.
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, '')
  );
}

/**
 * A line the runner would take for a workflow command (`::add-mask::`, `::set-output`, `::stop-commands::`,
 * or the old `##[command]` form) is printed without its prefix, so an app's log cannot command the runner.
 */
function defuse(line: string): string {
  let out = line.replace(/##\[/g, '#[');
  while (/^\s*::/.test(out)) out = out.replace(/^(\s*)::/, '$1');
  return out;
}

function mask(line: string, options: LogOptions): string {
  return redactUrlsIn(maskSecretsIn(line, options.secrets));
}

function cut(line: string): string {
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}… (${line.length - MAX_LINE} more characters)` : line;
}

/** One line we did not write either (an apiserver's or a network error's words). */
function cleanLine(text: string, options: LogOptions): string {
  return cut(mask(defuse(mask(withoutControls(text.replace(/\s*\n\s*/g, ' ')), options)), options));
}
