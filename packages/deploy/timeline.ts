export interface TimelineEvent {
  /** ms since the run started. */
  at: number;
  text: string;
}

/**
 * What happened, when. Every event also goes to the log as it happens, so the
 * log and the summary's timeline tell the same story. The log is the
 * caller's (the actions pass core.info): the engine writes to no runner.
 */
export class Timeline {
  readonly events: TimelineEvent[] = [];
  private readonly started = performance.now();

  constructor(private readonly log: (line: string) => void) {}

  add(text: string): void {
    const at = Math.round(performance.now() - this.started);
    this.events.push({ at, text });
    this.log(`[+${formatOffset(at)}] ${text}`);
  }

  get elapsedMs(): number {
    return performance.now() - this.started;
  }
}

export function formatOffset(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
