import type { ActionEntry } from '../core/run';
import { readCanaryFlowInputs, type PromoteFlowInputs, type RollbackFlowInputs } from './inputs';
import { removeOpenCanary } from './post-state';

/**
 * The entries of the four deploy actions. Each validates every input first
 * and only then loads the flows: the cluster client, YAML and the AWS SDK are
 * most of the start-up time, and a bad input should fail before paying for them.
 */

/** canary-deploy and the root release action: one implementation, told whether to promote a passing canary. */
export function deployEntry(name: string, options: { autoPromote: () => boolean }): ActionEntry {
  return {
    main: async () => {
      const inputs = readCanaryFlowInputs(options.autoPromote());
      const { canaryFlow } = await import('./flows');
      await canaryFlow(name, inputs);
    },
    // Removes a canary the main step left behind when it was killed before it could clean up.
    post: () => removeOpenCanary(name),
  };
}

export function promoteEntry(name: string, getInputs: () => PromoteFlowInputs): ActionEntry {
  return {
    main: async () => {
      const inputs = getInputs();
      const { promoteFlow } = await import('./flows');
      await promoteFlow(name, inputs);
    },
  };
}

export function rollbackEntry(name: string, getInputs: () => RollbackFlowInputs): ActionEntry {
  return {
    main: async () => {
      const inputs = getInputs();
      const { rollbackFlow } = await import('./flows');
      await rollbackFlow(name, inputs);
    },
  };
}
