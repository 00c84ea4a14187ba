import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAnnotations } from '../../scripts/harness/run-step';
import { savedState } from '../../test/support/runner-files';
import { ConfigurationError } from './errors';
import { runAction } from './run';

let stdout = '';
beforeEach(() => {
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.STATE_isPost;
});

/** The step as the runner runs it again for `post:`: the state the main step saved comes back as STATE_<name>. */
function asPostStep(): void {
  process.env.STATE_isPost = savedState().isPost;
}

describe('runAction', () => {
  it('runs main, and saves the flag that makes the same bundle run post next time', async () => {
    const main = vi.fn(async () => undefined);
    const post = vi.fn(async () => undefined);
    await runAction({ main, post });
    expect(main).toHaveBeenCalledOnce();
    expect(post).not.toHaveBeenCalled();
    expect(savedState()).toEqual({ isPost: 'true' });
    expect(process.exitCode).toBeUndefined();

    asPostStep();
    await runAction({ main, post });
    expect(main).toHaveBeenCalledOnce();
    expect(post).toHaveBeenCalledOnce();
  });

  it('fails the step with a ConfigurationError message alone, no stack', async () => {
    await runAction({
      main: async () => {
        throw new ConfigurationError('Input "x" is invalid: got "y". Use z.', 'x');
      },
    });
    expect(process.exitCode).toBe(1);
    expect(parseAnnotations(stdout)).toEqual([{ level: 'error', properties: {}, message: 'Input "x" is invalid: got "y". Use z.' }]);
    expect(stdout).not.toContain('at ');
  });

  it('fails the step on any other error, with its stack at debug level only', async () => {
    await runAction({
      main: async () => {
        throw new Error('the apiserver went away');
      },
    });
    expect(process.exitCode).toBe(1);
    expect(parseAnnotations(stdout).map((a) => [a.level, a.message])).toEqual([['error', 'the apiserver went away']]);
    expect(stdout).toMatch(/^::debug::Error: the apiserver went away%0A {4}at /m);
  });

  it('turns a failed post step into a warning, so cleanup never hides the main step result', async () => {
    process.env.STATE_isPost = 'true';
    await runAction({
      main: async () => undefined,
      post: async () => {
        throw new Error('lease already gone');
      },
    });
    expect(process.exitCode).toBeUndefined();
    expect(parseAnnotations(stdout).map((a) => [a.level, a.message])).toEqual([['warning', 'Cleanup failed: lease already gone']]);
  });

  it('reports a thrown non-Error by its text', async () => {
    await runAction({ main: () => Promise.reject('plain string') });
    expect(parseAnnotations(stdout).map((a) => a.message)).toEqual(['plain string']);
  });
});
