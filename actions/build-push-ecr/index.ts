import { runAction } from '../../packages/core/run';
import { run } from './main';
import { post } from './post';

await runAction({ main: run, post });
