import * as core from '@actions/core';
import { ConfigurationError } from './errors';
import { maskSecret } from './log';

/**
 * A headers input: one `Name: value` per line, sent with each request (an API key, an
 * `Authorization: Bearer …`), the way to authenticate instead of credentials in a URL. Every
 * value is masked before anything else is done with the input, and no error repeats one:
 * errors name the line and, when it parses, the header name.
 */

// RFC 9110 field-name: a token.
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set by the HTTP client or meaningless for a GET; a user's value would break the request. */
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer', 'keep-alive']);

export function parseHeaderLines(input: string, raw: string): Record<string, string> {
  const lines = raw.split(/\r?\n/);
  // First, mask: a value, and a scheme's credential alone ("Bearer <token>": the token), whatever else is wrong.
  for (const line of lines) {
    const at = line.indexOf(':');
    const value = (at === -1 ? line : line.slice(at + 1)).trim();
    maskSecret(value);
    const credential = /^[A-Za-z][\w-]*\s+(\S.*)$/.exec(value)?.[1];
    if (credential) maskSecret(credential);
  }
  const headers: Record<string, string> = {};
  const seen = new Map<string, string>();
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `line ${index + 1}`;
    const at = line.indexOf(':');
    if (at === -1) {
      throw new ConfigurationError(
        `Input "${input}": ${where} is not "Name: value" (it has no colon; not shown: it may hold a credential). Write one header per line, e.g. "Authorization: Bearer <token>".`,
        input,
      );
    }
    const name = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (!FIELD_NAME.test(name)) {
      throw new ConfigurationError(
        `Input "${input}": ${where} has an invalid header name ${JSON.stringify(name.slice(0, 60))}. Use letters, digits and "-", e.g. "X-Api-Key: <key>".`,
        input,
      );
    }
    const lower = name.toLowerCase();
    if (RESERVED.has(lower)) {
      throw new ConfigurationError(
        `Input "${input}": ${where} sets "${name}", which the HTTP client sets itself. Remove that line.`,
        input,
      );
    }
    if (value === '') {
      throw new ConfigurationError(
        `Input "${input}": ${where} gives "${name}" no value. Write "${name}: <value>", or remove the line.`,
        input,
      );
    }
    const earlier = seen.get(lower);
    if (earlier) {
      throw new ConfigurationError(`Input "${input}": header "${name}" is given twice (${earlier} and ${where}). Keep one.`, input);
    }
    seen.set(lower, where);
    headers[name] = value;
  });
  return headers;
}

/** The headers an input gives; empty when the input is. */
export function getHeaders(name: string): Record<string, string> {
  return parseHeaderLines(name, core.getInput(name));
}
