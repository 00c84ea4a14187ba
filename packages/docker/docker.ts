import * as core from '@actions/core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandResult } from '../core/exec';
import { buildxBuildArgs, classicBuildArgs, type BuildPlan, type Builder } from './build';
import { explainDockerFailure } from './failures';

/** The Docker CLI, driven with argument arrays. Credentials only ever travel on stdin. */

/** What buildx's GitHub Actions cache backend reads; children get them only for a gha-cached build. */
export const GHA_CACHE_VARIABLES = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_CACHE_URL', 'ACTIONS_RESULTS_URL', 'ACTIONS_CACHE_SERVICE_V2'];

export async function login(registry: string, username: string, password: string): Promise<void> {
  const result = await runCommand('docker', ['login', '--username', username, '--password-stdin', registry], { input: password });
  if (result.exitCode !== 0) throw explainDockerFailure('login', registry, output(result), result.exitCode);
  core.info(`Logged in to ${registry}.`);
}

export async function logout(registry: string): Promise<void> {
  const result = await runCommand('docker', ['logout', registry]);
  if (result.exitCode !== 0) throw new Error(`docker logout ${registry} failed: ${output(result).trim()}`);
  core.info(`Logged out of ${registry}.`);
}

export async function buildxAvailable(): Promise<boolean> {
  try {
    return (await runCommand('docker', ['buildx', 'version'])).exitCode === 0;
  } catch {
    return false;
  }
}

export interface BuildResult {
  /** The local image ID (classic builder, or buildx --load). */
  imageId?: string;
  /** The pushed manifest digest, when buildx pushed as part of the build. */
  digest?: string;
}

export async function build(builder: Builder, plan: BuildPlan): Promise<BuildResult> {
  const scratch = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'build-'));
  try {
    if (builder === 'classic') {
      const idFile = join(scratch, 'iid');
      const result = await runCommand('docker', classicBuildArgs(plan, idFile), { stream: true, env: { DOCKER_BUILDKIT: '0' } });
      if (result.exitCode !== 0) throw explainDockerFailure('build', plan.dockerfile, output(result), result.exitCode);
      return { imageId: readFileSync(idFile, 'utf8').trim() };
    }
    const metadataFile = join(scratch, 'metadata.json');
    const result = await runCommand('docker', buildxBuildArgs(plan, metadataFile), {
      stream: true,
      passEnv: plan.cacheType === 'gha' ? GHA_CACHE_VARIABLES : [],
    });
    if (result.exitCode !== 0)
      throw explainDockerFailure(plan.push ? 'push' : 'build', plan.tags[0] ?? plan.dockerfile, output(result), result.exitCode);
    const metadata = JSON.parse(readFileSync(metadataFile, 'utf8')) as Record<string, unknown>;
    return {
      imageId: typeof metadata['containerimage.config.digest'] === 'string' ? metadata['containerimage.config.digest'] : undefined,
      digest: typeof metadata['containerimage.digest'] === 'string' ? metadata['containerimage.digest'] : undefined,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Best effort: an image to reuse layers from may not exist yet (first build of a branch). */
export async function pullForCache(ref: string): Promise<boolean> {
  const result = await runCommand('docker', ['pull', ref]);
  if (result.exitCode === 0) core.info(`Pulled ${ref} to reuse its layers.`);
  else core.info(`No cache image at ${ref}; building without it.`);
  return result.exitCode === 0;
}

const PUSHED_DIGEST = /digest: (sha256:[0-9a-f]{64})/;

/** Push one tag and return the manifest digest the registry reported. */
export async function push(ref: string): Promise<string> {
  const result = await runCommand('docker', ['push', ref], { stream: true });
  if (result.exitCode !== 0) throw explainDockerFailure('push', ref, output(result), result.exitCode);
  const digest = PUSHED_DIGEST.exec(result.stdout)?.[1];
  return digest ?? (await repoDigest(ref));
}

/** Fallback for CLIs that print no digest: the engine records it in RepoDigests after a push. */
export async function repoDigest(ref: string): Promise<string> {
  const result = await runCommand('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
  const repository = ref.replace(/:[^:/]+$/, '');
  const digests = result.exitCode === 0 ? (JSON.parse(result.stdout) as string[]) : [];
  const found = digests.find((entry) => entry.startsWith(`${repository}@`));
  if (!found) throw new Error(`Pushed ${ref}, but neither docker push nor docker image inspect reported its digest.`);
  return found.slice(repository.length + 1);
}

/** Uncompressed size in bytes, as `docker images` shows it. */
export async function imageSize(ref: string): Promise<number | undefined> {
  const result = await runCommand('docker', ['image', 'inspect', '--format', '{{.Size}}', ref]);
  const size = Number(result.stdout.trim());
  return result.exitCode === 0 && Number.isFinite(size) ? size : undefined;
}

function output(result: CommandResult): string {
  return `${result.stdout}\n${result.stderr}`;
}
