import { beforeAll, describe, expect, it } from 'vitest';
import { withInputs } from '../../test/support/inputs';
import { ConfigurationError } from '../core/errors';
import { InputErrors } from '../core/input-errors';
import { parsePercentage, parseSteps, readAutoPromote, readCanaryFlowInputs } from './inputs';
import { writeTestKubeconfig } from '../../test/support/kubeconfig';
import { loadKubeconfigParser } from './kubeconfig-parser';

const KUBECONFIG = writeTestKubeconfig();
// As the entry does before it reads the inputs.
beforeAll(loadKubeconfigParser);

/** canary-deploy's inputs, read as its entry reads them. */
function getInputs() {
  return readCanaryFlowInputs(readAutoPromote);
}

const BASE = { kubeconfig: KUBECONFIG, manifests: 'k8s/' };

function refusal(inputs: Record<string, string>): ConfigurationError {
  withInputs(inputs);
  try {
    getInputs();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`inputs ${JSON.stringify(inputs)} were accepted`);
}

describe('canary-deploy inputs', () => {
  it('reads a full, valid set', () => {
    withInputs({
      ...BASE,
      images: 'repo/app:v2',
      steps: '10,25,50',
      traffic: 'alb',
      'bake-time': '2m',
      'http-url': 'http://127.0.0.1:8080/healthz',
      'http-max-p95': '250ms',
      'cloudwatch-alarms': 'a\nb',
      'aws-region': 'us-east-1',
      'max-surge': '25%',
      'max-unavailable': '0',
    });
    const inputs = getInputs();
    expect(inputs.traffic).toMatchObject({ mode: 'alb', steps: [10, 25, 50] });
    expect(inputs.analysis).toMatchObject({
      bakeTimeMs: 120_000,
      alarms: ['a', 'b'],
      region: 'us-east-1',
      http: { maxP95Ms: 250, expectedStatus: 200, requests: 20 },
    });
    expect(inputs.promote).toMatchObject({ maxSurge: '25%', maxUnavailable: '0' });
  });

  it('defaults to one 20% step in pod mode', () => {
    withInputs(BASE);
    expect(getInputs().traffic).toEqual({ mode: 'pod', steps: [20], service: undefined, ingress: undefined });
  });

  it.each([
    ['percentage 0', { percentage: '0' }, 'percentage', /1 to 100/],
    ['percentage 101', { percentage: '101' }, 'percentage', /1 to 100/],
    ['percentage abc', { percentage: 'abc' }, 'percentage', /1 to 100/],
    ['steps not increasing', { steps: '10,50,25' }, 'steps', /must increase/],
    ['percentage and steps', { percentage: '10', steps: '10,20' }, 'steps', /not both/],
    ['unknown traffic mode', { traffic: 'istio' }, 'traffic', /pod, alb/],
    ['no manifests', { manifests: '' }, 'manifests', /required/],
    ['bad image reference', { images: 'not an image' }, 'images', /full image references/],
    ['both kubeconfig and cluster-name', { 'cluster-name': 'prod' }, 'cluster-name', /not both/],
    ['no cluster at all', { kubeconfig: '' }, 'cluster-name', /No cluster given/],
    ['bad cluster name', { kubeconfig: '', 'cluster-name': 'bad name!' }, 'cluster-name', /EKS cluster name/],
    ['bad region', { kubeconfig: '', 'cluster-name': 'prod', 'aws-region': 'mars' }, 'aws-region', /region code/],
    ['negative bake time', { 'bake-time': '-5s' }, 'bake-time', /non-negative duration/],
    ['negative ready timeout', { 'ready-timeout': '-1m' }, 'ready-timeout', /duration/],
    ['zero analysis interval', { 'analysis-interval': '0s' }, 'analysis-interval', /above zero/],
    ['bad http url', { 'http-url': 'not a url' }, 'http-url', /absolute http/],
    ['ftp http url', { 'http-url': 'ftp://x/' }, 'http-url', /http:\/\/ or https/],
    ['status out of range', { 'http-url': 'http://x/', 'http-expected-status': '700' }, 'http-expected-status', /100 to 599/],
    ['success rate over 100', { 'http-url': 'http://x/', 'http-success-rate': '101' }, 'http-success-rate', /0 to 100/],
    ['http option without url', { 'http-requests': '5' }, 'http-url', /Give "http-url"/],
    ['http-timeout without url', { 'http-timeout': '5s' }, 'http-url', /"http-timeout" is set but "http-url" is empty/],
    ['negative restarts', { 'max-restarts': '-1' }, 'max-restarts', /at least 0/],
    ['prometheus half set', { 'prometheus-query': 'up' }, 'prometheus-url', /required when any Prometheus/],
    [
      'prometheus max not a number',
      { 'prometheus-url': 'http://p:9090', 'prometheus-query': 'up', 'prometheus-max': 'lots' },
      'prometheus-max',
      /number/,
    ],
    ['max-surge nonsense', { 'max-surge': 'many' }, 'max-surge', /whole number of pods/],
    ['surge and unavailable both 0', { 'max-surge': '0', 'max-unavailable': '0' }, 'max-unavailable', /cannot both be 0/],
    ['auto-promote not boolean', { 'auto-promote': 'maybe' }, 'auto-promote', /true" or "false/],
    ['ingress in pod mode', { ingress: 'web' }, 'ingress', /only applies to traffic "alb"/],
    ['bad namespace', { namespace: 'Prod_NS' }, 'namespace', /namespace name/],
    ['bad environment url', { 'environment-url': 'app' }, 'environment-url', /absolute http/],
  ])('refuses %s, naming the input', (_case, inputs, input, message) => {
    const error = refusal({ ...BASE, ...inputs });
    expect(error.input).toBe(input);
    expect(error.message).toContain(`"${input}"`);
    expect(error.message).toMatch(message);
  });
});

describe('parsePercentage', () => {
  it.each(['0', '101', 'abc', '', '12.5', '-5', '1e1'])('refuses %j, naming the input', (raw) => {
    expect(() => parsePercentage('percentage', raw)).toThrow(/Input "percentage" is invalid.*1 to 100/);
  });
  it('accepts whole numbers and a trailing percent sign', () => {
    expect(parsePercentage('percentage', '10')).toBe(10);
    expect(parsePercentage('percentage', '25%')).toBe(25);
    expect(parsePercentage('percentage', '100')).toBe(100);
  });
});

describe('parseSteps', () => {
  it('parses rising lists with commas or newlines', () => {
    expect(parseSteps('steps', '10,25,50')).toEqual([10, 25, 50]);
    expect(parseSteps('steps', '10\n 50\n')).toEqual([10, 50]);
  });
  it('refuses steps that do not increase', () => {
    expect(() => parseSteps('steps', '10,50,25')).toThrow(/Input "steps" is invalid.*must increase \(50 is followed by 25\)/);
    expect(() => parseSteps('steps', '10,10')).toThrow(/must increase/);
  });
  it('refuses a bad item and an empty list', () => {
    expect(() => parseSteps('steps', '10,abc')).toThrow(/Input "steps"/);
    expect(() => parseSteps('steps', ' , ')).toThrow(/one or more percentages/);
  });
});

describe('canary-deploy inputs: hardening', () => {
  it.each([
    [
      'credentials in http-url',
      { 'http-url': 'https://user:p%40ss@app.example/healthz' },
      'http-url',
      /credentials in the URL.*"http-headers"/,
    ],
    [
      'credentials in prometheus-url',
      { 'prometheus-url': 'https://admin:pw@prom:9090', 'prometheus-query': 'up', 'prometheus-max': '1' },
      'prometheus-url',
      /credentials in the URL.*"prometheus-headers"/,
    ],
    ['a unitless http-max-p95', { 'http-url': 'http://x/', 'http-max-p95': '500' }, 'http-max-p95', /write "500ms" or "500s"/],
    ['a unitless bake-time', { 'bake-time': '30' }, 'bake-time', /write "30ms" or "30s"/],
    ['a zero bake-time', { 'bake-time': '0s' }, 'bake-time', /above zero/],
    [
      'an interval longer than the bake',
      { 'bake-time': '5s', 'analysis-interval': '10s' },
      'analysis-interval',
      /"analysis-interval" \(10s\) is longer than "bake-time" \(5\.0s\).*at most the bake time/,
    ],
    [
      'one repository twice with different tags',
      { images: 'repo/app:v1\nrepo/app:v2' },
      'images',
      /names the repository "docker.io\/repo\/app" twice, as "repo\/app:v1" and "repo\/app:v2": .*ambiguous/,
    ],
    [
      'one repository twice, spelled two ways',
      { images: 'nginx:1.27\ndocker.io/library/nginx:1.28' },
      'images',
      /"nginx:1.27" and "docker.io\/library\/nginx:1.28"/,
    ],
    ['http-headers without http-url', { 'http-headers': 'X-Key: abc' }, 'http-url', /"http-headers" is set but "http-url" is empty/],
    ['prometheus-headers without prometheus-url', { 'prometheus-headers': 'X-Key: abc' }, 'prometheus-url', /"prometheus-headers" is set/],
    [
      'a malformed http-headers line',
      { 'http-url': 'http://x/', 'http-headers': 'just-a-token' },
      'http-headers',
      /line 1 is not "Name: value"/,
    ],
  ])('refuses %s, naming the input', (_case, inputs, input, message) => {
    const error = refusal({ ...BASE, ...inputs });
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/p%40ss|admin:pw/);
  });

  it('accepts the same image twice, and a bake equal to its interval', () => {
    withInputs({ ...BASE, images: 'repo/app:v1\nrepo/app:v1', 'bake-time': '10s' });
    expect(getInputs()).toMatchObject({ manifests: { images: ['repo/app:v1', 'repo/app:v1'] }, analysis: { bakeTimeMs: 10_000 } });
  });

  it('sends the header inputs with the checks, their values masked', () => {
    withInputs({
      ...BASE,
      'http-url': 'https://app.example/healthz',
      'http-headers': 'Authorization: Bearer abc.def.ghi',
      'prometheus-url': 'https://prom.example',
      'prometheus-query': 'up',
      'prometheus-max': '1',
      'prometheus-headers': 'X-Scope-OrgID: tenant-1',
    });
    const { analysis } = getInputs();
    expect(analysis.http?.headers).toEqual({ Authorization: 'Bearer abc.def.ghi' });
    expect(analysis.prometheus?.headers).toEqual({ 'X-Scope-OrgID': 'tenant-1' });
  });

  it('reports every independent input error at once, in one error', () => {
    const error = refusal({
      ...BASE,
      percentage: '0',
      'bake-time': '30',
      'http-url': 'https://u:p@app/',
      images: 'a/b:1\na/b:2',
      'max-surge': 'lots',
      'auto-promote': 'maybe',
    }) as InputErrors;
    expect(error).toBeInstanceOf(InputErrors);
    expect(error.inputs).toEqual(['images', 'percentage', 'bake-time', 'http-url', 'auto-promote', 'max-surge']);
    expect(error.message).toMatch(/^6 problems with the inputs; fix them all before the next run:\n1\. Input "images"/);
  });

  it('reads the kubeconfig with the other inputs, so its error comes with theirs', () => {
    const error = refusal({ ...BASE, kubeconfig: '/nonexistent/kubeconfig', percentage: '0' }) as InputErrors;
    expect(error.inputs).toEqual(['kubeconfig', 'percentage']);
  });
});
