import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';

/** The runner cancels with SIGINT, then SIGTERM about 7.5 s later, then SIGKILL 2.5 s after that. */
const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type CancelSignal = (typeof CANCEL_SIGNALS)[number];

/** How long a child's process group may take to stop after a cancel signal before it is killed: inside the runner's grace. */
export const DEFAULT_GRACE_MS: Record<CancelSignal, number> = { SIGINT: 5000, SIGTERM: 2000 };

/**
 * Stops what a child started when the action is cancelled. The runner signals only the action's
 * own process, so a test command (and whatever it spawned) would go on running as an orphan.
 * Each child runs as the leader of its own process group (spawn's `detached`); on SIGINT or
 * SIGTERM the group gets the same signal, then SIGKILL once the grace is over or as soon as the
 * leader has exited, so nothing it left behind survives the step.
 *
 * The signal listeners exist only while a child runs: with no child, a signal keeps Node's
 * default (or another part's handler, such as the deploy actions' cleanup).
 */
export class ProcessGroupReaper {
  private readonly live = new Map<ChildProcess, ReturnType<typeof setTimeout> | undefined>();
  private received: CancelSignal | undefined;

  constructor(
    private readonly source: EventEmitter = process,
    private readonly graceMs: Record<CancelSignal, number> = DEFAULT_GRACE_MS,
  ) {}

  /** The cancel signal received while a child ran, if any. */
  get cancelledBy(): CancelSignal | undefined {
    return this.received;
  }

  /** Watch a spawned child until it exits; returns the function to call when it has. */
  track(child: ChildProcess): () => void {
    if (this.live.size === 0) for (const signal of CANCEL_SIGNALS) this.source.on(signal, this.onSignal);
    this.live.set(child, undefined);
    if (this.received) this.stop(child, this.received);
    return () => this.untrack(child);
  }

  private untrack(child: ChildProcess): void {
    if (!this.live.has(child)) return;
    clearTimeout(this.live.get(child));
    this.live.delete(child);
    // The leader is gone; anything still in its group was left behind by a cancelled command.
    if (this.received) killGroup(child, 'SIGKILL');
    if (this.live.size === 0) for (const signal of CANCEL_SIGNALS) this.source.off(signal, this.onSignal);
  }

  private readonly onSignal = (signal: CancelSignal): void => {
    this.received = signal;
    for (const child of this.live.keys()) this.stop(child, signal);
  };

  private stop(child: ChildProcess, signal: CancelSignal): void {
    killGroup(child, signal);
    const grace = this.graceMs[signal];
    const pending = this.live.get(child);
    clearTimeout(pending);
    this.live.set(
      child,
      setTimeout(() => killGroup(child, 'SIGKILL'), grace),
    );
  }
}

/** Signal the child's whole process group (a negative pid); a group already gone is fine. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? child.pid : -child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
