import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, invalidInput } from './errors';
import { parseUrlInput, redactUrl, redactUrlsIn } from './url';

const { setSecret } = vi.hoisted(() => ({ setSecret: vi.fn() }));
vi.mock('@actions/core', async (importOriginal) => ({ ...(await importOriginal<object>()), setSecret }));
beforeEach(() => setSecret.mockClear());

describe('redactUrl', () => {
  it('drops userinfo, plain or percent-encoded, and leaves the rest', () => {
    expect(redactUrl('https://user:p%40ss@prom.internal:9090/api?q=1')).toBe('https://prom.internal:9090/api?q=1');
    expect(redactUrl(new URL('https://token@host/'))).toBe('https://host/');
    expect(redactUrl('https://host/path@v2')).toBe('https://host/path@v2');
  });

  it('finds every URL in a message', () => {
    expect(redactUrlsIn('could not reach http://a:b@x:1 via http://u:p@proxy:3128: refused')).toBe(
      'could not reach http://x:1 via http://proxy:3128: refused',
    );
  });
});

describe('invalidInput', () => {
  it('never shows credentials of a URL in the given value, even when the value is cut inside them', () => {
    const long = `https://user:${'s'.repeat(300)}@host/`;
    expect(invalidInput('http-url', long, 'Fix it.').message).not.toContain('sss');
    expect(invalidInput('http-url', 'https://user:secret@host/ x', 'Fix it.').message).toBe(
      'Input "http-url" is invalid: got "https://host/ x". Fix it.',
    );
  });
});

describe('parseUrlInput', () => {
  const https = { protocols: ['https:', 'http:'] };

  it('returns the URL', () => {
    expect(parseUrlInput('http-url', ' https://app.example/healthz ', https).href).toBe('https://app.example/healthz');
  });

  it('refuses credentials in the URL without repeating them, and masks them in both encodings', () => {
    const run = () =>
      parseUrlInput('prometheus-url', 'https://admin:p%40ss%3Aword@prom.internal/', {
        ...https,
        credentialsFix: 'send them in the "prometheus-headers" input, from a secret.',
      });
    expect(run).toThrow(ConfigurationError);
    const message = (() => {
      try {
        run();
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toBe(
      'Input "prometheus-url" has credentials in the URL (user:password@ before the host, not shown here). Remove them: send them in the "prometheus-headers" input, from a secret.',
    );
    expect(setSecret.mock.calls.map(([value]) => value)).toEqual(expect.arrayContaining(['admin', 'p%40ss%3Aword', 'p@ss:word']));
  });

  it('refuses another scheme and what is not a URL, naming the input', () => {
    expect(() => parseUrlInput('http-url', 'ftp://host/x', https)).toThrow(
      'Input "http-url" must be an https:// or http:// URL: got "ftp://host/x".',
    );
    expect(() => parseUrlInput('http-url', 'app.example/healthz', https)).toThrow(
      'Input "http-url" is not an absolute URL: got "app.example/healthz". Use an absolute https:// or http:// URL, such as "https://host:port/path".',
    );
    expect(() => parseUrlInput('http-url', 'https://user:secret@ho st/', https)).toThrow('(not shown: it may hold credentials)');
  });
});

describe('redactUrlsIn, the shapes the URL parser accepts', () => {
  it('drops userinfo up to the last @ of the authority, as the parser reads an unencoded @ in a password', () => {
    const given = 'https://user:p@ss@host/x';
    expect(new URL(given).password).toBe('p%40ss');
    expect(redactUrlsIn(`GET ${given} failed`)).toBe('GET https://host/x failed');
  });

  it('drops userinfo of an http(s) URL written without slashes, which the parser accepts', () => {
    expect(new URL('https:user:secret@host/').password).toBe('secret');
    expect(redactUrlsIn('got https:user:secret@host/')).toBe('got https:host/');
  });

  it('leaves an @ in a path, query or after a space alone', () => {
    expect(redactUrlsIn('https://host/a@b?c=d@e mail me@example.com')).toBe('https://host/a@b?c=d@e mail me@example.com');
  });
});
