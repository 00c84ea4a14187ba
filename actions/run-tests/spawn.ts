import { ConfigurationError, errorMessage } from '../../packages/core/errors';
import type { CommandResult } from '../../packages/core/exec';
import { INPUT, type Inputs } from './context';

/** @actions/exec throws when the program is not on PATH; say which input names it. */
export async function spawnOrExplain(inputs: Inputs, run: () => Promise<CommandResult>, program = inputs.python): Promise<CommandResult> {
  try {
    return await run();
  } catch (error) {
    const message = errorMessage(error);
    if (/Unable to locate executable|ENOENT/.test(message)) {
      const input = program === inputs.python ? INPUT.python : INPUT.command;
      throw new ConfigurationError(
        `Input "${input}": the program "${program}" was not found on PATH (${message}). Install it in an earlier step (e.g. actions/setup-python) or give its path.`,
        input,
      );
    }
    throw error;
  }
}
