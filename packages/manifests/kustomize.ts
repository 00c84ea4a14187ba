import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigurationError } from '../core/errors';
import type { KubeObject } from '../kube/types';
import { applyKustomizeImages, parseImageRules, type ImageRule } from './kustomize-images';
import { addLabels, METADATA_LABEL_FIELD, SELECTOR_LABEL_FIELDS, TEMPLATE_LABEL_FIELDS, type LabelField } from './label-fields';
import { ManifestBudget } from './budget';
import { describeSource, parseManifestFile, type Manifest } from './parse';
import { isClusterScoped } from './namespace';

/** The names kustomize looks for in a directory, in its order. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The fields Flightdeck renders; anything else is refused rather than ignored. */
const SUPPORTED = new Set(['apiVersion', 'kind', 'metadata', 'resources', 'namespace', 'images', 'commonLabels', 'labels']);
const API_VERSION = 'kustomize.config.k8s.io/v1beta1';
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export function kustomizationIn(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((name) => join(dir, name)).find((file) => existsSync(file) && statSync(file).isFile());
}

export function isKustomizationFile(file: string): boolean {
  return KUSTOMIZATION_FILES.includes(basename(file));
}

/** What to do instead, in every refusal: render it with kustomize, or keep to the subset. */
function renderItYourself(dir: string): string {
  return (
    `Flightdeck renders resources, namespace, images, commonLabels and labels. For anything else, render the folder ` +
    `yourself ("kubectl kustomize ${dir} > rendered.yaml") and pass that file as "manifests".`
  );
}

interface LabelRule {
  pairs: Record<string, string>;
  fields: LabelField[];
}

interface Kustomization {
  file: string;
  resources: string[];
  namespace?: string;
  images: ImageRule[];
  labels: LabelRule[];
}

/**
 * Render the kustomization in `dir` as `kubectl kustomize` would for the
 * common subset: the resources in the order listed (files, and folders with
 * their own kustomization), then this level's namespace, labels and images
 * over all of them. Everything else kustomize can do is refused with what to
 * pass instead, so nothing is silently left out.
 */
export function renderKustomization(
  dir: string,
  input: string,
  cwd: string,
  budget = new ManifestBudget(input, cwd),
  parents: string[] = [],
): Manifest[] {
  const root = resolve(dir);
  if (parents.includes(root)) {
    throw new ConfigurationError(
      `Input "${input}": the kustomizations form a cycle: ${[...parents, root].map((d) => shown(d, cwd)).join(' -> ')}.`,
      input,
    );
  }
  const file = kustomizationIn(root);
  if (!file) {
    throw new ConfigurationError(
      `Input "${input}": ${shown(root, cwd)} is listed as a kustomize resource but holds no kustomization.yaml. List its files instead, or add one.`,
      input,
    );
  }
  budget.reserve(file);
  const kustomization = readKustomization(file, input, cwd);
  const manifests: Manifest[] = [];
  for (const entry of kustomization.resources) {
    manifests.push(...loadResource(root, entry, kustomization.file, input, cwd, budget, [...parents, root]));
  }
  refuseDuplicates(manifests, input, cwd);
  return manifests.map((manifest) => ({ ...manifest, object: transform(manifest, kustomization, input, cwd) }));
}

function shown(path: string, cwd: string): string {
  return relative(cwd, path) || '.';
}

function loadResource(
  root: string,
  entry: string,
  file: string,
  input: string,
  cwd: string,
  budget: ManifestBudget,
  parents: string[],
): Manifest[] {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) || entry.includes('?ref=')) {
    throw new ConfigurationError(
      `Input "${input}": ${shown(file, cwd)} lists the remote resource "${entry}". Flightdeck reads only local files; ${renderItYourself(shown(root, cwd))}`,
      input,
    );
  }
  const path = resolve(root, entry);
  if (!existsSync(path)) {
    throw new ConfigurationError(
      `Input "${input}": ${shown(file, cwd)} lists "${entry}", which does not exist (looked for ${path}).`,
      input,
    );
  }
  if (statSync(path).isDirectory()) return renderKustomization(path, input, cwd, budget, parents);
  // kustomize's default load restriction: a kustomization reads files only from its own folder and below.
  if (path !== root && !path.startsWith(root + sep)) {
    throw new ConfigurationError(
      `Input "${input}": ${shown(file, cwd)} lists the file "${entry}", outside its folder. As kustomize does, only files in or below ` +
        `the kustomization's folder are read; list the folder that holds it (with its own kustomization.yaml) instead.`,
      input,
    );
  }
  if (!MANIFEST_EXTENSIONS.has(extname(path))) {
    throw new ConfigurationError(
      `Input "${input}": ${shown(file, cwd)} lists "${entry}", which is not a .yaml, .yml or .json file.`,
      input,
    );
  }
  budget.reserve(path);
  return parseManifestFile(path, readFileSync(path, 'utf8'), input);
}

function readKustomization(file: string, input: string, cwd: string): Kustomization {
  const where = shown(file, cwd);
  const document = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigurationError(`Input "${input}": malformed YAML in ${where}: ${document.errors[0]!.message.split('\n')[0]}.`, input);
  }
  const value: unknown = document.toJS();
  if (!isMap(value)) throw new ConfigurationError(`Input "${input}": ${where} is not a mapping of kustomization fields.`, input);

  const problems: string[] = [];
  const unsupported = Object.keys(value).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) problems.push(`it uses ${unsupported.map((key) => `"${key}"`).join(', ')}, which Flightdeck does not render`);
  if (value.kind !== undefined && value.kind !== 'Kustomization') problems.push(`its kind is "${String(value.kind)}", not Kustomization`);
  if (value.apiVersion !== undefined && value.apiVersion !== API_VERSION)
    problems.push(`its apiVersion is "${String(value.apiVersion)}", not ${API_VERSION}`);

  const resources = stringList(value.resources, 'resources', problems);
  if (resources.length === 0 && problems.length === 0) problems.push('it lists no resources');
  let namespace: string | undefined;
  if (value.namespace !== undefined) {
    if (typeof value.namespace === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value.namespace)) namespace = value.namespace;
    else problems.push(`"namespace" must be a namespace name, got ${JSON.stringify(value.namespace)}`);
  }
  const images = parseImageRules(value.images, problems);
  const labels = labelRules(value, problems);
  if (problems.length > 0) {
    throw new ConfigurationError(
      `Input "${input}": ${where} cannot be rendered: ${problems.join('; ')}. ${renderItYourself(shown(dirname(file), cwd))}`,
      input,
    );
  }
  return { file, resources, namespace, images, labels };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, field: string, problems: string[]): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '')) return value as string[];
  problems.push(`"${field}" must be a list of paths`);
  return [];
}

function stringMap(value: unknown, field: string, problems: string[]): Record<string, string> | undefined {
  if (isMap(value) && Object.values(value).every((item) => typeof item === 'string')) return value as Record<string, string>;
  problems.push(`"${field}" must map label names to string values (quote numbers and booleans)`);
  return undefined;
}

function labelRules(value: Record<string, unknown>, problems: string[]): LabelRule[] {
  const rules: LabelRule[] = [];
  if (value.commonLabels !== undefined) {
    const pairs = stringMap(value.commonLabels, 'commonLabels', problems);
    // commonLabels has always reached selectors and pod templates too.
    if (pairs) rules.push({ pairs, fields: [METADATA_LABEL_FIELD, ...TEMPLATE_LABEL_FIELDS, ...SELECTOR_LABEL_FIELDS] });
  }
  if (value.labels === undefined) return rules;
  if (!Array.isArray(value.labels)) {
    problems.push('"labels" must be a list of { pairs, includeSelectors, includeTemplates }');
    return rules;
  }
  value.labels.forEach((entry: unknown, index) => {
    const field = `labels[${index}]`;
    if (!isMap(entry)) return problems.push(`"${field}" must be a mapping`);
    const extra = Object.keys(entry).filter((key) => !['pairs', 'includeSelectors', 'includeTemplates'].includes(key));
    if (extra.length > 0) problems.push(`"${field}" uses ${extra.map((key) => `"${key}"`).join(', ')}, which Flightdeck does not render`);
    for (const flag of ['includeSelectors', 'includeTemplates'] as const) {
      if (entry[flag] !== undefined && typeof entry[flag] !== 'boolean') problems.push(`"${field}.${flag}" must be true or false`);
    }
    const pairs = stringMap(entry.pairs, `${field}.pairs`, problems);
    if (!pairs) return;
    const fields = [METADATA_LABEL_FIELD];
    if (entry.includeSelectors === true) fields.push(...TEMPLATE_LABEL_FIELDS, ...SELECTOR_LABEL_FIELDS);
    else if (entry.includeTemplates === true) fields.push(...TEMPLATE_LABEL_FIELDS);
    rules.push({ pairs, fields });
  });
  return rules;
}

/** kustomize refuses the same object twice in one build; so does Flightdeck, naming both places. */
function refuseDuplicates(manifests: Manifest[], input: string, cwd: string): void {
  const seen = new Map<string, Manifest>();
  for (const manifest of manifests) {
    const { kind, metadata } = manifest.object;
    const id = `${kind}/${metadata.namespace ?? ''}/${metadata.name}`;
    const first = seen.get(id);
    if (first) {
      throw new ConfigurationError(
        `Input "${input}": ${kind} "${metadata.name}" comes twice, from ${describeSource(first.source, cwd)} and ${describeSource(manifest.source, cwd)}. List it once.`,
        input,
      );
    }
    seen.set(id, manifest);
  }
}

function transform(manifest: Manifest, kustomization: Kustomization, input: string, cwd: string): KubeObject {
  const object = structuredClone(manifest.object);
  if (kustomization.namespace && !isClusterScoped(object.kind)) {
    // kustomize also rewrites ServiceAccount subjects of role bindings; rather than guess its rules, refuse.
    const subjects = (object as { subjects?: { kind?: string }[] }).subjects;
    if (/RoleBinding$/.test(object.kind ?? '') && subjects?.some((subject) => subject.kind === 'ServiceAccount')) {
      throw new ConfigurationError(
        `Input "${input}": ${shown(kustomization.file, cwd)} sets a namespace over ${object.kind} "${object.metadata.name}" (${describeSource(manifest.source, cwd)}), ` +
          `whose ServiceAccount subjects kustomize would move too. ${renderItYourself(shown(dirname(kustomization.file), cwd))}`,
        input,
      );
    }
    object.metadata = { ...object.metadata, namespace: kustomization.namespace };
  }
  for (const rule of kustomization.labels) {
    for (const field of rule.fields) addLabels(object, field, rule.pairs);
  }
  applyKustomizeImages(object, kustomization.images);
  return object;
}
