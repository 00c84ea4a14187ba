import { describe, expect, it } from 'vitest';
import { buildTestArgv, detectRunner } from './command';

describe('detectRunner', () => {
  it('knows pytest as a program and as a module', () => {
    expect(detectRunner(['python', '-m', 'pytest'])).toBe('pytest');
    expect(detectRunner(['/opt/venv/bin/pytest', '-q'])).toBe('pytest');
    expect(detectRunner(['py.test'])).toBe('pytest');
    expect(detectRunner(['python', '-m', 'unittest'])).toBe('other');
    expect(detectRunner(['npx', 'vitest', 'run'])).toBe('other');
  });
});

describe('buildTestArgv', () => {
  it('puts the python input in place of a leading python and adds --junitxml', () => {
    expect(buildTestArgv(['python', '-m', 'pytest', '-q'], '/venv/bin/python3', '/tmp/r/junit.xml')).toEqual([
      '/venv/bin/python3',
      '-m',
      'pytest',
      '-q',
      '--junitxml=/tmp/r/junit.xml',
    ]);
    expect(buildTestArgv(['tox', '-e', 'py'], 'python', undefined)).toEqual(['tox', '-e', 'py']);
    expect(buildTestArgv(['python3', '-m', 'pytest'], 'python', undefined)).toEqual(['python3', '-m', 'pytest']);
  });
});
