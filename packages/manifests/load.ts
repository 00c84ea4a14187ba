import { existsSync, globSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { Composer, LineCounter, Parser } from 'yaml';
import { ConfigurationError } from '../core/errors';
import type { Deployment, KubeObject } from '../kube/types';

/** Where a manifest came from, for error messages: `k8s/app.yaml:12 (document 2)`. */
export interface ManifestSource {
  file: string;
  /** 1-based line where the document starts. */
  line: number;
  /** 1-based index of the document within its file. */
  document: number;
}

export interface Manifest {
  object: KubeObject;
  source: ManifestSource;
}

export interface LoadOptions {
  /** Base for relative paths and globs. Default: GITHUB_WORKSPACE, else the current directory. */
  cwd?: string;
  /** The action input to name in errors. Default "manifests". */
  input?: string;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * The most manifest text one run reads, all files together. An application's manifests are a few
 * kilobytes, and the apiserver takes at most ~3 MiB per object; the parsed objects cost about 40
 * times their text in memory, so more than this would push a runner toward its memory limit.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const GLOB_CHARS = /[*?[\]{}]/;

export function describeSource(source: ManifestSource, cwd = process.cwd()): string {
  return `${relative(cwd, source.file) || source.file}:${source.line} (document ${source.document})`;
}

/**
 * Load manifests from files, directories (their *.yaml, *.yml and *.json,
 * not recursive, like `kubectl apply -f dir`) and globs (`k8s/**\/*.yaml` for
 * recursion), in the order given. Multi-document YAML and `kind: List` are
 * expanded. Errors name the input and the file and line.
 */
export function loadManifests(patterns: string[], options: LoadOptions = {}): Manifest[] {
  const input = options.input ?? 'manifests';
  const cwd = options.cwd ?? process.env.GITHUB_WORKSPACE ?? process.cwd();
  if (patterns.length === 0)
    throw new ConfigurationError(`Input "${input}" is empty. List manifest files, directories or globs, one per line.`, input);
  const files = resolveFiles(patterns, cwd, input);
  // Sizes first, so an oversized set is refused before any of it is read.
  const sizes = files.map((file) => statSync(file).size);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total > MAX_MANIFEST_BYTES) {
    const largest = files[sizes.indexOf(Math.max(...sizes))]!;
    throw tooLarge(input, `the ${files.length} manifest file(s) hold ${mib(total)}`, `the largest is ${relative(cwd, largest) || largest}`);
  }
  return files.flatMap((file) => parseManifestFile(file, readFileSync(file, 'utf8'), input));
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function tooLarge(input: string, what: string, where: string): ConfigurationError {
  return new ConfigurationError(
    `Input "${input}": ${what}, more than the ${mib(MAX_MANIFEST_BYTES)} a deploy reads (${where}). ` +
      "Deploy only the application's own objects (Deployment, Service, …); leave CRDs and generated bundles to the platform.",
    input,
  );
}

/** The files the patterns name, each once, in the order the patterns give them. */
export function resolveFiles(patterns: string[], cwd: string, input = 'manifests'): string[] {
  const files: string[] = [];
  const add = (file: string) => {
    if (!files.includes(file)) files.push(file);
  };
  for (const pattern of patterns) {
    if (GLOB_CHARS.test(pattern)) {
      const matches = globSync(pattern, { cwd })
        .map((match) => resolve(cwd, match))
        .filter((match) => statSync(match).isFile() && MANIFEST_EXTENSIONS.has(extname(match)))
        .sort();
      if (matches.length === 0)
        throw new ConfigurationError(`Input "${input}": the glob "${pattern}" matched no .yaml, .yml or .json file under ${cwd}.`, input);
      matches.forEach(add);
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
      const inside = readdirSync(path)
        .filter((name) => MANIFEST_EXTENSIONS.has(extname(name)))
        .map((name) => join(path, name))
        .filter((file) => statSync(file).isFile())
        .sort();
      if (inside.length === 0)
        throw new ConfigurationError(`Input "${input}": the directory "${pattern}" holds no .yaml, .yml or .json file.`, input);
      inside.forEach(add);
      continue;
    }
    add(path);
  }
  return files;
}

/**
 * Parse one file's documents, one at a time (only the current document's syntax tree is held, not
 * every document's). Empty documents (a trailing `---`) are skipped.
 */
export function parseManifestFile(file: string, text: string, input = 'manifests'): Manifest[] {
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) throw tooLarge(input, `${file} holds ${mib(Buffer.byteLength(text))}`, file);
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  const manifests: Manifest[] = [];
  let index = 0;
  for (const document of new Composer().compose(parser.parse(text))) {
    index++;
    // The first node's offset, not the document's: that one can sit on the previous document's last line.
    const start = document.contents?.range?.[0] ?? document.range[0];
    const source = { file, line: lineCounter.linePos(start).line, document: index };
    const error = document.errors[0];
    if (error) {
      const position = lineCounter.linePos(error.pos[0]);
      const problem = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigurationError(
        `Input "${input}": malformed YAML in ${file} at line ${position.line}, column ${position.col}: ${problem}.`,
        input,
      );
    }
    let value: unknown;
    try {
      value = document.toJS();
    } catch (failure) {
      // yaml stops expanding aliases past a limit (the "billion laughs" attack); say where, and which input.
      if (failure instanceof ReferenceError && /alias/i.test(failure.message)) {
        throw new ConfigurationError(
          `Input "${input}": ${describeSource(source)} expands YAML aliases (*name) into far more data than it holds, as a resource-exhaustion ("billion laughs") file does; it is refused. Write the repeated values out, or use fewer aliases.`,
          input,
        );
      }
      throw failure;
    }
    if (value === null || value === undefined) continue;
    for (const object of expandList(value)) manifests.push({ object: checkObject(object, { ...source }, input), source });
  }
  return manifests;
}

function expandList(value: unknown): unknown[] {
  const object = value as { kind?: unknown; items?: unknown };
  if (
    object &&
    typeof object === 'object' &&
    typeof object.kind === 'string' &&
    object.kind.endsWith('List') &&
    Array.isArray(object.items)
  )
    return object.items;
  return [value];
}

function checkObject(value: unknown, source: ManifestSource, input: string): KubeObject {
  const where = `${source.file}:${source.line} (document ${source.document})`;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigurationError(
      `Input "${input}": ${where} is not a Kubernetes object (expected a mapping with apiVersion, kind and metadata).`,
      input,
    );
  }
  const object = value as Partial<KubeObject>;
  const missing = [
    typeof object.apiVersion === 'string' ? undefined : 'apiVersion',
    typeof object.kind === 'string' ? undefined : 'kind',
    typeof object.metadata?.name === 'string' && object.metadata.name !== '' ? undefined : 'metadata.name',
  ].filter(Boolean);
  if (missing.length > 0) throw new ConfigurationError(`Input "${input}": ${where} lacks ${missing.join(', ')}.`, input);
  return object as KubeObject;
}

export function isDeployment(object: KubeObject): object is Deployment {
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
