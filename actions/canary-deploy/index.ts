import { runAction } from '../../packages/core/run';
import { deployEntry } from '../../packages/deploy-action/entry';
import { readAutoPromote } from '../../packages/deploy-action/inputs';

await runAction(deployEntry('canary-deploy', { autoPromote: readAutoPromote }));
