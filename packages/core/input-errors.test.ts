import { describe, expect, it } from 'vitest';
import { ConfigurationError, invalidInput } from './errors';
import { InputErrorCollector, InputErrors } from './input-errors';
import { parseNumber } from './inputs';

describe('InputErrorCollector', () => {
  it('reads every input, notes each bad one, and reports them all at once', () => {
    const errors = new InputErrorCollector();
    const replicas = errors.read(() => parseNumber('replicas', 'three', { integer: true }));
    const weight = errors.read(() => parseNumber('canary-weight', '150', { min: 0, max: 100 }));
    const timeout = errors.read(() => parseNumber('timeout', '30'));
    errors.check(false, () => invalidInput('mode', 'fast', 'Use one of: pods, alb.'));
    expect([replicas, weight, timeout]).toEqual([undefined, undefined, 30]);

    const thrown = (() => {
      try {
        errors.throwIfAny();
      } catch (error) {
        return error;
      }
      return undefined;
    })() as InputErrors;
    expect(thrown).toBeInstanceOf(InputErrors);
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect(thrown.inputs).toEqual(['replicas', 'canary-weight', 'mode']);
    expect(thrown.input).toBe('replicas');
    expect(thrown.message).toBe(
      [
        '3 problems with the inputs; fix them all before the next run:',
        '1. Input "replicas" is invalid: got "three". Use a whole number.',
        '2. Input "canary-weight" is invalid: got "150". Use a number from 0 to 100.',
        '3. Input "mode" is invalid: got "fast". Use one of: pods, alb.',
      ].join('\n'),
    );
  });

  it('throws a single error as itself, and nothing when all is well', () => {
    const one = new InputErrorCollector();
    one.read(() => parseNumber('replicas', 'x'));
    one.read(() => parseNumber('replicas', 'x'));
    expect(one.errors).toHaveLength(1);
    expect(() => one.throwIfAny()).toThrow('Input "replicas" is invalid: got "x". Use a number.');
    expect(() => new InputErrorCollector().throwIfAny()).not.toThrow();
  });

  it('lets a bug through instead of calling it an input error', () => {
    const errors = new InputErrorCollector();
    expect(() =>
      errors.read(() => {
        throw new TypeError('undefined is not a function');
      }),
    ).toThrow(TypeError);
    expect(errors.errors).toEqual([]);
  });
});
