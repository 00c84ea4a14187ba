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

/**
 * Every value registered as a secret in this process (core/log.ts maskSecret adds each one). The
 * runner masks them in the step log; text we hand elsewhere (a summary, a check run, an annotation)
 * and text we did not write (a container's log) is masked with this list too.
 */
const knownSecrets = new Set<string>();

export function rememberSecret(value: string | undefined): void {
  if (!value) return;
  knownSecrets.add(value);
  // A multi-line secret (a PEM key) is also masked line by line, as the runner does.
  if (value.includes('\n')) for (const line of value.split(/\r?\n/)) if (line.trim()) knownSecrets.add(line.trim());
}

/** The text with every known secret, and each of `extra`, replaced by ***; values under 4 characters are left (they would mask everything). */
export function maskSecretsIn(text: string, extra: readonly string[] = []): string {
  // Longest first, so a secret that contains another is masked whole.
  const secrets = [...new Set([...knownSecrets, ...extra])].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const secret of secrets) text = text.split(secret).join('***');
  return text;
}
