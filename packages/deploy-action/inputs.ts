import { findRegion, resolveRegion } from '../aws/config';
import { ConfigurationError, invalidInput } from '../core/errors';
import { getHeaders } from '../core/headers';
import { collecting, InputErrorCollector } from '../core/input-errors';
import {
  formatDuration,
  getBoolean,
  getDuration,
  getEnum,
  getList,
  getNumber,
  getOptional,
  getString,
  parseNumber,
  splitList,
} from '../core/inputs';
import { maskSecret } from '../core/log';
import { parseUrlInput } from '../core/url';
import { canonicalImageName, parseImageReference } from '../manifests/images';
import { TRAFFIC_MODES } from '../deploy/plan';
import type { AnalysisOptions, InputNames, OnCancel, PromoteOptions, TrafficOptions } from '../deploy/types';
import { ANALYSIS_INPUT, readTrackAnalysisInputs, type TrackAnalysisInputs } from './analysis-inputs';
import { kubeconfigParser, loadKubeconfigParser } from './kubeconfig-parser';

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
  httpHeaders: 'http-headers',
  cloudwatchAlarms: 'cloudwatch-alarms',
  prometheusUrl: 'prometheus-url',
  prometheusQuery: 'prometheus-query',
  prometheusMax: 'prometheus-max',
  prometheusHeaders: 'prometheus-headers',
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
  onCancel: 'on-cancel',
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

/** Loads what the input readers need on demand (the kubeconfig parser, when that input is set): awaited before they run. */
export async function loadInputParsers(): Promise<void> {
  if (getOptional(INPUT.kubeconfig)) await loadKubeconfigParser();
}

/**
 * Every input reader below takes the run's InputErrorCollector: a bad input is noted and the
 * reading goes on, so one run reports every independent mistake (a check that needs another
 * input's value is skipped when that value could not be read). Called without a collector, a
 * reader throws its own errors, as before.
 */
export function readClusterInputs(errors?: InputErrorCollector): ClusterInputs {
  return collecting(errors, (e) => {
    const kubeconfig = getOptional(INPUT.kubeconfig);
    const clusterName = getOptional(INPUT.clusterName);
    const kind = e.read(() => checkOneCluster(kubeconfig, clusterName));
    const namespace = e.read(() =>
      readName(INPUT.namespace, DNS_LABEL, 'a namespace name: lower-case letters, digits and "-", at most 63 characters'),
    );
    if (kind === 'kubeconfig') {
      // Parsed now, with the other inputs, so a bad kubeconfig is reported with them and before any request.
      // Its parser is loaded on demand, by loadInputParsers, before the inputs are read.
      e.read(() => kubeconfigParser().loadKubeconfig(kubeconfig!, { input: INPUT.kubeconfig }));
      return { source: { kind, kubeconfig: kubeconfig! }, namespace };
    }
    if (kind === 'eks') {
      e.check(EKS_CLUSTER_NAME.test(clusterName!), () =>
        invalidInput(
          INPUT.clusterName,
          clusterName!,
          'Use the EKS cluster name: letters, digits, "-" and "_", starting with a letter or digit.',
        ),
      );
      const region = e.read(() => resolveRegion(getOptional(INPUT.awsRegion), INPUT.awsRegion));
      return { source: { kind, clusterName: clusterName!, region: region! }, namespace };
    }
    return { source: undefined as never, namespace };
  });
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

const IMAGE_REFERENCE = /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/i;

export function readManifestInputs(errors?: InputErrorCollector): ManifestInputs {
  return collecting(errors, (e) => {
    const manifests = getList(INPUT.manifests);
    e.check(
      manifests.length > 0,
      () =>
        new ConfigurationError(
          `Input "${INPUT.manifests}" is required: list the manifest files, directories or globs, e.g. "k8s/".`,
          INPUT.manifests,
        ),
    );
    const images = getList(INPUT.images);
    for (const image of images) {
      e.check(IMAGE_REFERENCE.test(image) && !/\s/.test(image), () =>
        invalidInput(
          INPUT.images,
          image,
          'Use full image references such as "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:sha-abc" or "repo/app@sha256:<64 hex>", one per line.',
        ),
      );
    }
    checkOneReferencePerRepository(images, e);
    return { manifests, images };
  });
}

/**
 * Images are put into the manifests by repository: two different references to one repository
 * ("web:1" and "docker.io/library/web:2") would leave the choice to their order. Refused, naming
 * both; the same reference twice is harmless.
 */
function checkOneReferencePerRepository(images: string[], e: InputErrorCollector): void {
  const first = new Map<string, string>();
  for (const image of images) {
    const { name } = parseImageReference(image);
    if (!name) continue;
    const key = canonicalImageName(name);
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, image);
    else if (earlier !== image)
      e.add(
        new ConfigurationError(
          `Input "${INPUT.images}" names the repository "${key}" twice, as ${JSON.stringify(earlier)} and ${JSON.stringify(image)}: which one to deploy is ambiguous. Keep one.`,
          INPUT.images,
        ),
      );
  }
}

export interface AnalysisInputs extends AnalysisOptions {
  /** Region for CloudWatch (from aws-region or the environment), when alarms are named: the adapter makes the alarm reader. */
  region?: string;
  /** The canary-only analysis (analysis-inputs.ts), with the region of alb-metrics' clients. */
  tracks?: TrackAnalysisInputs;
}

const HTTP_URL = { protocols: ['http:', 'https:'], example: 'https://app.example.com/healthz' } as const;

/** An http(s) URL input, without credentials: those go in the matching headers input, which is masked. */
export function parseHttpUrl(input: string, raw: string, headersInput?: string): string {
  return parseUrlInput(input, raw, {
    ...HTTP_URL,
    credentialsFix: headersInput
      ? `send them as a header in the "${headersInput}" input (e.g. "Authorization: Basic <base64 of user:password>"), from a secret.`
      : undefined,
  }).toString();
}

export function positiveDuration(input: string, fallbackMs: number): number {
  const ms = getDuration(input, fallbackMs);
  if (ms <= 0) throw invalidInput(input, String(getString(input)), 'Use a duration above zero, such as "30s".');
  return ms;
}

export function readAnalysisInputs(errors?: InputErrorCollector): AnalysisInputs {
  return collecting(errors, (e) => {
    // Zero is refused as a canary at 0% is: a step judged the moment it starts proves nothing.
    const bakeTimeMs = e.read(() => positiveDuration(INPUT.bakeTime, 60_000));
    const intervalMs = e.read(() => positiveDuration(INPUT.analysisInterval, 10_000));
    if (bakeTimeMs !== undefined && intervalMs !== undefined && intervalMs > bakeTimeMs) {
      e.add(
        new ConfigurationError(
          `Input "${INPUT.analysisInterval}" (${formatDuration(intervalMs)}) is longer than "${INPUT.bakeTime}" (${formatDuration(bakeTimeMs)}): ` +
            `the bake would end before its first sample. Set "${INPUT.analysisInterval}" to at most the bake time, e.g. "${formatDuration(Math.max(1000, Math.floor(bakeTimeMs / 5)))}".`,
          INPUT.analysisInterval,
        ),
      );
    }
    const readyTimeoutMs = e.read(() => positiveDuration(INPUT.readyTimeout, 300_000));
    const maxRestarts = e.read(() => getNumber(INPUT.maxRestarts, 0, { min: 0, integer: true }));

    const httpUrl = getOptional(INPUT.httpUrl);
    let http: AnalysisOptions['http'];
    if (httpUrl) {
      // The headers first: their values are masked before any other input's error could be printed.
      const headers = e.read(() => getHeaders(INPUT.httpHeaders));
      http = {
        url: e.read(() => parseHttpUrl(INPUT.httpUrl, httpUrl, INPUT.httpHeaders))!,
        expectedStatus: e.read(() => getNumber(INPUT.httpExpectedStatus, 200, { min: 100, max: 599, integer: true }))!,
        requests: e.read(() => getNumber(INPUT.httpRequests, 20, { min: 1, max: 10_000, integer: true }))!,
        minSuccessRate: e.read(() => getNumber(INPUT.httpSuccessRate, 95, { min: 0, max: 100 }))!,
        maxP95Ms: e.read(() => positiveDuration(INPUT.httpMaxP95, 1000))!,
        timeoutMs: e.read(() => positiveDuration(INPUT.httpTimeout, 5000))!,
        ...(headers && Object.keys(headers).length > 0 ? { headers } : {}),
      };
    } else {
      for (const dependent of [
        INPUT.httpHeaders,
        INPUT.httpExpectedStatus,
        INPUT.httpRequests,
        INPUT.httpSuccessRate,
        INPUT.httpMaxP95,
        INPUT.httpTimeout,
      ]) {
        if (dependent === INPUT.httpHeaders) e.read(() => getHeaders(INPUT.httpHeaders)); // masked even when unused
        e.check(
          getOptional(dependent) === undefined,
          () =>
            new ConfigurationError(
              `Input "${dependent}" is set but "${INPUT.httpUrl}" is empty. Give "${INPUT.httpUrl}" to enable the HTTP check, or remove "${dependent}".`,
              INPUT.httpUrl,
            ),
        );
      }
    }

    const alarms = getList(INPUT.cloudwatchAlarms);
    for (const alarm of alarms) {
      e.check(alarm.length <= 255, () => invalidInput(INPUT.cloudwatchAlarms, alarm, 'Alarm names are at most 255 characters.'));
    }
    let region: string | undefined;
    if (alarms.length > 0) {
      region = e.read(() => findRegion(getOptional(INPUT.awsRegion), INPUT.awsRegion));
      e.check(
        region !== undefined || e.errors.some((error) => error.input === INPUT.awsRegion),
        () =>
          new ConfigurationError(`"${INPUT.cloudwatchAlarms}" needs a region: set "${INPUT.awsRegion}" or AWS_REGION.`, INPUT.awsRegion),
      );
    }

    const promHeaders = e.read(() => getHeaders(INPUT.prometheusHeaders));
    const promUrl = getOptional(INPUT.prometheusUrl);
    const promQuery = getOptional(INPUT.prometheusQuery);
    const promMax = getOptional(INPUT.prometheusMax);
    let prometheus: AnalysisOptions['prometheus'];
    if (promUrl || promQuery || promMax) {
      for (const [name, value] of [
        [INPUT.prometheusUrl, promUrl],
        [INPUT.prometheusQuery, promQuery],
        [INPUT.prometheusMax, promMax],
      ] as const) {
        e.check(
          Boolean(value),
          () =>
            new ConfigurationError(
              `Input "${name}" is required when any Prometheus input is set: give the URL, the query and its maximum.`,
              name,
            ),
        );
      }
      prometheus = {
        url: promUrl ? e.read(() => parseHttpUrl(INPUT.prometheusUrl, promUrl, INPUT.prometheusHeaders))! : '',
        query: promQuery ?? '',
        maxValue: promMax ? e.read(() => parseNumber(INPUT.prometheusMax, promMax))! : 0,
        ...(promHeaders && Object.keys(promHeaders).length > 0 ? { headers: promHeaders } : {}),
      };
    } else if (promHeaders && Object.keys(promHeaders).length > 0) {
      e.add(
        new ConfigurationError(
          `Input "${INPUT.prometheusHeaders}" is set but "${INPUT.prometheusUrl}" is empty. Give the Prometheus URL, query and maximum, or remove "${INPUT.prometheusHeaders}".`,
          INPUT.prometheusUrl,
        ),
      );
    }
    return {
      bakeTimeMs: bakeTimeMs!,
      intervalMs: intervalMs!,
      readyTimeoutMs: readyTimeoutMs!,
      maxRestarts: maxRestarts!,
      http,
      alarms,
      region,
      prometheus,
    };
  });
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

export function readTrafficInputs(errors?: InputErrorCollector): TrafficOptions {
  return collecting(errors, (e) => {
    const mode = e.read(() => getEnum(INPUT.traffic, TRAFFIC_MODES, 'pod'));
    const percentage = getOptional(INPUT.percentage);
    const stepsRaw = getOptional(INPUT.steps);
    let steps: number[] | undefined;
    if (percentage && stepsRaw) {
      e.add(
        new ConfigurationError(
          `Inputs "${INPUT.percentage}" and "${INPUT.steps}" were both given. Use "${INPUT.percentage}" for one step or "${INPUT.steps}" for several, not both.`,
          INPUT.steps,
        ),
      );
    } else {
      steps = e.read(() =>
        stepsRaw ? parseSteps(INPUT.steps, stepsRaw) : [percentage ? parsePercentage(INPUT.percentage, percentage) : 20],
      );
    }
    const service = e.read(() => readName(INPUT.service, DNS_LABEL, 'a Service name'));
    const ingress = e.read(() => readName(INPUT.ingress, DNS_SUBDOMAIN, 'an Ingress name'));
    e.check(
      !(mode === 'pod' && ingress),
      () =>
        new ConfigurationError(
          `Input "${INPUT.ingress}" only applies to traffic "alb"; remove it or set "${INPUT.traffic}: alb".`,
          INPUT.ingress,
        ),
    );
    return { mode: mode!, steps: steps!, service, ingress };
  });
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

export function readPromoteInputs(errors?: InputErrorCollector): PromoteOptions {
  return collecting(errors, (e) => {
    const maxSurge = e.read(() => readIntOrPercent(INPUT.maxSurge, undefined));
    const maxUnavailable = e.read(() => readIntOrPercent(INPUT.maxUnavailable, 100));
    e.check(
      !(maxSurge !== undefined && maxUnavailable !== undefined && parseInt(maxSurge) === 0 && parseInt(maxUnavailable) === 0),
      () =>
        new ConfigurationError(
          `Inputs "${INPUT.maxSurge}" and "${INPUT.maxUnavailable}" cannot both be 0: the rollout could never make progress. Set one of them above 0, e.g. "${INPUT.maxSurge}: 1".`,
          INPUT.maxUnavailable,
        ),
    );
    const timeoutMs = e.read(() => positiveDuration(INPUT.rolloutTimeout, 600_000));
    return { maxSurge, maxUnavailable, timeoutMs: timeoutMs! };
  });
}

export interface ReportingInputs {
  githubToken?: string;
  /** The environment whose successful GitHub Deployments must have recorded every image (evidence-gated promotion). */
  requireEvidenceFrom?: string;
  environment: string;
  environmentUrl?: string;
}

export function readReportingInputs(errors?: InputErrorCollector): ReportingInputs {
  return collecting(errors, (e) => {
    const githubToken = getOptional(INPUT.githubToken);
    maskSecret(githubToken);
    const environment = getString(INPUT.environment, 'production');
    const url = getOptional(INPUT.environmentUrl);
    const requireEvidenceFrom = getOptional(INPUT.requireEvidenceFrom);
    e.check(
      !(requireEvidenceFrom && !githubToken),
      () =>
        new ConfigurationError(
          `Input "${INPUT.requireEvidenceFrom}" needs "${INPUT.githubToken}" (deployments: read) to look up the Deployments of "${requireEvidenceFrom}".`,
          INPUT.githubToken,
        ),
    );
    e.check(
      !(requireEvidenceFrom !== undefined && requireEvidenceFrom === environment),
      () =>
        new ConfigurationError(
          `Input "${INPUT.requireEvidenceFrom}" names "${environment}", the environment this release is for; name the one before it, e.g. "qa".`,
          INPUT.requireEvidenceFrom,
        ),
    );
    const environmentUrl = url ? e.read(() => parseHttpUrl(INPUT.environmentUrl, url)) : undefined;
    return { githubToken, requireEvidenceFrom, environment, environmentUrl };
  });
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

export function readAutoPromote(errors?: InputErrorCollector): boolean {
  return collecting(errors, (e) => e.read(() => getBoolean(INPUT.autoPromote, false)) ?? false);
}

/**
 * Every input of a canary run (canary-deploy and the root release action), validated before
 * anything touches the cluster; every bad one is reported in the one error.
 */
export function readCanaryFlowInputs(autoPromote: boolean | ((errors: InputErrorCollector) => boolean)): CanaryFlowInputs {
  const errors = new InputErrorCollector();
  // The secrets first, so each is masked before any error about another input is printed.
  const reporting = readReportingInputs(errors);
  const inputs: CanaryFlowInputs = {
    cluster: readClusterInputs(errors),
    manifests: readManifestInputs(errors),
    deployment: errors.read(() => readDeploymentName(false)),
    traffic: readTrafficInputs(errors),
    analysis: { ...readAnalysisInputs(errors), tracks: errors.read(() => readTrackAnalysisInputs()) },
    autoPromote: typeof autoPromote === 'function' ? autoPromote(errors) : autoPromote,
    promote: { ...readPromoteInputs(errors), onCancel: errors.read(() => readOnCancel()) },
    reporting,
  };
  errors.throwIfAny();
  return inputs;
}

/** on-cancel: what a cancel during the promotion's rollout does (undo the stable and remove the canary, or leave both). */
export function readOnCancel(): OnCancel {
  return getEnum<OnCancel>(INPUT.onCancel, ['undo', 'leave'], 'undo');
}

export function readUndo(errors?: InputErrorCollector): { undo: boolean; toRevision?: number } {
  return collecting(errors, (e) => {
    const undo = e.read(() => getBoolean(INPUT.undo, false));
    const raw = getOptional(INPUT.toRevision);
    const toRevision = raw === undefined ? undefined : e.read(() => parseNumber(INPUT.toRevision, raw, { min: 1, integer: true }));
    e.check(
      !(raw !== undefined && undo === false),
      () =>
        new ConfigurationError(
          `Input "${INPUT.toRevision}" needs "${INPUT.undo}: true" (input "${INPUT.undo}" is false): set it to roll back to that revision, or remove "${INPUT.toRevision}".`,
          INPUT.toRevision,
        ),
    );
    return { undo: undo!, toRevision };
  });
}
