import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from './errors';
import { parseHeaderLines } from './headers';

const { setSecret } = vi.hoisted(() => ({ setSecret: vi.fn() }));
vi.mock('@actions/core', async (importOriginal) => ({ ...(await importOriginal<object>()), setSecret }));
beforeEach(() => setSecret.mockClear());

const masked = () => setSecret.mock.calls.map(([value]) => value as string);

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('parseHeaderLines', () => {
  it('reads one "Name: value" per line and masks each value, and a scheme\'s credential alone', () => {
    const headers = parseHeaderLines('http-headers', 'Authorization: Bearer tok-123456\n\nX-Api-Key:  k:with:colons  \n');
    expect(headers).toEqual({ Authorization: 'Bearer tok-123456', 'X-Api-Key': 'k:with:colons' });
    expect(masked()).toEqual(expect.arrayContaining(['Bearer tok-123456', 'tok-123456', 'k:with:colons']));
  });

  it('is empty for an empty input', () => {
    expect(parseHeaderLines('http-headers', '')).toEqual({});
  });

  it.each([
    ['a line without a colon', 'Bearer s3cret-value', /line 1 is not "Name: value"/],
    ['a bad header name', 'X Api Key: s3cret-value', /line 1 has an invalid header name "X Api Key"/],
    ['a header the client sets', 'X-Ok: fine\nHost: s3cret-value', /line 2 sets "Host", which the HTTP client sets itself/],
    ['a header twice', 'X-Key: a\nx-key: s3cret-value', /header "x-key" is given twice \(line 1 and line 2\)/],
    ['an empty value', 'X-Key:', /line 1 gives "X-Key" no value/],
  ])('refuses %s, naming the input and the line, never the value', (_case, raw, message) => {
    const text = messageOf(() => parseHeaderLines('prometheus-headers', raw));
    expect(text).toMatch(/^Input "prometheus-headers": /);
    expect(text).toMatch(message);
    expect(text).not.toContain('s3cret');
  });

  it('masks every value before refusing any line', () => {
    messageOf(() => parseHeaderLines('http-headers', 'Bad Name: first-s3cret\nX-Key: second-s3cret'));
    expect(masked()).toEqual(expect.arrayContaining(['first-s3cret', 'second-s3cret']));
  });
});
