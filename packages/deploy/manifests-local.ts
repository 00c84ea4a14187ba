import { existsSync, globSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigurationError } from '../core';
import type { Container, KubeObject } from '../kube';
import { INPUT } from './inputs';

/**
 * Until packages/manifests lands: files, directories or globs of YAML,
 * multi-document, with images substituted by repository name.
 */
export async function loadManifestObjects(
  patterns: string[],
  images: string[],
): Promise<{ objects: KubeObject[]; unusedImages: string[] }> {
  const files = patterns.flatMap(expand);
  const objects = files.flatMap(parseFile);
  return { objects, unusedImages: substituteImages(objects, images) };
}

/** The refusal for images no container uses: raised once the manifests are known to hold a Deployment, the likelier mistake. */
export function unusedImagesError(unused: string[]): ConfigurationError {
  return new ConfigurationError(
    `Input "${INPUT.images}": no container in the manifests uses ${unused.map((i) => `"${repositoryOf(i)}"`).join(', ')}. Each image replaces the containers whose image has the same repository name.`,
    INPUT.images,
  );
}

function expand(pattern: string): string[] {
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const path = resolve(workspace, pattern);
  if (/[*?[{]/.test(pattern)) {
    const found = globSync(pattern, { cwd: workspace })
      .map((p) => resolve(workspace, p))
      .filter((p) => /\.ya?ml$/.test(p))
      .sort();
    if (found.length === 0)
      throw new ConfigurationError(
        `Input "${INPUT.manifests}": the pattern "${pattern}" matches no .yaml/.yml file under ${workspace}.`,
        INPUT.manifests,
      );
    return found;
  }
  if (!existsSync(path))
    throw new ConfigurationError(
      `Input "${INPUT.manifests}": "${pattern}" does not exist (looked at ${path}). Check the path relative to the repository root.`,
      INPUT.manifests,
    );
  if (statSync(path).isDirectory()) {
    const found = readdirSync(path)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(path, f));
    if (found.length === 0)
      throw new ConfigurationError(`Input "${INPUT.manifests}": directory "${pattern}" has no .yaml or .yml files.`, INPUT.manifests);
    return found;
  }
  return [path];
}

function parseFile(file: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length) {
      const error = doc.errors[0]!;
      const line = error.linePos?.[0]?.line;
      throw new ConfigurationError(
        `Input "${INPUT.manifests}": ${file}${line ? ` line ${line}` : ''} is not valid YAML: ${error.message.split('\n')[0]}`,
        INPUT.manifests,
      );
    }
    const value = doc.toJS() as KubeObject | null;
    if (value === null) continue;
    if (typeof value !== 'object' || !value.kind || !value.apiVersion || !value.metadata?.name) {
      throw new ConfigurationError(
        `Input "${INPUT.manifests}": ${file} has a document without apiVersion, kind and metadata.name.`,
        INPUT.manifests,
      );
    }
    objects.push(value);
  }
  return objects;
}

/** The repository part of an image reference: no tag, no digest. */
export function repositoryOf(image: string): string {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

function substituteImages(objects: KubeObject[], images: string[]): string[] {
  const used = new Set<string>();
  for (const object of objects) {
    const spec = (object.spec as { template?: { spec?: { containers?: Container[]; initContainers?: Container[] } } } | undefined)?.template
      ?.spec;
    for (const container of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
      for (const image of images) {
        if (container.image && repositoryOf(container.image) === repositoryOf(image)) {
          container.image = image;
          used.add(image);
        }
      }
    }
  }
  return images.filter((i) => !used.has(i));
}
