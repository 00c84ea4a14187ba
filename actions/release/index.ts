import { runAction } from '../../packages/core';
import { post, run } from './main';

void runAction({ main: run, post });
