import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from './errors';

const POST_STATE = 'isPost';

export interface ActionEntry {
  main: () => Promise<void>;
  /** Runs as the action's `post:` step, in the same bundle. */
  post?: () => Promise<void>;
}

/**
 * The one error boundary of every action. The runner calls the same bundle for
 * `main` and `post`; a state flag saved by the main step tells them apart.
 */
export async function runAction(entry: ActionEntry): Promise<void> {
  const isPost = core.getState(POST_STATE) === 'true';
  try {
    if (isPost) {
      await entry.post?.();
      return;
    }
    core.saveState(POST_STATE, 'true');
    await entry.main();
  } catch (error) {
    reportFailure(error, isPost);
  }
}

function reportFailure(error: unknown, isPost: boolean): void {
  if (error instanceof ConfigurationError) {
    core.setFailed(error.message);
    return;
  }
  if (error instanceof Error && error.stack) core.debug(error.stack);
  const message = errorMessage(error);
  // A post step cleans up; its failure must not hide the main step's result.
  if (isPost) core.warning(`Cleanup failed: ${message}`);
  else core.setFailed(message);
}
