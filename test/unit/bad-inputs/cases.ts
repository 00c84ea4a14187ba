/**
 * The bad-input table: per action, the inputs of a run that would go ahead, and the cases that
 * each change a few of them. Every case must fail, with an error that names each input at fault
 * and says how to fix it, and without any network contact.
 */
import { kubeconfigFor, SECRETS, type Listener } from './support';

export type Action = 'canary-deploy' | 'release' | 'rolling-promote' | 'rollback' | 'run-tests' | 'build-push-ecr';

export interface BadInputCase {
  name: string;
  /** Inputs to change; undefined removes one from the base. */
  inputs?: Record<string, string | undefined> | ((listener: Listener) => Record<string, string | undefined>);
  env?: Record<string, string | undefined>;
  /** Each must be named, as "name", in the error. */
  blame: string[];
  /** How the error says to fix it. */
  fix: RegExp;
}

const kubeconfigYaml = (server: string, user: string) =>
  [
    'apiVersion: v1',
    'kind: Config',
    'current-context: c',
    `clusters: [{name: c, cluster: {server: "${server}"}}]`,
    'contexts: [{name: c, context: {cluster: c, user: u}}]',
    `users: [{name: u, user: ${user}}]`,
    '',
  ].join('\n');

const aliasBomb = (listener: Listener) =>
  `${kubeconfigFor(listener)}laughs:\n${Array.from(
    { length: 9 },
    (_, level) =>
      `  l${level}: &l${level} [${level === 0 ? Array.from({ length: 9 }, () => '"lol"').join(',') : Array.from({ length: 9 }, () => `*l${level - 1}`).join(',')}]`,
  ).join('\n')}\n`;

/** Kubeconfig faults, for every action that reaches a cluster. */
const KUBECONFIG_CASES: BadInputCase[] = [
  {
    name: 'a kubeconfig path that does not exist',
    inputs: { kubeconfig: '/nonexistent/kubeconfig' },
    blame: ['kubeconfig'],
    fix: /no file at \/nonexistent\/kubeconfig\. Pass the kubeconfig's contents/,
  },
  {
    name: 'base64 that is not of a kubeconfig',
    inputs: { kubeconfig: Buffer.from(`not a kubeconfig ${SECRETS.kubeToken} `.repeat(4)).toString('base64') },
    blame: ['kubeconfig'],
    fix: /does not decode to a kubeconfig.*Encode the whole file/,
  },
  {
    name: 'a kubeconfig tokenFile that does not exist',
    inputs: (l) => ({ kubeconfig: kubeconfigYaml(`https://127.0.0.1:${l.port}`, '{tokenFile: /nonexistent/sa-token}') }),
    blame: ['kubeconfig'],
    fix: /reads its token from tokenFile \/nonexistent\/sa-token, which does not exist\. Create the file before this step/,
  },
  {
    name: 'a plain-HTTP apiserver',
    inputs: (l) => ({ kubeconfig: kubeconfigYaml(`http://127.0.0.1:${l.port}`, `{token: ${SECRETS.kubeToken}}`) }),
    blame: ['kubeconfig'],
    fix: /plain-HTTP server .*Use the apiserver's https:\/\/ address/,
  },
  {
    name: 'credentials in the apiserver URL',
    inputs: (l) => ({
      kubeconfig: kubeconfigYaml(`https://admin:${SECRETS.urlPassword}@127.0.0.1:${l.port}`, `{token: ${SECRETS.kubeToken}}`),
    }),
    blame: ['kubeconfig'],
    fix: /credentials in its server URL .*Remove them/,
  },
  {
    name: 'an exec-plugin user',
    inputs: (l) => ({
      kubeconfig: kubeconfigYaml(`https://127.0.0.1:${l.port}`, '{exec: {command: aws, apiVersion: client.authentication.k8s.io/v1beta1}}'),
    }),
    blame: ['kubeconfig'],
    fix: /exec plugin.*pass "cluster-name"/,
  },
  {
    name: 'an exec plugin other than the two EKS ones',
    inputs: (l) => ({ kubeconfig: kubeconfigYaml(`https://127.0.0.1:${l.port}`, '{exec: {command: gke-gcloud-auth-plugin}}') }),
    blame: ['kubeconfig'],
    fix: /"gke-gcloud-auth-plugin", which this action does not run.*pass "cluster-name"/,
  },
  {
    name: 'an EKS exec user that would assume a role',
    inputs: (l) => ({
      kubeconfig: kubeconfigYaml(
        `https://127.0.0.1:${l.port}`,
        '{exec: {command: aws, args: [eks, get-token, --cluster-name, prod, --role-arn, "arn:aws:iam::123456789012:role/deploy"]}}',
      ),
    }),
    blame: ['kubeconfig'],
    fix: /--role-arn, which is not supported.*role-to-assume/,
  },
  {
    name: 'a YAML alias bomb as kubeconfig',
    inputs: (l) => ({ kubeconfig: aliasBomb(l) }),
    blame: ['kubeconfig'],
    fix: /aliases \(\*name\).*refused/,
  },
];

/** How a deploy action picks its cluster. */
const CLUSTER_CASES: BadInputCase[] = [
  { name: 'both kubeconfig and cluster-name', inputs: { 'cluster-name': 'prod' }, blame: ['kubeconfig', 'cluster-name'], fix: /not both/ },
  {
    name: 'no cluster at all',
    inputs: { kubeconfig: undefined },
    blame: ['cluster-name', 'kubeconfig'],
    fix: /Set "cluster-name" \(and "aws-region"\)/,
  },
  {
    name: 'an EKS cluster name with spaces',
    inputs: { kubeconfig: undefined, 'cluster-name': 'my cluster!' },
    blame: ['cluster-name'],
    fix: /Use the EKS cluster name/,
  },
  {
    name: 'an aws-region that is no region',
    inputs: { kubeconfig: undefined, 'cluster-name': 'prod', 'aws-region': 'mars' },
    blame: ['aws-region'],
    fix: /region code such as "us-east-1"/,
  },
  {
    name: 'a bad AWS_REGION with an empty aws-region',
    inputs: { kubeconfig: undefined, 'cluster-name': 'prod' },
    env: { AWS_REGION: 'Frankfurt' },
    blame: ['aws-region'],
    fix: /The environment variable AWS_REGION is invalid: got "Frankfurt"\. Fix it where it is set/,
  },
  { name: 'a namespace with capitals', inputs: { namespace: 'Prod_NS' }, blame: ['namespace'], fix: /lower-case letters, digits and "-"/ },
];

const REPORTING_CASES: BadInputCase[] = [
  {
    name: 'an environment-url that is not a URL',
    inputs: { 'environment-url': 'app' },
    blame: ['environment-url'],
    fix: /Use an absolute http:\/\/ or https:\/\/ URL/,
  },
  {
    name: 'credentials in environment-url',
    inputs: { 'environment-url': `https://u:${SECRETS.urlPassword}@app.example/` },
    blame: ['environment-url'],
    fix: /credentials in the URL.*Remove them/,
  },
];

const canaryBase = (l: Listener): Record<string, string> => ({
  kubeconfig: kubeconfigFor(l),
  manifests: 'k8s/',
  images: 'repo/web:2',
  'github-token': SECRETS.githubToken,
  'http-url': `${l.url}/healthz`,
  'http-headers': `X-Api-Key: ${SECRETS.httpHeader}`,
  'prometheus-url': l.url,
  'prometheus-query': 'sum(rate(errors[1m]))',
  'prometheus-max': '1',
  'prometheus-headers': `Authorization: Bearer ${SECRETS.prometheusHeader}`,
});

const CANARY_CASES: BadInputCase[] = [
  ...KUBECONFIG_CASES,
  ...CLUSTER_CASES,
  ...REPORTING_CASES,
  { name: 'percentage 0', inputs: { percentage: '0' }, blame: ['percentage'], fix: /whole percentage from 1 to 100/ },
  { name: 'percentage 101', inputs: { percentage: '101' }, blame: ['percentage'], fix: /whole percentage from 1 to 100/ },
  { name: 'percentage abc', inputs: { percentage: 'abc' }, blame: ['percentage'], fix: /whole percentage from 1 to 100/ },
  { name: 'steps that do not increase', inputs: { steps: '10,50,25' }, blame: ['steps'], fix: /list them in rising order/ },
  { name: 'a step of 0', inputs: { steps: '0,50' }, blame: ['steps'], fix: /whole percentage from 1 to 100/ },
  { name: 'both percentage and steps', inputs: { percentage: '10', steps: '10,20' }, blame: ['percentage', 'steps'], fix: /not both/ },
  { name: 'an unknown traffic mode', inputs: { traffic: 'istio' }, blame: ['traffic'], fix: /Use one of: pod, alb/ },
  { name: 'an ingress in pod mode', inputs: { ingress: 'web' }, blame: ['ingress'], fix: /remove it or set "traffic: alb"/ },
  { name: 'a Service name with capitals', inputs: { traffic: 'alb', service: 'Web_Svc' }, blame: ['service'], fix: /Use a Service name/ },
  { name: 'no manifests', inputs: { manifests: '' }, blame: ['manifests'], fix: /list the manifest files, directories or globs/ },
  { name: 'manifests that do not exist', inputs: { manifests: 'nope/' }, blame: ['manifests'], fix: /does not exist .*Check the path/ },
  {
    name: 'manifests without a Deployment',
    inputs: { manifests: 'service-only.yaml' },
    blame: ['manifests'],
    fix: /contain no Deployment .*add one/,
  },
  {
    name: 'a deployment the manifests do not define',
    inputs: { deployment: 'api' },
    blame: ['deployment'],
    fix: /names "api", but the manifests define "web"/,
  },
  { name: 'a deployment name with spaces', inputs: { deployment: 'Web App' }, blame: ['deployment'], fix: /metadata\.name/ },
  { name: 'an image that is no reference', inputs: { images: 'not an image' }, blame: ['images'], fix: /Use full image references/ },
  {
    name: 'an image no container uses',
    inputs: { images: 'other.local/api:1.0.0' },
    blame: ['images'],
    fix: /no container in the manifests uses "other\.local\/api"/,
  },
  {
    name: 'one repository twice with different tags',
    inputs: { images: 'repo/web:2\nrepo/web:3' },
    blame: ['images'],
    fix: /as "repo\/web:2" and "repo\/web:3": which one to deploy is ambiguous\. Keep one\./,
  },
  {
    name: 'one repository twice, spelled two ways',
    inputs: { images: 'nginx:1.27\ndocker.io/library/nginx:1.28' },
    blame: ['images'],
    fix: /"nginx:1\.27" and "docker\.io\/library\/nginx:1\.28".*Keep one/,
  },
  { name: 'a unitless bake-time', inputs: { 'bake-time': '30' }, blame: ['bake-time'], fix: /write "30ms" or "30s"/ },
  { name: 'a zero bake-time', inputs: { 'bake-time': '0s' }, blame: ['bake-time'], fix: /Use a duration above zero/ },
  { name: 'a negative bake-time', inputs: { 'bake-time': '-30s' }, blame: ['bake-time'], fix: /non-negative duration with a unit/ },
  {
    name: 'a zero analysis-interval',
    inputs: { 'analysis-interval': '0s' },
    blame: ['analysis-interval'],
    fix: /Use a duration above zero/,
  },
  {
    name: 'an interval longer than the bake',
    inputs: { 'bake-time': '5s', 'analysis-interval': '10s' },
    blame: ['analysis-interval', 'bake-time'],
    fix: /Set "analysis-interval" to at most the bake time/,
  },
  { name: 'a ready-timeout in words', inputs: { 'ready-timeout': 'soon' }, blame: ['ready-timeout'], fix: /such as "500ms", "30s"/ },
  { name: 'negative max-restarts', inputs: { 'max-restarts': '-1' }, blame: ['max-restarts'], fix: /Use a whole number of at least 0/ },
  {
    name: 'an http-url that is not a URL',
    inputs: { 'http-url': 'app/healthz' },
    blame: ['http-url'],
    fix: /Use an absolute http:\/\/ or https:\/\/ URL/,
  },
  {
    name: 'an ftp http-url',
    inputs: { 'http-url': 'ftp://app/healthz' },
    blame: ['http-url'],
    fix: /must be an http:\/\/ or https:\/\/ URL/,
  },
  {
    name: 'credentials in http-url',
    inputs: (l) => ({ 'http-url': `http://probe:${encodeURIComponent(SECRETS.urlPassword)}@127.0.0.1:${l.port}/healthz` }),
    blame: ['http-url', 'http-headers'],
    fix: /Remove them: send them as a header in the "http-headers" input/,
  },
  { name: 'a unitless http-max-p95', inputs: { 'http-max-p95': '500' }, blame: ['http-max-p95'], fix: /write "500ms" or "500s"/ },
  { name: 'a unitless http-timeout', inputs: { 'http-timeout': '5' }, blame: ['http-timeout'], fix: /write "5ms" or "5s"/ },
  {
    name: 'an HTTP status out of range',
    inputs: { 'http-expected-status': '700' },
    blame: ['http-expected-status'],
    fix: /from 100 to 599/,
  },
  { name: 'zero http-requests', inputs: { 'http-requests': '0' }, blame: ['http-requests'], fix: /from 1 to 10000/ },
  { name: 'a success rate over 100', inputs: { 'http-success-rate': '101' }, blame: ['http-success-rate'], fix: /from 0 to 100/ },
  {
    name: 'an http-headers line without a colon',
    inputs: { 'http-headers': SECRETS.httpHeader },
    blame: ['http-headers'],
    fix: /Write one header per line/,
  },
  {
    name: 'an http-headers Host line',
    inputs: { 'http-headers': `X-Api-Key: ${SECRETS.httpHeader}\nHost: evil` },
    blame: ['http-headers'],
    fix: /Remove that line/,
  },
  {
    name: 'HTTP settings without http-url',
    inputs: { 'http-url': undefined, 'http-headers': undefined, 'http-requests': '5' },
    blame: ['http-requests', 'http-url'],
    fix: /Give "http-url" to enable the HTTP check/,
  },
  {
    name: 'http-headers without http-url',
    inputs: { 'http-url': undefined },
    blame: ['http-headers', 'http-url'],
    fix: /or remove "http-headers"/,
  },
  {
    name: 'credentials in prometheus-url',
    inputs: (l) => ({ 'prometheus-url': `http://admin:${SECRETS.urlPassword}@127.0.0.1:${l.port}` }),
    blame: ['prometheus-url', 'prometheus-headers'],
    fix: /send them as a header in the "prometheus-headers" input/,
  },
  {
    name: 'a Prometheus query without its URL',
    inputs: { 'prometheus-url': undefined },
    blame: ['prometheus-url'],
    fix: /give the URL, the query and its maximum/,
  },
  { name: 'a Prometheus maximum that is no number', inputs: { 'prometheus-max': 'lots' }, blame: ['prometheus-max'], fix: /Use a number/ },
  {
    name: 'a prometheus-headers name with spaces',
    inputs: { 'prometheus-headers': `X Org Id: ${SECRETS.prometheusHeader}` },
    blame: ['prometheus-headers'],
    fix: /Use letters, digits and "-"/,
  },
  {
    name: 'an alarm name over 255 characters',
    inputs: { 'cloudwatch-alarms': 'a'.repeat(300) },
    blame: ['cloudwatch-alarms'],
    fix: /at most 255 characters/,
  },
  { name: 'max-surge in words', inputs: { 'max-surge': 'many' }, blame: ['max-surge'], fix: /Use a whole number of pods/ },
  { name: 'max-unavailable over 100%', inputs: { 'max-unavailable': '150%' }, blame: ['max-unavailable'], fix: /at most 100%/ },
  {
    name: 'max-surge and max-unavailable both 0',
    inputs: { 'max-surge': '0', 'max-unavailable': '0' },
    blame: ['max-surge', 'max-unavailable'],
    fix: /Set one of them above 0/,
  },
  { name: 'a unitless rollout-timeout', inputs: { 'rollout-timeout': '600' }, blame: ['rollout-timeout'], fix: /write "600ms" or "600s"/ },
  {
    name: 'an on-cancel that is neither undo nor leave',
    inputs: { 'on-cancel': 'rollback' },
    blame: ['on-cancel'],
    fix: /Use one of: undo, leave/,
  },
  {
    name: 'require-evidence-from without github-token',
    inputs: { 'require-evidence-from': 'qa', 'github-token': '' },
    blame: ['require-evidence-from', 'github-token'],
    fix: /deployments: read/,
  },
  {
    name: 'require-evidence-from naming its own environment',
    inputs: { 'require-evidence-from': 'production' },
    blame: ['require-evidence-from'],
    fix: /name the one before it/,
  },
  {
    name: 'four independent mistakes at once',
    inputs: (l) => ({
      percentage: '0',
      'bake-time': '30',
      'http-url': `http://u:${SECRETS.urlPassword}@127.0.0.1:${l.port}/`,
      'max-surge': 'lots',
    }),
    blame: ['percentage', 'bake-time', 'http-url', 'max-surge'],
    fix: /^4 problems with the inputs; fix them all before the next run:\n1\. /,
  },
  {
    name: 'a bad kubeconfig with an ambiguous image and half a Prometheus check',
    inputs: { kubeconfig: '/nonexistent/kubeconfig', images: 'repo/web:2\nrepo/web:3', 'prometheus-query': undefined },
    blame: ['kubeconfig', 'images', 'prometheus-query'],
    fix: /^3 problems with the inputs.*\n1\. Input "kubeconfig"/s,
  },
  {
    name: 'an evidence gate with a bad kubeconfig: refused before the GitHub API is asked',
    inputs: { 'require-evidence-from': 'qa', kubeconfig: Buffer.from('garbage '.repeat(20)).toString('base64') },
    blame: ['kubeconfig'],
    fix: /Encode the whole file/,
  },
  {
    name: 'an evidence gate with manifests that do not exist: refused before the GitHub API is asked',
    inputs: { 'require-evidence-from': 'qa', manifests: 'nope/' },
    blame: ['manifests'],
    fix: /does not exist .*Check the path/,
  },
  {
    name: 'an evidence gate with an image no container uses: refused before the GitHub API is asked',
    inputs: { 'require-evidence-from': 'qa', images: 'other.local/api:1.0.0' },
    blame: ['images'],
    fix: /no container in the manifests uses "other\.local\/api"/,
  },
  {
    name: 'every duration without a unit',
    inputs: {
      'bake-time': '60',
      'analysis-interval': '10',
      'ready-timeout': '300',
      'http-max-p95': '500',
      'http-timeout': '5',
      'rollout-timeout': '600',
    },
    blame: ['bake-time', 'analysis-interval', 'ready-timeout', 'http-max-p95', 'http-timeout', 'rollout-timeout'],
    fix: /^6 problems/,
  },
];

const clusterBase = (l: Listener): Record<string, string> => ({
  kubeconfig: kubeconfigFor(l),
  deployment: 'web',
  'github-token': SECRETS.githubToken,
});

const PROMOTE_CASES: BadInputCase[] = [
  ...KUBECONFIG_CASES,
  ...CLUSTER_CASES,
  ...REPORTING_CASES,
  { name: 'no deployment', inputs: { deployment: undefined }, blame: ['deployment'], fix: /name the Deployment, e\.g\. "flask-app"/ },
  { name: 'a deployment name with spaces', inputs: { deployment: 'Web App' }, blame: ['deployment'], fix: /metadata\.name/ },
  { name: 'max-surge in words', inputs: { 'max-surge': 'many' }, blame: ['max-surge'], fix: /Use a whole number of pods/ },
  { name: 'max-unavailable over 100%', inputs: { 'max-unavailable': '150%' }, blame: ['max-unavailable'], fix: /at most 100%/ },
  {
    name: 'max-surge and max-unavailable both 0',
    inputs: { 'max-surge': '0', 'max-unavailable': '0' },
    blame: ['max-surge', 'max-unavailable'],
    fix: /Set one of them above 0/,
  },
  { name: 'a zero rollout-timeout', inputs: { 'rollout-timeout': '0s' }, blame: ['rollout-timeout'], fix: /above zero/ },
  { name: 'a unitless rollout-timeout', inputs: { 'rollout-timeout': '90' }, blame: ['rollout-timeout'], fix: /write "90ms" or "90s"/ },
  {
    name: 'an on-cancel that is neither undo nor leave',
    inputs: { 'on-cancel': 'rollback' },
    blame: ['on-cancel'],
    fix: /Use one of: undo, leave/,
  },
  {
    name: 'three mistakes at once',
    inputs: { deployment: undefined, 'max-surge': 'lots', 'rollout-timeout': '90' },
    blame: ['deployment', 'max-surge', 'rollout-timeout'],
    fix: /^3 problems with the inputs; fix them all/,
  },
];

const ROLLBACK_CASES: BadInputCase[] = [
  ...KUBECONFIG_CASES,
  ...CLUSTER_CASES,
  ...REPORTING_CASES,
  { name: 'no deployment', inputs: { deployment: undefined }, blame: ['deployment'], fix: /name the Deployment/ },
  { name: 'a deployment name with spaces', inputs: { deployment: 'Web App' }, blame: ['deployment'], fix: /metadata\.name/ },
  { name: 'undo that is no boolean', inputs: { undo: 'maybe' }, blame: ['undo'], fix: /Use "true" or "false"/ },
  {
    name: 'to-revision without undo',
    inputs: { 'to-revision': '3' },
    blame: ['to-revision', 'undo'],
    fix: /set it to roll back to that revision, or remove "to-revision"/,
  },
  { name: 'to-revision 0', inputs: { undo: 'true', 'to-revision': '0' }, blame: ['to-revision'], fix: /whole number of at least 1/ },
  {
    name: 'to-revision in words',
    inputs: { undo: 'true', 'to-revision': 'previous' },
    blame: ['to-revision'],
    fix: /whole number of at least 1/,
  },
  { name: 'a zero rollout-timeout', inputs: { 'rollout-timeout': '0s' }, blame: ['rollout-timeout'], fix: /above zero/ },
  { name: 'a unitless rollout-timeout', inputs: { 'rollout-timeout': '30' }, blame: ['rollout-timeout'], fix: /write "30ms" or "30s"/ },
  {
    name: 'four mistakes at once',
    inputs: { kubeconfig: '/nonexistent/kubeconfig', undo: 'maybe', 'to-revision': '0', 'rollout-timeout': '30' },
    blame: ['kubeconfig', 'undo', 'to-revision', 'rollout-timeout'],
    fix: /^\d problems with the inputs/,
  },
];

const runTestsBase = (): Record<string, string> => ({
  token: SECRETS.runTestsToken,
  requirements: 'none',
  command: 'python -m pytest -q tests',
});

const RUN_TESTS_CASES: BadInputCase[] = [
  {
    name: 'a working-directory that does not exist',
    inputs: { 'working-directory': 'nope' },
    blame: ['working-directory'],
    fix: /Use a path relative to the repository root/,
  },
  {
    name: 'a requirements file that does not exist',
    inputs: { requirements: 'requirements-missing.txt' },
    blame: ['requirements'],
    fix: /set "requirements: none" to install nothing/,
  },
  {
    name: 'a command with an unclosed quote',
    inputs: { command: 'python -m pytest -k "unclosed' },
    blame: ['command'],
    fix: /runs without a shell/,
  },
  { name: 'a command that is only quotes', inputs: { command: '""' }, blame: ['command'], fix: /Give the program and its arguments/ },
  {
    name: 'another runner without junit-path',
    inputs: { command: 'npm test' },
    blame: ['junit-path', 'command'],
    fix: /name the JUnit XML file\(s\) your test runner writes/,
  },
  {
    name: 'a negative annotations-limit',
    inputs: { 'annotations-limit': '-1' },
    blame: ['annotations-limit'],
    fix: /whole number of at least 0/,
  },
  {
    name: 'annotations-limit in words',
    inputs: { 'annotations-limit': 'many' },
    blame: ['annotations-limit'],
    fix: /whole number of at least 0/,
  },
  { name: 'a coverage-threshold over 100', inputs: { 'coverage-threshold': '120' }, blame: ['coverage-threshold'], fix: /from 0 to 100/ },
  { name: 'a coverage-threshold in words', inputs: { 'coverage-threshold': 'high' }, blame: ['coverage-threshold'], fix: /from 0 to 100/ },
  {
    name: 'fail-on-failure that is no boolean',
    inputs: { 'fail-on-failure': 'perhaps' },
    blame: ['fail-on-failure'],
    fix: /Use "true" or "false"/,
  },
  {
    name: 'three mistakes at once',
    inputs: { 'working-directory': 'nope', command: 'pytest "x', 'annotations-limit': 'many' },
    blame: ['working-directory', 'command', 'annotations-limit'],
    fix: /^3 problems with the inputs/,
  },
];

const buildBase = (): Record<string, string> => ({ repository: 'team/web', context: 'app', push: 'true' });

const BUILD_CASES: BadInputCase[] = [
  { name: 'no repository', inputs: { repository: undefined }, blame: ['repository'], fix: /Set it under "with:"/ },
  {
    name: 'a repository with capitals and spaces',
    inputs: { repository: 'Web App' },
    blame: ['repository'],
    fix: /lowercase letters, digits/,
  },
  {
    name: 'a full image reference as repository',
    inputs: { repository: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1' },
    blame: ['repository'],
    fix: /Give only the repository name/,
  },
  { name: 'a context that does not exist', inputs: { context: 'nope' }, blame: ['context'], fix: /check out the repository/ },
  {
    name: 'a dockerfile that does not exist',
    inputs: { dockerfile: 'app/Containerfile' },
    blame: ['dockerfile'],
    fix: /Paths are relative to the workspace/,
  },
  {
    name: 'a context without a Dockerfile',
    inputs: { context: 'k8s' },
    blame: ['dockerfile', 'context'],
    fix: /Set input "dockerfile" to its path/,
  },
  { name: 'a build-args line without =', inputs: { 'build-args': 'VERSION' }, blame: ['build-args'], fix: /as KEY=value/ },
  { name: 'a label line without =', inputs: { labels: 'team' }, blame: ['labels'], fix: /as KEY=value/ },
  { name: 'a tag with spaces', inputs: { tags: 'bad tag!' }, blame: ['tags'], fix: /Give only the tag, not the image name/ },
  { name: 'an unknown auto-tag kind', inputs: { 'auto-tags': 'sha,moon' }, blame: ['auto-tags'], fix: /or "none"/ },
  { name: 'push that is no boolean', inputs: { push: 'maybe' }, blame: ['push'], fix: /Use "true" or "false"/ },
  { name: 'an unknown builder', inputs: { builder: 'podman' }, blame: ['builder'], fix: /Use one of: auto, buildx, classic/ },
  { name: 'a platform without an arch', inputs: { platforms: 'linux' }, blame: ['platforms'], fix: /Use os\/arch/ },
  {
    name: 'two platforms without push',
    inputs: { push: 'false', platforms: 'linux/amd64,linux/arm64' },
    blame: ['platforms'],
    fix: /set "push: true" or give one platform/,
  },
  {
    name: 'an unknown cache-type',
    inputs: { 'cache-type': 'floppy' },
    blame: ['cache-type'],
    fix: /Use one of: none, registry, inline, gha/,
  },
  {
    name: 'a cache-from that is no reference',
    inputs: { 'cache-from': 'Not A Ref' },
    blame: ['cache-from'],
    fix: /Use image references such as/,
  },
  {
    name: 'create-repository that is no boolean',
    inputs: { 'create-repository': 'sure' },
    blame: ['create-repository'],
    fix: /Use "true" or "false"/,
  },
  { name: 'lifecycle-keep-images 0', inputs: { 'lifecycle-keep-images': '0' }, blame: ['lifecycle-keep-images'], fix: /from 1 to 10000/ },
  { name: 'a registry-id that is no account', inputs: { 'registry-id': '12' }, blame: ['registry-id'], fix: /12-digit AWS account ID/ },
  { name: 'a region that is no region', inputs: { region: 'mars' }, blame: ['region'], fix: /region code such as "us-east-1"/ },
  {
    name: 'a bad AWS_REGION with an empty region',
    env: { AWS_REGION: 'Frankfurt' },
    blame: ['region'],
    fix: /The environment variable AWS_REGION is invalid.*or set input "region"/,
  },
  {
    name: 'no region anywhere for a push',
    env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
    blame: ['region'],
    fix: /run aws-actions\/configure-aws-credentials/,
  },
  {
    name: 'scan-wait without push',
    inputs: { push: 'false', 'scan-wait': 'true' },
    blame: ['scan-wait'],
    fix: /set "push: true" or turn "scan-wait" off/,
  },
  {
    name: 'an unknown scan-severity-threshold',
    inputs: { 'scan-severity-threshold': 'EXTREME' },
    blame: ['scan-severity-threshold'],
    fix: /Use one of/,
  },
  { name: 'a unitless scan-timeout', inputs: { 'scan-timeout': '600' }, blame: ['scan-timeout'], fix: /write "600ms" or "600s"/ },
  {
    name: 'three mistakes at once',
    inputs: { repository: 'Web App', platforms: 'linux', 'scan-timeout': '600' },
    blame: ['repository', 'platforms', 'scan-timeout'],
    fix: /^3 problems with the inputs/,
  },
];

export interface ActionTable {
  action: Action;
  base: (listener: Listener) => Record<string, string>;
  cases: BadInputCase[];
}

export const TABLES: ActionTable[] = [
  {
    action: 'canary-deploy',
    base: canaryBase,
    cases: [
      ...CANARY_CASES,
      {
        name: 'auto-promote that is no boolean',
        inputs: { 'auto-promote': 'maybe' },
        blame: ['auto-promote'],
        fix: /Use "true" or "false"/,
      },
    ],
  },
  { action: 'release', base: canaryBase, cases: CANARY_CASES },
  { action: 'rolling-promote', base: clusterBase, cases: PROMOTE_CASES },
  { action: 'rollback', base: clusterBase, cases: ROLLBACK_CASES },
  { action: 'run-tests', base: runTestsBase, cases: RUN_TESTS_CASES },
  { action: 'build-push-ecr', base: buildBase, cases: BUILD_CASES },
];

/** The base inputs with a case's changes: undefined removes an input. */
export function inputsFor(table: ActionTable, badCase: BadInputCase, listener: Listener): Record<string, string> {
  const changes = typeof badCase.inputs === 'function' ? badCase.inputs(listener) : (badCase.inputs ?? {});
  const inputs: Record<string, string> = { ...table.base(listener) };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete inputs[name];
    else inputs[name] = value;
  }
  return inputs;
}
