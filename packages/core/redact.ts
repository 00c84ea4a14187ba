/**
 * A URL's userinfo (`https://user:pass@host`) is percent-encoded, so it slips past the runner's
 * mask of the raw secret: anything that shows a URL shows it without userinfo. No imports, so
 * errors.ts and url.ts can both use it.
 */

// scheme://userinfo@ — userinfo is everything up to the first @ before any /, ? or # (RFC 3986).
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@]*@/gi;

/** Every URL in a text (a URL, a given value, an error from Node or a library) without its userinfo. */
export function redactUrlsIn(text: string): string {
  return text.replace(USERINFO, '$1');
}

/** The URL without its userinfo, for logs, summaries and errors. */
export function redactUrl(url: string | URL): string {
  return redactUrlsIn(String(url));
}
