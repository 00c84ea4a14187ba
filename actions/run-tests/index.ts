import { runAction } from '../../packages/core/run';
import { run } from './main';

await runAction({ main: run });
