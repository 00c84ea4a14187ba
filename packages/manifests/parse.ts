import { relative } from 'node:path';
import { Composer, LineCounter, Parser } from 'yaml';
import { ConfigurationError } from '../core/errors';
import type { KubeObject } from '../kube/types';
import { textTooLarge } from './budget';

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

export function describeSource(source: ManifestSource, cwd = process.cwd()): string {
  return `${relative(cwd, source.file) || source.file}:${source.line} (document ${source.document})`;
}

/**
 * Parse one file's documents, one at a time (only the current document's syntax tree is held, not
 * every document's). Empty documents (a trailing `---`) are skipped.
 */
export function parseManifestFile(file: string, text: string, input = 'manifests'): Manifest[] {
  const tooLarge = textTooLarge(input, file, text);
  if (tooLarge) throw tooLarge;
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

function isKustomizeConfig(object: Partial<KubeObject>): boolean {
  return (
    object.kind === 'Kustomization' ||
    object.kind === 'Component' ||
    (typeof object.apiVersion === 'string' && object.apiVersion.startsWith('kustomize.config.k8s.io/'))
  );
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
  // A Kustomization is instructions for kustomize, not an object to apply: never send it to the cluster.
  if (isKustomizeConfig(object)) {
    throw new ConfigurationError(
      `Input "${input}": ${where} is a kustomize ${object.kind ?? 'configuration'}, not a Kubernetes object. ` +
        `Pass its folder in "${input}" to have it rendered, or render it yourself ("kubectl kustomize <folder>") and pass the output.`,
      input,
    );
  }
  const missing = [
    typeof object.apiVersion === 'string' ? undefined : 'apiVersion',
    typeof object.kind === 'string' ? undefined : 'kind',
    typeof object.metadata?.name === 'string' && object.metadata.name !== '' ? undefined : 'metadata.name',
  ].filter(Boolean);
  if (missing.length > 0) throw new ConfigurationError(`Input "${input}": ${where} lacks ${missing.join(', ')}.`, input);
  return object as KubeObject;
}
