import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigurationError } from '../core/errors';
import { maskSecret } from '../core/log';

/** The kubeconfig text an input gave, and how it was given (for messages). */
export interface KubeconfigSource {
  text: string;
  format: 'yaml' | 'json';
  from: 'contents' | 'base64' | 'file';
  /** The file it was read from (from: 'file'). */
  path?: string;
}

// Standard and URL-safe alphabets; GNU base64 wraps at 76 columns, so whitespace is dropped first.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const KUBECONFIG_KEY = /(^|\n)\s*"?(apiVersion|kind|clusters|contexts|users|current-context|preferences)"?\s*:/;
const YAML_MAPPING_START = /^(---|%YAML|[\w"'-][\w"' .-]*:(\s|$))/;

/**
 * What a `kubeconfig` input holds: the YAML or JSON itself, base64 of either (one line or wrapped,
 * as `base64` and `base64 -w0` write it), or a path to a file. The value is never repeated in an
 * error, only a path that looks like one: it may be a whole kubeconfig with its token and keys.
 */
export function readKubeconfigSource(raw: string, input: string): KubeconfigSource {
  const text = raw.trim();
  if (text === '') throw new ConfigurationError(`Input "${input}" is empty. Give the kubeconfig's contents or a path to it.`, input);
  if (text.startsWith('{')) return { text, format: 'json', from: 'contents' };
  const singleLine = !/\s/.test(text);
  // A path can be made of base64 characters too ("kubeconfig", "/home/runner/config"): a file there wins.
  if (singleLine && isFile(text)) return fromFile(text);
  const compact = text.replace(/\s+/g, '');
  if (BASE64.test(compact)) {
    const decoded = decodeBase64Text(compact);
    if (decoded !== undefined && KUBECONFIG_KEY.test(decoded)) {
      // The runner masks a secret as it was stored; a decoded copy is masked here, before any parse error.
      maskSecret(compact);
      const contents = decoded.trim();
      return { text: contents, format: contents.startsWith('{') ? 'json' : 'yaml', from: 'base64' };
    }
    if (!singleLine || (compact.length >= 64 && !looksLikePath(text))) {
      throw new ConfigurationError(
        `Input "${input}" looks like base64${singleLine ? '' : ' (wrapped lines)'}, but it does not decode to a kubeconfig (YAML or JSON with clusters, users and contexts). ` +
          `Encode the whole file, e.g. "base64 -w0 ~/.kube/config" or "kubectl config view --raw | base64"; the value is not shown: it may hold credentials.`,
        input,
      );
    }
  }
  if (!singleLine || YAML_MAPPING_START.test(text)) return { text, format: 'yaml', from: 'contents' };
  const shown = looksLikePath(text) ? `: no file at ${resolve(text)}` : ' (the value is not shown: it may hold credentials)';
  throw new ConfigurationError(
    `Input "${input}" is neither kubeconfig YAML or JSON, nor base64 of one, nor a readable file${shown}. ` +
      "Pass the kubeconfig's contents (e.g. from a secret), its base64, or the path of a file the job created.",
    input,
  );
}

function isFile(path: string): boolean {
  const full = resolve(path);
  return existsSync(full) && statSync(full).isFile();
}

function fromFile(path: string): KubeconfigSource {
  const full = resolve(path);
  const text = readFileSync(full, 'utf8').trim();
  return { text, format: text.startsWith('{') ? 'json' : 'yaml', from: 'file', path: full };
}

/** The UTF-8 text the base64 holds, or undefined when it holds bytes that are not text. */
function decodeBase64Text(compact: string): string | undefined {
  const text = Buffer.from(compact, 'base64').toString('utf8');
  // eslint-disable-next-line no-control-regex
  return text.includes('\uFFFD') || /[\u0000-\u0008\u000E-\u001F]/.test(text) ? undefined : text;
}

/** Worth repeating in an error: a short single line shaped like a path, not like a token or base64. */
function looksLikePath(text: string): boolean {
  return text.length <= 255 && (/^(\/|\.{1,2}\/|~)/.test(text) || /\.(ya?ml|json|conf|config|kubeconfig)$/i.test(text));
}
