import { existsSync, globSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { ConfigurationError } from '../core/errors';
import type { Deployment } from '../kube/types';
import { ManifestBudget } from './budget';
import { isKustomizationFile, kustomizationIn, renderKustomization } from './kustomize';
import { parseManifestFile, type Manifest } from './parse';

export { MAX_MANIFEST_BYTES } from './budget';
export { describeSource, parseManifestFile, type Manifest, type ManifestSource } from './parse';

export interface LoadOptions {
  /** Base for relative paths and globs. Default: GITHUB_WORKSPACE, else the current directory. */
  cwd?: string;
  /** The action input to name in errors. Default "manifests". */
  input?: string;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const GLOB_CHARS = /[*?[\]{}]/;

/** What one pattern stands for: a manifest file, or a folder kustomize would build. */
export type ManifestSourceEntry = { file: string } | { kustomization: string };

/**
 * Load manifests from files, directories (their *.yaml, *.yml and *.json,
 * not recursive, like `kubectl apply -f dir`) and globs (`k8s/**\/*.yaml` for
 * recursion), in the order given. A directory that holds a kustomization.yaml
 * (or a path to that file) is rendered as `kubectl kustomize` would, for the
 * common subset (see kustomize.ts). Multi-document YAML and `kind: List` are
 * expanded. Errors name the input and the file and line.
 */
export function loadManifests(patterns: string[], options: LoadOptions = {}): Manifest[] {
  const input = options.input ?? 'manifests';
  const cwd = options.cwd ?? process.env.GITHUB_WORKSPACE ?? process.cwd();
  if (patterns.length === 0)
    throw new ConfigurationError(`Input "${input}" is empty. List manifest files, directories or globs, one per line.`, input);
  const sources = resolveSources(patterns, cwd, input);
  const budget = new ManifestBudget(input, cwd);
  // The named files' sizes first, so an oversized set is refused before any of it is read; a
  // kustomization's files are counted as it reads them.
  for (const entry of sources) if ('file' in entry) budget.reserve(entry.file);
  return sources.flatMap((entry) =>
    'file' in entry
      ? parseManifestFile(entry.file, readFileSync(entry.file, 'utf8'), input)
      : renderKustomization(entry.kustomization, input, cwd, budget),
  );
}

/** The files and kustomization folders the patterns name, each once, in the order the patterns give them. */
export function resolveSources(patterns: string[], cwd: string, input = 'manifests'): ManifestSourceEntry[] {
  const entries: ManifestSourceEntry[] = [];
  const seen = new Set<string>();
  const add = (entry: ManifestSourceEntry) => {
    const key = 'file' in entry ? `f:${entry.file}` : `k:${entry.kustomization}`;
    if (!seen.has(key)) entries.push(entry);
    seen.add(key);
  };
  for (const pattern of patterns) {
    if (GLOB_CHARS.test(pattern)) {
      const matches = globSync(pattern, { cwd })
        .map((match) => resolve(cwd, match))
        .filter((match) => statSync(match).isFile() && MANIFEST_EXTENSIONS.has(extname(match)))
        .sort();
      if (matches.length === 0)
        throw new ConfigurationError(`Input "${input}": the glob "${pattern}" matched no .yaml, .yml or .json file under ${cwd}.`, input);
      const kustomizations = matches.filter(isKustomizationFile);
      if (kustomizations.length > 0) {
        // Mixing a kustomization's own files with its rendering would apply them twice or half-transformed.
        throw new ConfigurationError(
          `Input "${input}": the glob "${pattern}" matches ${kustomizations.map((file) => relative(cwd, file)).join(', ')}. ` +
            `Pass the folder that holds a kustomization.yaml (e.g. "${relative(cwd, dirname(kustomizations[0]!)) || '.'}") to have it rendered, not a glob over its files.`,
          input,
        );
      }
      matches.forEach((file) => add({ file }));
      continue;
    }
    const path = resolve(cwd, pattern);
    if (!existsSync(path)) {
      throw new ConfigurationError(
        `Input "${input}": "${pattern}" does not exist (looked for ${path}). Check the path; it is relative to the workspace.`,
        input,
      );
    }
    if (statSync(path).isDirectory()) {
      if (kustomizationIn(path)) {
        add({ kustomization: path });
        continue;
      }
      const inside = readdirSync(path)
        .filter((name) => MANIFEST_EXTENSIONS.has(extname(name)))
        .map((name) => join(path, name))
        .filter((file) => statSync(file).isFile())
        .sort();
      if (inside.length === 0)
        throw new ConfigurationError(`Input "${input}": the directory "${pattern}" holds no .yaml, .yml or .json file.`, input);
      inside.forEach((file) => add({ file }));
      continue;
    }
    add(isKustomizationFile(path) ? { kustomization: dirname(path) } : { file: path });
  }
  return entries;
}

export function isDeployment(object: Manifest['object']): object is Deployment {
  return object.kind === 'Deployment' && typeof object.apiVersion === 'string' && object.apiVersion.startsWith('apps/');
}

/** The Deployments among the manifests; a ConfigurationError if there is none (nothing to canary or promote). */
export function requireDeployments(manifests: Manifest[], input = 'manifests'): Deployment[] {
  const deployments = manifests.map((manifest) => manifest.object).filter(isDeployment);
  if (deployments.length === 0) {
    const kinds = [...new Set(manifests.map((manifest) => manifest.object.kind))].join(', ') || 'none';
    throw new ConfigurationError(
      `Input "${input}": the manifests contain no Deployment (found: ${kinds}). Flightdeck deploys a Deployment; add one.`,
      input,
    );
  }
  return deployments;
}
