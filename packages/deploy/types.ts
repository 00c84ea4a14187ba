/**
 * The engine's shapes: what its callers hand it and what it hands back. Types
 * only, with no values and no behaviour; the imports are `import type` of
 * the Kubernetes and analysis shapes these are made of, erased at build, so
 * no module is loaded through this one (lint keeps it that way). When two
 * modules need each other's types, the type belongs here.
 */
import type { LoadBalancerLookup } from '../analysis/alb-discovery';
import type { MetricDataReader } from '../analysis/alb-metrics';
import type { AlarmReader } from '../analysis/cloudwatch';
import type { HttpCheckOptions } from '../analysis/http-check';
import type { ChartRound, ChartStep } from '../analysis/chart';
import type { Judgement, JudgeOptions } from '../analysis/judge';
import type { InconclusivePolicy } from '../analysis/judge-results';
import type { CheckResult } from '../analysis/types';
import type { Deployment, KubeObject, PodTemplateSpec } from '../kube/types';

/** How traffic reaches the canary: by its share of the Service's pods, or by exact ALB target-group weights. */
export type TrafficMode = 'pod' | 'alb';

/**
 * The caller's names for the settings the engine reports on, so an error
 * names what the user set. packages/manifests and packages/kube take their
 * `input:` the same way.
 */
export interface InputNames {
  deployment: string;
  namespace: string;
  manifests: string;
  service: string;
  ingress: string;
  rolloutTimeout: string;
  /** The canary-only probe's port input, named when the port cannot be resolved. */
  httpPort?: string;
}

export interface TrafficOptions {
  mode: TrafficMode;
  /** Percentages, rising. */
  steps: number[];
  /** ALB mode: the Service the Ingress routes to (default: the Service selecting the app's pods). */
  service?: string;
  ingress?: string;
}

/** The HTTP check's settings; the cancel signal comes later, from the run. */
export type HttpCheckSettings = Omit<HttpCheckOptions, 'signal'>;

export interface PrometheusOptions {
  url: string;
  query: string;
  maxValue: number;
  /** Request headers for the query (authentication); their values are secrets. */
  headers?: Record<string, string>;
}

/** How each canary step is judged. */
export interface AnalysisOptions {
  bakeTimeMs: number;
  intervalMs: number;
  readyTimeoutMs: number;
  maxRestarts: number;
  http?: HttpCheckSettings;
  /** CloudWatch alarm names; read through CanaryRequest.alarms. */
  alarms: string[];
  prometheus?: PrometheusOptions;
  /** Canary-only analysis: the canary's own pods against the stable's (or the baseline's), judged by tests. */
  tracks?: TrackAnalysisOptions;
}

/**
 * Canary-only HTTP analysis: each round probes the same path on the canary's
 * pods and on the comparison track's pods, through short-lived probe Services
 * and the API server's service proxy, and the judge compares them.
 */
export interface TrackAnalysisOptions {
  /** The path probed on every track, e.g. "/readyz". */
  path: string;
  /** The container port (name or number); default: the first port of the first container that declares one. */
  port?: number | string;
  /** Requests to each track per analysis round. */
  requestsPerRound: number;
  timeoutMs: number;
  expectedStatus: number;
  judge: JudgeOptions;
  /** A latency difference (at the percentile) under this many ms never fails, however significant: a practical floor, like judge.errorFloor. */
  latencyFloorMs: number;
  onInconclusive: InconclusivePolicy;
  /** Compare with <app>-baseline (the stable spec at the canary's size, started with it) instead of the stable pods. */
  baseline: boolean;
  /** A Prometheus range query per track: {{track}} becomes "canary" and "baseline" (or "stable"), judged per step. */
  prometheus?: TrackPrometheusOptions;
  /** Requests per second to each track, for part of every interval, instead of probe-requests sequential probes. */
  loadRps?: number;
  /** traffic "alb": also judge the canary's and the stable's target groups from CloudWatch (through CanaryRequest.albMetrics). */
  albMetrics?: boolean;
}

/** The AWS reads of ALB mode's per-target-group metrics, made by the adapter. */
export interface AlbMetricClients {
  metrics: MetricDataReader;
  elb: LoadBalancerLookup;
}

export interface TrackPrometheusOptions {
  url: string;
  /** PromQL with the {{track}} placeholder, returning one series per track. */
  query: string;
  /** The range query's resolution. */
  stepSeconds: number;
}

export interface PromoteOptions {
  maxSurge?: string;
  maxUnavailable?: string;
  timeoutMs: number;
  /** A cancel during the rollout: undo the stable and remove the canary (default), or leave both as they are. */
  onCancel?: OnCancel;
}

/** What a promotion does when the run is cancelled mid-rollout (see promote-cancel.ts). */
export type OnCancel = 'undo' | 'leave';

/** What one step really sends to the canary. In pod mode that is a pod ratio, which seldom equals what was asked. */
export interface StepTraffic {
  /** The percentage the user asked for. */
  requested: number;
  /** Canary pods to run. */
  canaryReplicas: number;
  /** The canary's real share of traffic, in percent (rounded to 0.1). */
  actual: number;
  /** ALB mode only: the target-group weights. */
  weights?: { stable: number; canary: number };
}

export interface StepRecord {
  traffic: StepTraffic;
  bakeMs: number;
  outcome: 'passed' | 'failed' | 'cancelled' | 'running';
}

/** Where the ALB mode's traffic split lives, recorded on the canary so another run can undo it. */
export interface AlbTarget {
  service: string;
  port: number;
  ingresses: string[];
}

/** On the canary Deployment: how its traffic was routed, so promote, rollback or a cancel in another run can undo it. */
export type TrafficRecord = { mode: 'pod' } | { mode: 'alb'; alb: AlbTarget };

/** An object of the manifests a release does not apply, and why: said in the log and the summary. */
export interface LeftAlone {
  /** 'Ingress "web"' */
  object: string;
  reason: string;
}

/**
 * What promotion applies, recorded on the canary (ANNOTATION_RELEASE) so that
 * rolling-promote, which has no manifests, applies the release that was canaried.
 */
export interface ReleaseRecord {
  /** The rendered Deployment, as promotion applies it before its images are pinned by digest. */
  deployment: Deployment;
  /** The other manifest objects that differ from the live ones (or are missing): applied at promotion. */
  apply: KubeObject[];
}

/** What a release changes against the live objects, found by server-side dry-run applies (release-plan.ts). */
export interface ReleaseChanges {
  release: ReleaseRecord;
  /** Where the Deployment differs (dotted paths); empty when only other objects change. */
  deploymentChanges: string[];
  /** 'Service "web": spec.ports[0].targetPort' and so on, one per changed object. */
  objectChanges: string[];
  leftAlone: LeftAlone[];
  /** The canary's copies of the ConfigMaps its pods read and the release changes (canaryConfigMapName). */
  canaryConfigMaps: KubeObject[];
  /** The pod template the canary runs: the rendered one, reading the ConfigMap copies. */
  canaryTemplate: PodTemplateSpec;
}

export interface CanaryRequest {
  /** The Deployment from the manifests, images substituted: its name and new images. */
  desired: Deployment;
  /** The other manifest objects: created on the first release; later applied at promotion when they differ (release-plan.ts). */
  others: KubeObject[];
  traffic: TrafficOptions;
  analysis: AnalysisOptions;
  alarms?: AlarmReader;
  /** ALB mode with analysis.tracks.albMetrics: CloudWatch and ELB readers. */
  albMetrics?: AlbMetricClients;
  /** First release (no stable Deployment yet): how long to wait for its rollout. */
  rolloutTimeoutMs: number;
}

/** One step's judgement by the canary-only analysis, for the summary's table and the `analysis` output. */
export interface StepJudgement {
  /** 1-based. */
  step: number;
  /** The canary's traffic share in the step, percent. */
  weight: number;
  /** The track the canary was compared with. */
  against: 'baseline' | 'stable';
  judgement: Judgement;
  /** The step's bake was extended once because its first verdict was inconclusive. */
  extended: boolean;
}

/** What the canary-only analysis saw: its verdicts per step, and per-round figures for the chart. */
export interface TrackReport {
  judgements: StepJudgement[];
  rounds: ChartRound[];
  steps: ChartStep[];
}

export interface CanaryOutcome {
  /** "inconclusive": a step's canary-only analysis had too little evidence either way, so the canary was removed. */
  result: 'passed' | 'failed' | 'inconclusive' | 'deployed' | 'skipped';
  steps: StepRecord[];
  analysis: CheckResult[];
  /** The images the canary ran, by container name. */
  images: Record<string, string>;
  /** Why it failed, naming the checks and values. */
  failure?: string;
  /** The last step's real canary share, in percent. */
  trafficPercent?: number;
  stable?: Deployment;
  /** The canary-only analysis, when it ran. */
  tracks?: TrackReport;
}

export interface PromoteRequest extends PromoteOptions {
  name: string;
  gitSha?: string;
  /** Called once the stable's template is patched, with the revision it had: until rolloutSettled, a killed run leaves a rollout half done. */
  rolloutStarted?: (previousRevision: number) => void;
  /** Called when the rollout completed, or its undo was applied. */
  rolloutSettled?: () => void;
}

export interface PromoteOutcome {
  /** "cancelled": the run was cancelled mid-rollout and, with onCancel "undo", undone (failure says how far). */
  result: 'promoted' | 'rolled-back' | 'cancelled';
  /** The Deployment's revision at the end (the restored one after an undo). */
  revision: number;
  previousImage: string;
  image: string;
  failure?: string;
}

export interface RollbackRequest {
  name: string;
  undo: boolean;
  toRevision?: number;
  timeoutMs: number;
}

export interface RollbackOutcome {
  result: 'removed' | 'rolled-back' | 'nothing-to-do';
  canaryRemoved: boolean;
  revision?: number;
  image?: string;
}
