import * as core from '@actions/core';
import { relative } from 'node:path';
import { awsClientOptions } from '../../packages/aws/config';
import {
  createEcrClient,
  ensureRepository,
  findRepository,
  getRegistryLogin,
  type EcrSender,
  type RegistryLogin,
} from '../../packages/aws/ecr';
import { ConfigurationError } from '../../packages/core/errors';
import type { BuildPlan, Builder } from '../../packages/docker/build';
import { waitForScan } from '../../packages/aws/ecr-scan';
import { findingsAtOrAbove } from '../../packages/aws/severity';
import * as docker from '../../packages/docker/docker';
import { ociLabels, provenanceFromEnv } from '../../packages/docker/labels';
import { mergeTags, type AutoTag } from '../../packages/docker/tags';
import { chooseBuilder } from './builder';
import { INPUT, isBuildOnly, STATE_REGISTRY, type Inputs } from './context';
import { Phases, writeSummary, type BuildReport } from './report';

const ACTION_NAME = 'build-push-ecr';

/**
 * Everything after input validation: ECR, docker, outputs and the summary.
 * main.ts loads this module only once the inputs are known to be good, so a
 * misconfigured step fails before the AWS SDK is even loaded.
 */
export async function publish(inputs: Inputs, derived: AutoTag[]): Promise<void> {
  const builder = await chooseBuilder(inputs);
  const phases = new Phases();
  if (isBuildOnly(inputs)) return buildOnly(inputs, derived, builder, phases);
  const ecr = createEcrClient(awsClientOptions(requireRegion(inputs), ACTION_NAME));

  const login = await phases.run('Authenticate to ECR', () => getRegistryLogin(ecr, inputs.registryId));
  const repository = await phases.run('Check the repository', () =>
    inputs.createRepository
      ? ensureRepository(ecr, {
          name: inputs.repository,
          registryId: inputs.registryId,
          scanOnPush: inputs.scanOnPush,
          immutableTags: inputs.immutableTags,
          keepImages: inputs.lifecycleKeepImages,
        })
      : findRepository(ecr, inputs.repository, inputs.registryId),
  );

  // A moving tag can be written once to an immutable repository, so the second build of a branch would fail.
  const immutable = repository.tagMutability?.startsWith('IMMUTABLE') ?? false;
  const droppedTags = immutable ? derived.filter((tag) => tag.moving).map((tag) => tag.name) : [];
  if (droppedTags.length > 0)
    core.notice(`Not pushing ${droppedTags.join(', ')}: ${inputs.repository} has immutable tags, and these tags move to newer images.`);
  const tagNames = mergeTags(
    derived.filter((tag) => !droppedTags.includes(tag.name)).map((tag) => tag.name),
    inputs.extraTags,
  );
  if (tagNames.length === 0) {
    throw new ConfigurationError(
      `No tag left to push: ${inputs.repository} has immutable tags and "${INPUT.autoTags}" gave only moving tags (${droppedTags.join(', ')}). Add "sha" to "${INPUT.autoTags}" or set "${INPUT.tags}".`,
      INPUT.autoTags,
    );
  }
  const image = `${login.registry}/${inputs.repository}`;
  const refs = tagNames.map((tag) => `${image}:${tag}`);
  const report = newReport(inputs, builder, image, tagNames, { droppedTags, repositoryCreated: repository.created });
  // From here on the summary is written even when a phase fails, so the timings show where.
  try {
    await buildAndPush(inputs, builder, login, refs, derived, phases, report);
    if (inputs.scanWait && report.digest) await waitForScanVerdict(ecr, inputs, report.digest, phases, report);
  } finally {
    await writeSummary(report, phases);
  }
}

/**
 * push: false without cache-from: build into the local engine with no AWS call at all, so a pull request
 * (which has no AWS credentials) can still prove the image builds. The name is the ECR one when the
 * registry is known from "registry-id" and the region, else the bare repository name.
 */
async function buildOnly(inputs: Inputs, derived: AutoTag[], builder: Builder, phases: Phases): Promise<void> {
  const registry = inputs.registryId && inputs.region ? ecrRegistryHost(inputs.registryId, inputs.region) : undefined;
  const image = registry ? `${registry}/${inputs.repository}` : inputs.repository;
  const tags = mergeTags(
    derived.map((tag) => tag.name),
    inputs.extraTags,
  );
  core.info(`push: false, so ECR is not called: building ${image} into the local engine only.`);
  const report = newReport(inputs, builder, image, tags);
  try {
    await buildAndPush(
      inputs,
      builder,
      undefined,
      tags.map((tag) => `${image}:${tag}`),
      derived,
      phases,
      report,
    );
  } finally {
    await writeSummary(report, phases);
  }
}

/** The summary's record, failed until the build (and push) says otherwise. */
function newReport(
  inputs: Inputs,
  builder: Builder,
  image: string,
  tags: string[],
  repository: Pick<BuildReport, 'droppedTags' | 'repositoryCreated'> = { droppedTags: [], repositoryCreated: false },
): BuildReport {
  const dockerfile = relative(process.env.GITHUB_WORKSPACE || process.cwd(), inputs.dockerfile);
  return { image, builder, dockerfile, outcome: 'failed', tags, ...repository };
}

function requireRegion(inputs: Inputs): string {
  // context.ts resolves the region whenever ECR is called; this guards that invariant.
  if (!inputs.region) throw new Error('BUG: no region for an ECR call');
  return inputs.region;
}

/** ECR's registry host for an account and region (standard AWS partition). */
function ecrRegistryHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}

async function buildAndPush(
  inputs: Inputs,
  builder: Builder,
  /** Undefined for a build-only run: nothing to log in to. */
  login: RegistryLogin | undefined,
  refs: string[],
  derived: AutoTag[],
  phases: Phases,
  report: BuildReport,
): Promise<void> {
  if (login) {
    await phases.run(`Log in to ${login.registry}`, async () => {
      await docker.login(login.registry, login.username, login.password);
      core.saveState(STATE_REGISTRY, login.registry);
    });
  }

  const semver = derived.find((tag) => tag.kind === 'semver');
  const labels = { ...ociLabels(provenanceFromEnv(semver?.name ?? report.tags[0])), ...inputs.labels };
  const plan: BuildPlan = {
    context: inputs.context,
    dockerfile: inputs.dockerfile,
    tags: refs,
    labels,
    buildArgs: inputs.buildArgs,
    platforms: inputs.platforms,
    target: inputs.target,
    cacheType: inputs.cacheType,
    cacheFrom: inputs.cacheFrom,
    push: inputs.push,
  };
  const built = await phases.run(`Build with ${builder}`, async () => {
    if (builder === 'classic' && inputs.cacheType !== 'none') for (const ref of inputs.cacheFrom) await docker.pullForCache(ref);
    return docker.build(builder, plan);
  });

  let digest = built.digest;
  if (inputs.push && builder === 'classic') {
    digest = await phases.run(`Push ${refs.length} tag(s)`, () => pushAll(refs));
  }
  report.digest = digest;
  report.outcome = inputs.push ? 'pushed' : 'built';
  report.sizeBytes = builder === 'classic' || !inputs.push ? await docker.imageSize(refs[0]!) : undefined;

  core.setOutput('registry', login?.registry ?? '');
  core.setOutput('image', report.image);
  core.setOutput('digest', digest ?? '');
  core.setOutput('image-ref', digest ? `${report.image}@${digest}` : '');
  core.setOutput('tags', refs.join('\n'));
  core.setOutput('image-id', built.imageId ?? '');
}

/** Fails the step at or above the threshold; the image stays pushed, and the summary says what was found. */
async function waitForScanVerdict(ecr: EcrSender, inputs: Inputs, digest: string, phases: Phases, report: BuildReport): Promise<void> {
  await phases.run('Wait for the image scan', async () => {
    const result = await waitForScan(ecr, {
      repository: inputs.repository,
      registryId: inputs.registryId,
      digest,
      timeoutMs: inputs.scanTimeoutMs,
    });
    report.scan =
      Object.entries(result.counts)
        .map(([severity, count]) => `${severity}: ${count}`)
        .join(', ') || 'no findings';
    const blocking = findingsAtOrAbove(result.counts, inputs.scanSeverityThreshold);
    if (blocking.length > 0) {
      throw new Error(
        `The image scan found ${blocking.map(([severity, count]) => `${count} ${severity}`).join(', ')} finding(s), at or above "${INPUT.scanSeverityThreshold}: ${inputs.scanSeverityThreshold}". The image is pushed (${digest}) but this step fails.`,
      );
    }
  });
}

/** Push every tag; the registry must report one digest for all of them, since they name one image. */
async function pushAll(refs: string[]): Promise<string> {
  let digest: string | undefined;
  for (const ref of refs) {
    const pushed = await docker.push(ref);
    if (digest && pushed !== digest)
      throw new Error(`The registry reported ${pushed} for ${ref} but ${digest} for ${refs[0]}; the tags should name one image.`);
    digest = pushed;
  }
  return digest!;
}
