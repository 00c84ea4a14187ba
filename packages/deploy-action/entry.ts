import type { InputErrorCollector } from '../core/input-errors';
import type { ActionEntry } from '../core/run';
import type * as Flows from './flows';
import { loadInputParsers, readCanaryFlowInputs, type PromoteFlowInputs, type RollbackFlowInputs } from './inputs';
import { removeOpenCanary, undoOpenPromotion } from './post-state';

/**
 * The entries of the four deploy actions. Each validates every input first
 * and only then loads the flows: the cluster client, YAML and the AWS SDK are
 * most of the start-up time, and a bad input should fail before paying for them.
 */

/** canary-deploy and the root release action: one implementation, told whether to promote a passing canary. */
export function deployEntry(name: string, options: { autoPromote: (errors?: InputErrorCollector) => boolean }): ActionEntry {
  return {
    main: afterInputs(
      () => readCanaryFlowInputs(options.autoPromote),
      (flows, inputs) => flows.canaryFlow(name, inputs),
    ),
    // Removes a canary the main step left behind when it was killed before it could clean up.
    post: () => removeOpenCanary(name),
  };
}

export function promoteEntry(name: string, getInputs: () => PromoteFlowInputs): ActionEntry {
  return {
    main: afterInputs(getInputs, (flows, inputs) => flows.promoteFlow(name, inputs)),
    // Undoes a rollout the main step left half done when it was killed (on-cancel: undo).
    post: async () => void (await undoOpenPromotion(name)),
  };
}

export function rollbackEntry(name: string, getInputs: () => RollbackFlowInputs): ActionEntry {
  return { main: afterInputs(getInputs, (flows, inputs) => flows.rollbackFlow(name, inputs)) };
}

/** A main step that reads its inputs, and only then loads the flows and runs one. */
function afterInputs<Inputs>(read: () => Inputs, run: (flows: typeof Flows, inputs: Inputs) => Promise<void>): () => Promise<void> {
  return async () => {
    await loadInputParsers();
    const inputs = read();
    await run(await import('./flows'), inputs);
  };
}
