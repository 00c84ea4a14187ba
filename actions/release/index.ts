import { runAction } from '../../packages/core/run';
import { deployEntry } from '../../packages/deploy-action/entry';

// The root action.yml: canary-deploy's inputs less auto-promote, because it always promotes.
await runAction(deployEntry('release', { autoPromote: () => true }));
