import { beforeAll, describe, expect, it } from 'vitest';
import { withInputs } from '../../test/support/inputs';
import { writeTestKubeconfig } from '../../test/support/kubeconfig';
import { DEFAULT_JUDGE_OPTIONS } from '../analysis/judge';
import { ConfigurationError } from '../core/errors';
import { DEFAULT_PROBE_REQUESTS, parseHttpPort, readTrackAnalysisInputs } from './analysis-inputs';
import { INPUT, readAutoPromote, readCanaryFlowInputs } from './inputs';
import { loadKubeconfigParser } from './kubeconfig-parser';

beforeAll(loadKubeconfigParser);

function refusal(inputs: Record<string, string>): ConfigurationError {
  withInputs(inputs);
  try {
    readTrackAnalysisInputs();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`inputs ${JSON.stringify(inputs)} were accepted`);
}

describe('canary-only analysis inputs', () => {
  it('are off without http-path', () => {
    withInputs({});
    expect(readTrackAnalysisInputs()).toBeUndefined();
  });

  it('take defaults: the first container port, 50 requests a round, the judge at α = 0.05, fail on inconclusive, no baseline', () => {
    withInputs({ 'http-path': '/readyz' });
    expect(readTrackAnalysisInputs()).toEqual({
      path: '/readyz',
      port: undefined,
      requestsPerRound: DEFAULT_PROBE_REQUESTS,
      timeoutMs: 5000,
      expectedStatus: 200,
      judge: DEFAULT_JUDGE_OPTIONS,
      latencyFloorMs: 5,
      onInconclusive: 'fail',
      baseline: false,
      prometheus: undefined,
      loadRps: undefined,
    });
  });

  it('read every setting', () => {
    withInputs({
      'http-path': '/notes?limit=1',
      'http-port': 'http',
      'probe-requests': '30',
      'probe-timeout': '2s',
      'probe-expected-status': '204',
      inconclusive: 'extend',
      baseline: 'true',
      'judge-alpha': '0.01',
      'judge-min-requests': '40',
      'judge-error-floor': '2%',
      'judge-latency-ratio': '1.5',
      'judge-latency-percentile': '99',
      'judge-latency-floor': '20ms',
      'prometheus-url': 'http://prom:9090',
      'prometheus-track-query': 'sum(rate(http_requests_total{track="{{track}}",code=~"5.."}[1m]))',
      'prometheus-track-step': '15s',
    });
    expect(readTrackAnalysisInputs()).toEqual({
      path: '/notes?limit=1',
      port: 'http',
      requestsPerRound: 30,
      timeoutMs: 2000,
      expectedStatus: 204,
      judge: { alpha: 0.01, minRequests: 40, errorFloor: 0.02, latencyRatio: 1.5, latencyPercentile: 99 },
      latencyFloorMs: 20,
      onInconclusive: 'extend',
      baseline: true,
      prometheus: { url: 'http://prom:9090/', query: 'sum(rate(http_requests_total{track="{{track}}",code=~"5.."}[1m]))', stepSeconds: 15 },
    });
  });

  it('reach the engine through the canary flow inputs, under the INPUT constants', () => {
    withInputs({ kubeconfig: writeTestKubeconfig(), manifests: 'k8s/', [INPUT.httpPath]: '/readyz', [INPUT.httpPort]: '8080' });
    expect(readCanaryFlowInputs(readAutoPromote()).analysis.tracks).toMatchObject({ path: '/readyz', port: 8080 });
  });

  it('refuse a tuning input without http-path, naming the fix', () => {
    const error = refusal({ baseline: 'true' });
    expect(error.message).toMatch(/"baseline" is set but "http-path" is empty/);
    expect(error.input).toBe('http-path');
  });

  it('refuse a URL, "..", or a relative path', () => {
    expect(refusal({ 'http-path': 'https://x.example/readyz' }).message).toMatch(/must start with "\/"/);
    expect(refusal({ 'http-path': '/a/../b' }).message).toMatch(/".."/);
    expect(refusal({ 'http-path': 'readyz' }).input).toBe('http-path');
  });

  it('refuse bad judge settings and an unknown inconclusive policy, all at once', () => {
    const error = refusal({ 'http-path': '/', 'judge-alpha': '0.5', inconclusive: 'pass' });
    expect(error.message).toMatch(/"judge-alpha" is invalid/);
    expect(error.message).toMatch(/"inconclusive" is invalid: got "pass". Use "fail" or "extend"/);
  });

  it('refuse a bad port, request count or timeout', () => {
    expect(refusal({ 'http-path': '/', 'http-port': '70000' }).input).toBe('http-port');
    expect(refusal({ 'http-path': '/', 'probe-requests': '0' }).input).toBe('probe-requests');
    expect(refusal({ 'http-path': '/', 'probe-timeout': '5m' }).input).toBe('probe-timeout');
    expect(refusal({ 'http-path': '/', baseline: 'maybe' }).input).toBe('baseline');
    expect(refusal({ 'http-path': '/', 'judge-latency-floor': '2m' }).input).toBe('judge-latency-floor');
  });
});

describe('the Prometheus query per track', () => {
  it('must name {{track}}, and needs a server', () => {
    expect(refusal({ 'http-path': '/', 'prometheus-track-url': 'http://p:9090', 'prometheus-track-query': 'up' }).message).toMatch(
      /no \{\{track\}\} placeholder/,
    );
    expect(refusal({ 'http-path': '/', 'prometheus-track-query': 'up{track="{{track}}"}' }).input).toBe('prometheus-track-url');
    expect(refusal({ 'http-path': '/', 'prometheus-track-url': 'http://p:9090' }).input).toBe('prometheus-track-query');
    expect(refusal({ 'http-path': '/', 'prometheus-track-url': 'ftp://p', 'prometheus-track-query': 'up{track="{{track}}"}' }).input).toBe(
      'prometheus-track-url',
    );
  });
});

describe('load-rps', () => {
  it('is a bounded rate per track, instead of probe-requests', () => {
    withInputs({ 'http-path': '/', 'load-rps': '20' });
    expect(readTrackAnalysisInputs()?.loadRps).toBe(20);
    expect(refusal({ 'http-path': '/', 'load-rps': '500' }).input).toBe('load-rps');
    expect(refusal({ 'http-path': '/', 'load-rps': '0' }).input).toBe('load-rps');
    expect(refusal({ 'http-path': '/', 'load-rps': '10', 'probe-requests': '10' }).message).toMatch(/both given/);
  });
});

describe('alb-metrics', () => {
  it('takes the region from aws-region or the environment, and refuses to run without one', () => {
    withInputs({ 'http-path': '/', 'alb-metrics': 'true', 'aws-region': 'eu-west-1' });
    expect(readTrackAnalysisInputs()).toMatchObject({ albMetrics: true, region: 'eu-west-1' });
    const saved = [process.env.AWS_REGION, process.env.AWS_DEFAULT_REGION];
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(refusal({ 'http-path': '/', 'alb-metrics': 'true' }).input).toBe('aws-region');
    } finally {
      if (saved[0] !== undefined) process.env.AWS_REGION = saved[0];
      if (saved[1] !== undefined) process.env.AWS_DEFAULT_REGION = saved[1];
    }
  });
});

describe('parseHttpPort', () => {
  it('takes a port number or an IANA-style port name', () => {
    expect(parseHttpPort('8080')).toBe(8080);
    expect(parseHttpPort('http')).toBe('http');
    expect(parseHttpPort('web-2')).toBe('web-2');
    for (const bad of ['0', '65536', 'HTTP', 'a-very-long-port-name', '-x', 'x-', '123a--b', '1234'.repeat(5)])
      expect(() => parseHttpPort(bad), bad).toThrow(ConfigurationError);
  });
});
