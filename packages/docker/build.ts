/**
 * The docker command lines for a build, as pure functions of a plan, so the
 * exact argv is unit-tested for both builders. Nothing here runs a process.
 */

export type Builder = 'buildx' | 'classic';

/**
 * none:     no cache import.
 * registry: reuse layers of images already in the registry (cache-from refs). The only kind
 *           the classic builder understands: it pulls those images and passes --cache-from.
 * inline:   buildx writes cache metadata into the pushed image (--cache-to type=inline) and
 *           reads it back from cache-from refs next time.
 * gha:      buildx's GitHub Actions cache backend.
 */
export const CACHE_TYPES = ['none', 'registry', 'inline', 'gha'] as const;
export type CacheType = (typeof CACHE_TYPES)[number];

export interface BuildPlan {
  context: string;
  dockerfile: string;
  /** Full references (registry/repo:tag). */
  tags: string[];
  labels: Record<string, string>;
  buildArgs: Record<string, string>;
  platforms: string[];
  target?: string;
  cacheType: CacheType;
  cacheFrom: string[];
  push: boolean;
}

export function classicBuildArgs(plan: BuildPlan, imageIdFile: string): string[] {
  const args = ['build', '--file', plan.dockerfile, '--iidfile', imageIdFile];
  for (const tag of plan.tags) args.push('--tag', tag);
  for (const [key, value] of Object.entries(plan.labels)) args.push('--label', `${key}=${value}`);
  for (const [key, value] of Object.entries(plan.buildArgs)) args.push('--build-arg', `${key}=${value}`);
  if (plan.platforms[0]) args.push('--platform', plan.platforms[0]);
  if (plan.target) args.push('--target', plan.target);
  if (plan.cacheType === 'registry' || plan.cacheType === 'inline') {
    for (const ref of plan.cacheFrom) args.push('--cache-from', ref);
  }
  args.push(plan.context);
  return args;
}

export function buildxBuildArgs(plan: BuildPlan, metadataFile: string): string[] {
  const args = ['buildx', 'build', '--file', plan.dockerfile, '--metadata-file', metadataFile];
  for (const tag of plan.tags) args.push('--tag', tag);
  for (const [key, value] of Object.entries(plan.labels)) args.push('--label', `${key}=${value}`);
  for (const [key, value] of Object.entries(plan.buildArgs)) args.push('--build-arg', `${key}=${value}`);
  if (plan.platforms.length > 0) args.push('--platform', plan.platforms.join(','));
  if (plan.target) args.push('--target', plan.target);
  switch (plan.cacheType) {
    case 'registry':
      for (const ref of plan.cacheFrom) args.push('--cache-from', `type=registry,ref=${ref}`);
      break;
    case 'inline':
      for (const ref of plan.cacheFrom) args.push('--cache-from', `type=registry,ref=${ref}`);
      args.push('--cache-to', 'type=inline');
      break;
    case 'gha':
      args.push('--cache-from', 'type=gha', '--cache-to', 'type=gha,mode=max');
      break;
    case 'none':
      break;
  }
  // --push sends every tag in one go; --load leaves a single-platform image in the engine for later steps.
  args.push(plan.push ? '--push' : '--load');
  args.push(plan.context);
  return args;
}
