import { invalidInput } from '../core/errors';

/**
 * OCI annotations (https://github.com/opencontainers/image-spec/blob/main/annotations.md)
 * as image labels, so `docker inspect` on a running pod's image leads back to
 * the commit and the workflow run that built it.
 */
export interface BuildProvenance {
  serverUrl: string;
  repository: string;
  sha: string;
  /** The version the image carries: a semver tag, else the first tag. */
  version?: string;
  created: Date;
}

export function provenanceFromEnv(version: string | undefined, env: NodeJS.ProcessEnv = process.env, now = new Date()): BuildProvenance {
  return {
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    repository: env.GITHUB_REPOSITORY ?? '',
    sha: env.GITHUB_SHA ?? '',
    version,
    created: now,
  };
}

export function ociLabels(provenance: BuildProvenance): Record<string, string> {
  const labels: Record<string, string> = { 'org.opencontainers.image.created': provenance.created.toISOString() };
  if (provenance.repository) {
    const url = `${provenance.serverUrl.replace(/\/+$/, '')}/${provenance.repository}`;
    labels['org.opencontainers.image.source'] = url;
    labels['org.opencontainers.image.url'] = url;
    labels['org.opencontainers.image.title'] = provenance.repository.split('/').pop()!;
  }
  if (provenance.sha) labels['org.opencontainers.image.revision'] = provenance.sha;
  if (provenance.version) labels['org.opencontainers.image.version'] = provenance.version;
  return labels;
}

export interface KeyRule {
  pattern: RegExp;
  description: string;
}

export const LABEL_KEY: KeyRule = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
  description: 'letters, digits, ".", "-" and "_" (e.g. com.example.team)',
};
export const BUILD_ARG_KEY: KeyRule = {
  pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
  description: 'letters, digits and "_", not starting with a digit',
};

/** `KEY=value` lines; a value may hold "=" and commas, so only newlines separate entries. */
export function parseKeyValueLines(input: string, raw: string, rule: KeyRule, what: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of raw.split('\n')) {
    const text = line.trim();
    if (text === '') continue;
    const at = text.indexOf('=');
    const key = at < 0 ? text : text.slice(0, at).trim();
    if (at < 1 || !rule.pattern.test(key)) {
      throw invalidInput(input, text, `Write one ${what} per line as KEY=value; a key is ${rule.description}.`);
    }
    result[key] = text.slice(at + 1);
  }
  return result;
}
