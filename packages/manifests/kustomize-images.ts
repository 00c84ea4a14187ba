import type { KubeObject } from '../kube/types';
import { parseImageReference, podSpecsOf } from './images';

/** One entry of a kustomization's `images:` list. */
export interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `images:` entries, each checked; what is wrong goes to `problems`, all of it at once. */
export function parseImageRules(value: unknown, problems: string[]): ImageRule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push('"images" must be a list of { name, newName, newTag, digest }');
    return [];
  }
  const rules: ImageRule[] = [];
  value.forEach((entry: unknown, index) => {
    const field = `images[${index}]`;
    if (!isMap(entry)) return problems.push(`"${field}" must be a mapping`);
    const extra = Object.keys(entry).filter((key) => !['name', 'newName', 'newTag', 'digest'].includes(key));
    if (extra.length > 0) problems.push(`"${field}" uses ${extra.map((key) => `"${key}"`).join(', ')}, which Flightdeck does not render`);
    const text = (key: string): string | undefined => {
      const given = entry[key];
      if (given === undefined) return undefined;
      if (typeof given !== 'string' || given === '') problems.push(`"${field}.${key}" must be a non-empty string (quote numeric tags)`);
      return typeof given === 'string' ? given : undefined;
    };
    const rule = { name: text('name'), newName: text('newName'), newTag: text('newTag'), digest: text('digest') };
    if (!rule.name) problems.push(`"${field}" has no name: the image name it replaces, without tag`);
    if (!rule.newName && !rule.newTag && !rule.digest) problems.push(`"${field}" changes nothing: give newName, newTag or digest`);
    if (rule.newName) {
      const parsed = parseImageReference(rule.newName);
      if (parsed.tag || parsed.digest) problems.push(`"${field}.newName" must be a name without tag or digest; use newTag or digest`);
    }
    if (rule.newTag && !TAG.test(rule.newTag)) problems.push(`"${field}.newTag" "${rule.newTag}" is not a valid tag`);
    if (rule.digest && !DIGEST.test(rule.digest)) problems.push(`"${field}.digest" must be "sha256:" and 64 lowercase hex digits`);
    if (rule.name) rules.push(rule as ImageRule);
  });
  return rules;
}

/**
 * kustomize's image transformer: a container whose image name (without tag
 * or digest) equals a rule's name exactly gets the rule's newName, and its
 * digest (which wins) or newTag; what a rule does not set is kept. An entry
 * that matches nothing changes nothing, as in kustomize.
 */
export function applyKustomizeImages(object: KubeObject, rules: ImageRule[]): void {
  if (rules.length === 0) return;
  for (const spec of podSpecsOf(object)) {
    for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      if (!container.image) continue;
      const current = parseImageReference(container.image);
      const rule = rules.find((candidate) => candidate.name === current.name);
      if (!rule) continue;
      const name = rule.newName ?? current.name;
      if (rule.digest) container.image = `${name}@${rule.digest}`;
      else if (rule.newTag) container.image = `${name}:${rule.newTag}`;
      else container.image = `${name}${current.tag ? `:${current.tag}` : ''}${current.digest ? `@${current.digest}` : ''}`;
    }
  }
}
