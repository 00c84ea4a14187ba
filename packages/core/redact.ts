/**
 * A URL's userinfo (`https://user:pass@host`) is percent-encoded, so it slips past the runner's
 * mask of the raw secret: anything that shows a URL shows it without userinfo. No imports, so
 * errors.ts and url.ts can both use it.
 */

// scheme://userinfo@ — userinfo is everything up to the LAST @ before any /, ?, # or space: the URL
// parser takes the last one (an unencoded @ in a password), so the greedy match backs up to it. For
// http(s) the slashes are optional to the parser ("https:user:pass@host" is a URL), so here too.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/|https?:(?![/\\]))[^/?#\s\\]*@/gi;

/** Every URL in a text (a URL, a given value, an error from Node or a library) without its userinfo. */
export function redactUrlsIn(text: string): string {
  return text.replace(USERINFO, '$1');
}

/** The URL without its userinfo, for logs, summaries and errors. */
export function redactUrl(url: string | URL): string {
  return redactUrlsIn(String(url));
}
