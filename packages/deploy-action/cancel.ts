/** The run was cancelled (the runner sends SIGINT, then SIGTERM about 7.5 s later, then SIGKILL). */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(readonly signalName: string) {
    super(`The run was cancelled (${signalName}).`);
  }
}

/**
 * Turn the runner's cancel signals into an AbortSignal. Node would otherwise
 * die on SIGINT at once and leave the canary running; with a handler the
 * action removes it and restores traffic first. The second signal (SIGTERM)
 * is absorbed too, so cleanup is not cut short before SIGKILL.
 */
export function onCancel(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) controller.abort(new CancelledError(name));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

export function isCancellation(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (error instanceof CancelledError || error === signal.reason || (error as Error)?.name === 'AbortError');
}
