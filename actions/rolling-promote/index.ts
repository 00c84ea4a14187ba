import { runAction } from '../../packages/core/run';
import { promoteEntry } from '../../packages/deploy-action/entry';
import { getInputs } from './context';

await runAction(promoteEntry('rolling-promote', getInputs));
