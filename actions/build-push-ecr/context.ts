import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigurationError, invalidInput } from '../../packages/core/errors';
import { InputErrorCollector } from '../../packages/core/input-errors';
import {
  getBoolean,
  getDuration,
  getEnum,
  getList,
  getOptional,
  getOptionalNumber,
  getRequired,
  getString,
} from '../../packages/core/inputs';
import { findRegion, resolveRegion } from '../../packages/aws/config';
import { SEVERITIES, type Severity } from '../../packages/aws/severity';
import { CACHE_TYPES, type Builder, type CacheType } from '../../packages/docker/build';
import { BUILD_ARG_KEY, LABEL_KEY, parseKeyValueLines } from '../../packages/docker/labels';
import { AUTO_TAG_KINDS, validateTags, type AutoTagKind } from '../../packages/docker/tags';
import * as core from '@actions/core';

/** Saved by main for the post step: the registry to log out of. */
export const STATE_REGISTRY = 'registry';

/** Input names, exactly as action.yml declares them. */
export const INPUT = {
  repository: 'repository',
  context: 'context',
  dockerfile: 'dockerfile',
  buildArgs: 'build-args',
  labels: 'labels',
  tags: 'tags',
  autoTags: 'auto-tags',
  push: 'push',
  builder: 'builder',
  platforms: 'platforms',
  target: 'target',
  cacheType: 'cache-type',
  cacheFrom: 'cache-from',
  createRepository: 'create-repository',
  scanOnPush: 'scan-on-push',
  immutableTags: 'immutable-tags',
  lifecycleKeepImages: 'lifecycle-keep-images',
  registryId: 'registry-id',
  region: 'region',
  skipLogout: 'skip-logout',
  scanWait: 'scan-wait',
  scanSeverityThreshold: 'scan-severity-threshold',
  scanTimeout: 'scan-timeout',
} as const;

export interface Inputs {
  repository: string;
  /** Absolute paths, checked to exist. */
  context: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  extraTags: string[];
  autoTags: AutoTagKind[];
  push: boolean;
  builder: Builder | 'auto';
  platforms: string[];
  target?: string;
  /** Defaults to registry when cache-from is given, none otherwise. */
  cacheType: CacheType;
  cacheFrom: string[];
  createRepository: boolean;
  scanOnPush: boolean;
  immutableTags: boolean;
  lifecycleKeepImages?: number;
  registryId?: string;
  /** Undefined only for a build that never talks to ECR (push: false, no cache-from) and was given no region. */
  region?: string;
  skipLogout: boolean;
  scanWait: boolean;
  scanSeverityThreshold: Severity;
  scanTimeoutMs: number;
}

/** Reads and validates every input before the action calls AWS or Docker; every bad one is reported in one error. */
export function getInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const errors = new InputErrorCollector();
  const read = errors.read.bind(errors);
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const repository = read(() => parseRepositoryName(getRequired(INPUT.repository)));
  const context = read(() => existingPath(workspace, getString(INPUT.context, '.'), INPUT.context, 'directory'));
  const dockerfileInput = getOptional(INPUT.dockerfile);
  // The default Dockerfile is looked for in the context: only when the context is there.
  const dockerfile = dockerfileInput
    ? read(() => existingPath(workspace, dockerfileInput, INPUT.dockerfile, 'file'))
    : context === undefined
      ? undefined
      : read(() => defaultDockerfile(context));
  const cacheFrom = getList(INPUT.cacheFrom).filter((ref) => read(() => validateImageRef(INPUT.cacheFrom, ref)) !== undefined);
  const push = read(() => getBoolean(INPUT.push, true));
  const platforms = getList(INPUT.platforms).filter((platform) => read(() => validatePlatform(platform)) !== undefined);
  errors.check(!(push === false && platforms.length > 1), () =>
    invalidInput(
      INPUT.platforms,
      platforms.join(','),
      'A multi-platform image cannot be loaded into the local engine; set "push: true" or give one platform.',
    ),
  );
  const usesEcr = push !== false || getList(INPUT.cacheFrom).length > 0;
  const inputs: Partial<Inputs> = {
    repository,
    context,
    dockerfile,
    buildArgs: read(() => parseKeyValueLines(INPUT.buildArgs, core.getInput(INPUT.buildArgs), BUILD_ARG_KEY, 'build argument')),
    labels: read(() => parseKeyValueLines(INPUT.labels, core.getInput(INPUT.labels), LABEL_KEY, 'label')),
    extraTags: read(() => validateTags(INPUT.tags, getList(INPUT.tags))),
    autoTags: read(parseAutoTags),
    push,
    builder: read(() => getEnum(INPUT.builder, ['auto', 'buildx', 'classic'] as const, 'auto')),
    platforms,
    target: getOptional(INPUT.target),
    cacheType: read(() => getEnum(INPUT.cacheType, CACHE_TYPES, cacheFrom.length > 0 ? 'registry' : 'none')),
    cacheFrom,
    createRepository: read(() => getBoolean(INPUT.createRepository, false)),
    scanOnPush: read(() => getBoolean(INPUT.scanOnPush, true)),
    immutableTags: read(() => getBoolean(INPUT.immutableTags, true)),
    lifecycleKeepImages: read(() => getOptionalNumber(INPUT.lifecycleKeepImages, { min: 1, max: 10_000, integer: true })),
    registryId: read(() => parseRegistryId(getOptional(INPUT.registryId))),
    // A build-only run (a pull request's image check) needs no AWS access at all, so no region either.
    region: read(() => (usesEcr ? resolveRegion : findRegion)(getOptional(INPUT.region), INPUT.region, env)),
    skipLogout: read(() => getBoolean(INPUT.skipLogout, false)),
    scanWait: read(() => getBoolean(INPUT.scanWait, false)),
    scanSeverityThreshold: read(() => getEnum(INPUT.scanSeverityThreshold, SEVERITIES, 'HIGH')),
    scanTimeoutMs: read(() => getDuration(INPUT.scanTimeout, 10 * 60_000)),
  };
  errors.check(!(inputs.scanWait && push === false), () =>
    invalidInput(INPUT.scanWait, 'true', 'ECR scans pushed images only; set "push: true" or turn "scan-wait" off.'),
  );
  errors.throwIfAny();
  return inputs as Inputs;
}

/** push: false and no cache to pull: the image is built into the local engine and ECR is never called. */
export function isBuildOnly(inputs: Pick<Inputs, 'push' | 'cacheFrom'>): boolean {
  return !inputs.push && inputs.cacheFrom.length === 0;
}

/** ECR's rule for repository names (CreateRepository's repositoryName constraint). */
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function parseRepositoryName(name: string): string {
  const hint =
    name.includes('.amazonaws.com/') || name.includes(':') || name.includes('@')
      ? ' Give only the repository name (e.g. "team/web"), without the registry host, tag or digest.'
      : '';
  if (name.length < 2 || name.length > 256 || !REPOSITORY_NAME.test(name)) {
    throw invalidInput(
      INPUT.repository,
      name,
      'An ECR repository name is 2–256 characters of lowercase letters, digits and "._-", in "/"-separated parts that start and end with a letter or digit.' +
        hint,
    );
  }
  return name;
}

function parseAutoTags(): AutoTagKind[] {
  const kinds = getList(INPUT.autoTags);
  if (kinds.length === 0) return [...AUTO_TAG_KINDS];
  if (kinds.length === 1 && kinds[0] === 'none') return [];
  for (const kind of kinds) {
    if (!(AUTO_TAG_KINDS as readonly string[]).includes(kind)) {
      throw invalidInput(INPUT.autoTags, kind, `Use a list of ${AUTO_TAG_KINDS.join(', ')}, or "none".`);
    }
  }
  return kinds as AutoTagKind[];
}

function parseRegistryId(id: string | undefined): string | undefined {
  if (id !== undefined && !/^\d{12}$/.test(id))
    throw invalidInput(INPUT.registryId, id, 'Use the 12-digit AWS account ID that owns the registry.');
  return id;
}

function validatePlatform(platform: string): string {
  if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(platform)) {
    throw invalidInput(INPUT.platforms, platform, 'Use os/arch[/variant], e.g. "linux/amd64" or "linux/arm64".');
  }
  return platform;
}

/** A loose check of docker's reference grammar: enough to catch typos and spaces before the build starts. */
function validateImageRef(input: string, ref: string): string {
  if (!/^[a-z0-9][a-z0-9._:/-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/.test(ref)) {
    throw invalidInput(input, ref, 'Use image references such as "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:main".');
  }
  return ref;
}

function existingPath(workspace: string, given: string, input: string, kind: 'file' | 'directory'): string {
  const path = isAbsolute(given) ? given : resolve(workspace, given);
  const found = existsSync(path) ? statSync(path) : undefined;
  const ok = kind === 'file' ? found?.isFile() : found?.isDirectory();
  if (!ok) {
    throw new ConfigurationError(
      `Input "${input}" names a ${kind} that does not exist: ${JSON.stringify(given)} (looked for ${path}). ` +
        `Paths are relative to the workspace; check out the repository (actions/checkout) before this step.`,
      input,
    );
  }
  return path;
}

function defaultDockerfile(context: string): string {
  const path = join(context, 'Dockerfile');
  if (!existsSync(path)) {
    throw new ConfigurationError(
      `No Dockerfile in the build context (${path}). Set input "${INPUT.dockerfile}" to its path, or "${INPUT.context}" to the folder that holds it.`,
      INPUT.dockerfile,
    );
  }
  return path;
}
