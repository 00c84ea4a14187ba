import { ConfigurationError, cutForDisplay } from './errors';
import { maskSecret } from './log';
import { redactUrl } from './redact';

export { redactUrl, redactUrlsIn } from './redact';

export interface UrlInputOptions {
  /** Accepted schemes, with the colon: ['https:'] or ['https:', 'http:']. */
  protocols: readonly string[];
  /** What to do instead, for the message when the URL holds credentials. */
  credentialsFix?: string;
  /** A URL to show in the fix, e.g. "https://app.example.com/healthz". */
  example?: string;
}

/**
 * Parse a URL input. Refuses what is not an absolute URL of an accepted scheme, and a URL with
 * credentials in it (both Node's fetch and the runner's mask fail on those); the credentials are
 * masked before anything could print them, and the message never repeats them.
 */
export function parseUrlInput(name: string, raw: string, options: UrlInputOptions): URL {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // An @ in something that does not parse may be userinfo the redaction cannot delimit.
    const shown = text.includes('@') ? '(not shown: it may hold credentials)' : JSON.stringify(cutForDisplay(text));
    throw new ConfigurationError(
      `Input "${name}" is not an absolute URL: got ${shown}. Use an absolute ${schemes(options)} URL, such as "${options.example ?? `${options.protocols[0]}//host:port/path`}".`,
      name,
    );
  }
  if (url.username || url.password) {
    maskUserinfo(url);
    throw new ConfigurationError(
      `Input "${name}" has credentials in the URL (user:password@ before the host, not shown here). ` +
        `Remove them: ${options.credentialsFix ?? 'credentials in a URL end up in logs and are refused by fetch.'}`,
      name,
    );
  }
  if (!options.protocols.includes(url.protocol)) {
    throw new ConfigurationError(
      `Input "${name}" must be an ${schemes(options)} URL: got ${JSON.stringify(cutForDisplay(redactUrl(url)))}.`,
      name,
    );
  }
  return url;
}

function schemes(options: UrlInputOptions): string {
  return options.protocols.map((protocol) => `${protocol}//`).join(' or ');
}

/** Mask a URL's userinfo in every form it may be printed: as typed (percent-encoded) and decoded. */
export function maskUserinfo(url: URL): void {
  for (const part of [url.username, url.password]) {
    if (!part) continue;
    maskSecret(part);
    let decoded = part;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      // not valid percent-encoding: the raw form is masked already
    }
    if (decoded !== part) maskSecret(decoded);
  }
}
