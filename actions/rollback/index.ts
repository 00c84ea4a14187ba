import { runAction } from '../../packages/core';
import { run } from './main';

void runAction({ main: run });
