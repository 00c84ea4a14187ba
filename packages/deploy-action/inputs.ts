import { findRegion, resolveRegion } from '../aws/config';
import { ConfigurationError, invalidInput } from '../core/errors';
import { getBoolean, getDuration, getEnum, getList, getNumber, getOptional, getString, parseNumber, splitList } from '../core/inputs';
import { TRAFFIC_MODES } from '../deploy/plan';
import type { AnalysisOptions, InputNames, PromoteOptions, TrafficOptions } from '../deploy/types';
import { ANALYSIS_INPUT, readTrackAnalysisInputs, type TrackAnalysisInputs } from './analysis-inputs';

/**
 * Input readers shared by canary-deploy, rolling-promote, rollback and the
 * root release action. Each input name is written once, here, and every
 * reader throws a ConfigurationError naming the input before anything changes.
 * They return the engine's shapes (packages/deploy/types.ts).
 */
export const INPUT = {
  kubeconfig: 'kubeconfig',
  clusterName: 'cluster-name',
  awsRegion: 'aws-region',
  namespace: 'namespace',
  manifests: 'manifests',
  images: 'images',
  deployment: 'deployment',
  traffic: 'traffic',
  service: 'service',
  ingress: 'ingress',
  percentage: 'percentage',
  steps: 'steps',
  bakeTime: 'bake-time',
  analysisInterval: 'analysis-interval',
  readyTimeout: 'ready-timeout',
  maxRestarts: 'max-restarts',
  httpUrl: 'http-url',
  httpExpectedStatus: 'http-expected-status',
  httpRequests: 'http-requests',
  httpSuccessRate: 'http-success-rate',
  httpMaxP95: 'http-max-p95',
  httpTimeout: 'http-timeout',
  cloudwatchAlarms: 'cloudwatch-alarms',
  prometheusUrl: 'prometheus-url',
  prometheusQuery: 'prometheus-query',
  prometheusMax: 'prometheus-max',
  autoPromote: 'auto-promote',
  maxSurge: 'max-surge',
  maxUnavailable: 'max-unavailable',
  rolloutTimeout: 'rollout-timeout',
  undo: 'undo',
  toRevision: 'to-revision',
  githubToken: 'github-token',
  environment: 'environment',
  environmentUrl: 'environment-url',
  requireEvidenceFrom: 'require-evidence-from',
  // The canary-only analysis' inputs, read by analysis-inputs.ts.
  ...ANALYSIS_INPUT,
} as const;

/** The names the engine puts in its errors. */
export const INPUT_NAMES: InputNames = {
  deployment: INPUT.deployment,
  namespace: INPUT.namespace,
  manifests: INPUT.manifests,
  service: INPUT.service,
  ingress: INPUT.ingress,
  rolloutTimeout: INPUT.rolloutTimeout,
  httpPort: INPUT.httpPort,
};

export type ClusterSource = { kind: 'kubeconfig'; kubeconfig: string } | { kind: 'eks'; clusterName: string; region: string };

export interface ClusterInputs {
  source: ClusterSource;
  /** Empty when not given: the manifests, then the kubeconfig context, then "default" decide. */
  namespace?: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;

/**
 * Exactly one way to reach a cluster: the rule for the inputs and for
 * connectCluster, so both say the same thing.
 */
export function checkOneCluster(kubeconfig: string | undefined, clusterName: string | undefined): ClusterSource['kind'] {
  const hasKubeconfig = Boolean(kubeconfig?.trim());
  const hasCluster = Boolean(clusterName?.trim());
  if (hasKubeconfig && hasCluster) {
    throw new ConfigurationError(
      `Inputs "${INPUT.kubeconfig}" and "${INPUT.clusterName}" were both given. Use "${INPUT.clusterName}" (with "${INPUT.awsRegion}") for EKS, or "${INPUT.kubeconfig}" for any other cluster, not both.`,
      INPUT.clusterName,
    );
  }
  if (!hasKubeconfig && !hasCluster) {
    throw new ConfigurationError(
      `No cluster given. Set "${INPUT.clusterName}" (and "${INPUT.awsRegion}") for an EKS cluster, or "${INPUT.kubeconfig}" (contents or a path) for any other.`,
      INPUT.clusterName,
    );
  }
  return hasKubeconfig ? 'kubeconfig' : 'eks';
}

export function readClusterInputs(): ClusterInputs {
  const kubeconfig = getOptional(INPUT.kubeconfig);
  const clusterName = getOptional(INPUT.clusterName);
  checkOneCluster(kubeconfig, clusterName);
  const namespace = readName(INPUT.namespace, DNS_LABEL, 'a namespace name: lower-case letters, digits and "-", at most 63 characters');
  if (kubeconfig) return { source: { kind: 'kubeconfig', kubeconfig }, namespace };
  if (!EKS_CLUSTER_NAME.test(clusterName!))
    throw invalidInput(
      INPUT.clusterName,
      clusterName!,
      'Use the EKS cluster name: letters, digits, "-" and "_", starting with a letter or digit.',
    );
  const region = resolveRegion(getOptional(INPUT.awsRegion), INPUT.awsRegion);
  return { source: { kind: 'eks', clusterName: clusterName!, region }, namespace };
}

export function readName(input: string, pattern: RegExp, what: string): string | undefined {
  const value = getOptional(input);
  if (value !== undefined && !pattern.test(value)) throw invalidInput(input, value, `Use ${what}.`);
  return value;
}

export function readDeploymentName(required: boolean): string | undefined {
  const name = readName(INPUT.deployment, DNS_SUBDOMAIN, 'the Deployment\'s metadata.name (lower-case letters, digits, "-" and ".")');
  if (required && !name)
    throw new ConfigurationError(`Input "${INPUT.deployment}" is required: name the Deployment, e.g. "flask-app".`, INPUT.deployment);
  return name;
}

export interface ManifestInputs {
  /** Files, directories or globs. */
  manifests: string[];
  /** Image references to substitute by repository name. */
  images: string[];
}

export function readManifestInputs(): ManifestInputs {
  const manifests = getList(INPUT.manifests);
  if (manifests.length === 0) {
    throw new ConfigurationError(
      `Input "${INPUT.manifests}" is required: list the manifest files, directories or globs, e.g. "k8s/".`,
      INPUT.manifests,
    );
  }
  const images = getList(INPUT.images);
  for (const image of images) {
    if (!/^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/i.test(image) || /\s/.test(image)) {
      throw invalidInput(
        INPUT.images,
        image,
        'Use full image references such as "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:sha-abc" or "repo/app@sha256:<64 hex>", one per line.',
      );
    }
  }
  return { manifests, images };
}

export interface AnalysisInputs extends AnalysisOptions {
  /** Region for CloudWatch (from aws-region or the environment), when alarms are named: the adapter makes the alarm reader. */
  region?: string;
  /** The canary-only analysis (analysis-inputs.ts), with the region of alb-metrics' clients. */
  tracks?: TrackAnalysisInputs;
}

export function parseHttpUrl(input: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidInput(input, raw, 'Use an absolute http:// or https:// URL, such as "https://app.example.com/healthz".');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidInput(input, raw, 'Use an http:// or https:// URL.');
  return url.toString();
}

export function positiveDuration(input: string, fallbackMs: number): number {
  const ms = getDuration(input, fallbackMs);
  if (ms <= 0) throw invalidInput(input, String(getString(input)), 'Use a duration above zero, such as "30s".');
  return ms;
}

export function readAnalysisInputs(): AnalysisInputs {
  const bakeTimeMs = getDuration(INPUT.bakeTime, 60_000);
  const intervalMs = positiveDuration(INPUT.analysisInterval, 10_000);
  const readyTimeoutMs = positiveDuration(INPUT.readyTimeout, 300_000);
  const maxRestarts = getNumber(INPUT.maxRestarts, 0, { min: 0, integer: true });

  const httpUrl = getOptional(INPUT.httpUrl);
  const http = httpUrl
    ? {
        url: parseHttpUrl(INPUT.httpUrl, httpUrl),
        expectedStatus: getNumber(INPUT.httpExpectedStatus, 200, { min: 100, max: 599, integer: true }),
        requests: getNumber(INPUT.httpRequests, 20, { min: 1, max: 10_000, integer: true }),
        minSuccessRate: getNumber(INPUT.httpSuccessRate, 95, { min: 0, max: 100 }),
        maxP95Ms: positiveDuration(INPUT.httpMaxP95, 1000),
        timeoutMs: positiveDuration(INPUT.httpTimeout, 5000),
      }
    : undefined;
  if (!http) {
    for (const dependent of [INPUT.httpExpectedStatus, INPUT.httpRequests, INPUT.httpSuccessRate, INPUT.httpMaxP95, INPUT.httpTimeout]) {
      if (getOptional(dependent) !== undefined) {
        throw new ConfigurationError(
          `Input "${dependent}" is set but "${INPUT.httpUrl}" is empty. Give "${INPUT.httpUrl}" to enable the HTTP check.`,
          INPUT.httpUrl,
        );
      }
    }
  }

  const alarms = getList(INPUT.cloudwatchAlarms);
  for (const alarm of alarms) {
    if (alarm.length > 255) throw invalidInput(INPUT.cloudwatchAlarms, alarm, 'Alarm names are at most 255 characters.');
  }
  let region: string | undefined;
  if (alarms.length > 0) {
    region = findRegion(getOptional(INPUT.awsRegion), INPUT.awsRegion);
    if (!region)
      throw new ConfigurationError(`"${INPUT.cloudwatchAlarms}" needs a region: set "${INPUT.awsRegion}" or AWS_REGION.`, INPUT.awsRegion);
  }

  const promUrl = getOptional(INPUT.prometheusUrl);
  const promQuery = getOptional(INPUT.prometheusQuery);
  const promMax = getOptional(INPUT.prometheusMax);
  let prometheus: AnalysisOptions['prometheus'];
  if (promUrl || promQuery || promMax) {
    const missing = [
      [INPUT.prometheusUrl, promUrl],
      [INPUT.prometheusQuery, promQuery],
      [INPUT.prometheusMax, promMax],
    ].find(([, value]) => !value);
    if (missing)
      throw new ConfigurationError(
        `Input "${missing[0]}" is required when any Prometheus input is set: give the URL, the query and its maximum.`,
        missing[0],
      );
    prometheus = {
      url: parseHttpUrl(INPUT.prometheusUrl, promUrl!),
      query: promQuery!,
      maxValue: parseNumber(INPUT.prometheusMax, promMax!),
    };
  }
  return { bakeTimeMs, intervalMs, readyTimeoutMs, maxRestarts, http, alarms, region, prometheus };
}

/**
 * Parse a canary percentage: a whole number from 1 to 100. 0 is refused
 * because a canary that takes no traffic proves nothing.
 */
export function parsePercentage(input: string, raw: string): number {
  const text = raw.trim().replace(/%$/, '');
  const value = Number(text);
  if (text === '' || !/^\d+$/.test(text) || !Number.isInteger(value) || value < 1 || value > 100) {
    throw invalidInput(input, raw, 'Use a whole percentage from 1 to 100, such as "10" or "25%".');
  }
  return value;
}

/** Parse "10,25,50": each a percentage, strictly increasing, so every step sends the canary more traffic. */
export function parseSteps(input: string, raw: string): number[] {
  const items = splitList(raw);
  if (items.length === 0) throw invalidInput(input, raw, 'List one or more percentages, such as "10,25,50".');
  const steps = items.map((item) => parsePercentage(input, item));
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]! <= steps[i - 1]!) {
      throw new ConfigurationError(
        `Input "${input}" is invalid: got ${JSON.stringify(raw)}. Steps must increase (${steps[i - 1]} is followed by ${steps[i]}); list them in rising order, such as "10,25,50".`,
        input,
      );
    }
  }
  return steps;
}

export function readTrafficInputs(): TrafficOptions {
  const mode = getEnum(INPUT.traffic, TRAFFIC_MODES, 'pod');
  const percentage = getOptional(INPUT.percentage);
  const stepsRaw = getOptional(INPUT.steps);
  if (percentage && stepsRaw) {
    throw new ConfigurationError(
      `Inputs "${INPUT.percentage}" and "${INPUT.steps}" were both given. Use "${INPUT.percentage}" for one step or "${INPUT.steps}" for several, not both.`,
      INPUT.steps,
    );
  }
  const steps = stepsRaw ? parseSteps(INPUT.steps, stepsRaw) : [percentage ? parsePercentage(INPUT.percentage, percentage) : 20];
  const service = readName(INPUT.service, DNS_LABEL, 'a Service name');
  const ingress = readName(INPUT.ingress, DNS_SUBDOMAIN, 'an Ingress name');
  if (mode === 'pod' && ingress)
    throw new ConfigurationError(
      `Input "${INPUT.ingress}" only applies to traffic "alb"; remove it or set "${INPUT.traffic}: alb".`,
      INPUT.ingress,
    );
  return { mode, steps, service, ingress };
}

/**
 * maxSurge/maxUnavailable: a whole number or a percentage, by Kubernetes' rules: a surge may
 * exceed 100% (200% starts twice the replicas at once), an unavailable share may not.
 */
function readIntOrPercent(input: string, maxPercent: number | undefined): string | undefined {
  const value = getOptional(input);
  if (value === undefined) return undefined;
  if (!/^\d+%?$/.test(value)) {
    throw invalidInput(input, value, 'Use a whole number of pods such as "1" or a percentage such as "25%".');
  }
  if (maxPercent !== undefined && value.endsWith('%') && Number(value.slice(0, -1)) > maxPercent) {
    throw invalidInput(input, value, `Use a percentage of at most ${maxPercent}%, or a whole number of pods such as "1".`);
  }
  return value;
}

export function readPromoteInputs(): PromoteOptions {
  const maxSurge = readIntOrPercent(INPUT.maxSurge, undefined);
  const maxUnavailable = readIntOrPercent(INPUT.maxUnavailable, 100);
  if (maxSurge !== undefined && maxUnavailable !== undefined && parseInt(maxSurge) === 0 && parseInt(maxUnavailable) === 0) {
    throw new ConfigurationError(
      `Inputs "${INPUT.maxSurge}" and "${INPUT.maxUnavailable}" cannot both be 0: the rollout could never make progress.`,
      INPUT.maxUnavailable,
    );
  }
  return { maxSurge, maxUnavailable, timeoutMs: positiveDuration(INPUT.rolloutTimeout, 600_000) };
}

export interface ReportingInputs {
  githubToken?: string;
  /** The environment whose successful GitHub Deployments must have recorded every image (evidence-gated promotion). */
  requireEvidenceFrom?: string;
  environment: string;
  environmentUrl?: string;
}

export function readReportingInputs(): ReportingInputs {
  const githubToken = getOptional(INPUT.githubToken);
  const environment = getString(INPUT.environment, 'production');
  const url = getOptional(INPUT.environmentUrl);
  const requireEvidenceFrom = getOptional(INPUT.requireEvidenceFrom);
  if (requireEvidenceFrom && !githubToken)
    throw new ConfigurationError(
      `Input "${INPUT.requireEvidenceFrom}" needs "${INPUT.githubToken}" (deployments: read) to look up the Deployments of "${requireEvidenceFrom}".`,
      INPUT.githubToken,
    );
  if (requireEvidenceFrom !== undefined && requireEvidenceFrom === environment)
    throw new ConfigurationError(
      `Input "${INPUT.requireEvidenceFrom}" names "${environment}", the environment this release is for; name the one before it, e.g. "qa".`,
      INPUT.requireEvidenceFrom,
    );
  return { githubToken, requireEvidenceFrom, environment, environmentUrl: url ? parseHttpUrl(INPUT.environmentUrl, url) : undefined };
}

export interface CanaryFlowInputs {
  cluster: ClusterInputs;
  manifests: ManifestInputs;
  deployment?: string;
  traffic: TrafficOptions;
  analysis: AnalysisInputs;
  autoPromote: boolean;
  promote: PromoteOptions;
  reporting: ReportingInputs;
}

export interface PromoteFlowInputs {
  cluster: ClusterInputs;
  deployment: string;
  promote: PromoteOptions;
  reporting: ReportingInputs;
}

export interface RollbackFlowInputs {
  cluster: ClusterInputs;
  deployment: string;
  undo: boolean;
  toRevision?: number;
  timeoutMs: number;
  reporting: ReportingInputs;
}

export function readAutoPromote(): boolean {
  return getBoolean(INPUT.autoPromote, false);
}

/** Every input of a canary run (canary-deploy and the root release action), validated before anything touches the cluster. */
export function readCanaryFlowInputs(autoPromote: boolean): CanaryFlowInputs {
  return {
    cluster: readClusterInputs(),
    manifests: readManifestInputs(),
    deployment: readDeploymentName(false),
    traffic: readTrafficInputs(),
    analysis: { ...readAnalysisInputs(), tracks: readTrackAnalysisInputs() },
    autoPromote,
    promote: readPromoteInputs(),
    reporting: readReportingInputs(),
  };
}

export function readUndo(): { undo: boolean; toRevision?: number } {
  const undo = getBoolean(INPUT.undo, false);
  const raw = getOptional(INPUT.toRevision);
  const toRevision = raw === undefined ? undefined : parseNumber(INPUT.toRevision, raw, { min: 1, integer: true });
  if (toRevision !== undefined && !undo)
    throw new ConfigurationError(`Input "${INPUT.toRevision}" needs "${INPUT.undo}: true".`, INPUT.toRevision);
  return { undo, toRevision };
}
