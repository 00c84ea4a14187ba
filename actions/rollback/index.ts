import { runAction } from '../../packages/core/run';
import { rollbackEntry } from '../../packages/deploy-action/entry';
import { getInputs } from './context';

await runAction(rollbackEntry('rollback', getInputs));
