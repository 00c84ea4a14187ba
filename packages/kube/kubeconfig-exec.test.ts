import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { parseKubeconfig } from './kubeconfig';

/** A kubeconfig as `aws eks update-kubeconfig` writes it, with the exec user given. */
const eksKubeconfig = (exec: string) => `
apiVersion: v1
kind: Config
current-context: arn:aws:eks:eu-west-1:123456789012:cluster/prod
clusters:
- name: arn:aws:eks:eu-west-1:123456789012:cluster/prod
  cluster:
    server: https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com
    certificate-authority-data: ${Buffer.from('CA PEM').toString('base64')}
contexts:
- name: arn:aws:eks:eu-west-1:123456789012:cluster/prod
  context: { cluster: "arn:aws:eks:eu-west-1:123456789012:cluster/prod", user: "arn:aws:eks:eu-west-1:123456789012:cluster/prod" }
users:
- name: arn:aws:eks:eu-west-1:123456789012:cluster/prod
  user:
    exec:
${exec
  .trim()
  .split('\n')
  .map((line) => `      ${line}`)
  .join('\n')}
`;

const awsCli = (args: string[], env = '') =>
  eksKubeconfig(`apiVersion: client.authentication.k8s.io/v1beta1\ncommand: aws\nargs: ${JSON.stringify(args)}\n${env}`);

describe('a kubeconfig exec user that makes an EKS token', () => {
  it.each([
    ['aws CLI v2 (region first)', ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'prod', '--output', 'json']],
    ['aws CLI v1 (region after)', ['eks', 'get-token', '--cluster-name', 'prod', '--region', 'eu-west-1']],
    ['flag=value', ['eks', 'get-token', '--cluster-name=prod', '--region=eu-west-1']],
  ])('recognises %s', (_name, args) => {
    expect(parseKubeconfig(awsCli(args)).eks).toEqual({ clusterName: 'prod', region: 'eu-west-1', plugin: 'aws eks get-token' });
  });

  it('recognises aws-iam-authenticator token -i, and an absolute command path', () => {
    const text = eksKubeconfig(
      'apiVersion: client.authentication.k8s.io/v1\ncommand: /usr/local/bin/aws-iam-authenticator\nargs: [token, -i, prod]',
    );
    expect(parseKubeconfig(text).eks).toEqual({ clusterName: 'prod', plugin: 'aws-iam-authenticator token' });
  });

  it('takes the region from the plugin env when the args give none; the args win over it', () => {
    const env = 'env: [{ name: AWS_REGION, value: us-west-2 }, { name: AWS_STS_REGIONAL_ENDPOINTS, value: regional }]';
    expect(parseKubeconfig(awsCli(['eks', 'get-token', '--cluster-name', 'prod'], env)).eks?.region).toBe('us-west-2');
    expect(parseKubeconfig(awsCli(['eks', 'get-token', '--cluster-name', 'prod', '--region', 'eu-west-1'], env)).eks?.region).toBe(
      'eu-west-1',
    );
  });

  it('keeps the server and CA of the kubeconfig, and needs no other credentials', () => {
    const credentials = parseKubeconfig(awsCli(['eks', 'get-token', '--cluster-name', 'prod']));
    expect(credentials.server).toBe('https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com');
    expect(credentials.ca?.toString()).toBe('CA PEM');
    expect(credentials.token).toBeUndefined();
    expect(credentials.eks).toEqual({ clusterName: 'prod', plugin: 'aws eks get-token' });
  });

  const refused: [string, string, RegExp][] = [
    [
      'another plugin',
      eksKubeconfig('command: gke-gcloud-auth-plugin'),
      /exec plugin "gke-gcloud-auth-plugin", which this action does not run.*"cluster-name"/,
    ],
    [
      'a shell',
      eksKubeconfig('command: sh\nargs: ["-c", "aws eks get-token --cluster-name prod"]'),
      /exec plugin "sh", which this action does not run/,
    ],
    ['another aws command', awsCli(['sts', 'get-caller-identity']), /runs "aws" with arguments other than "eks get-token" \(not shown/],
    ['no cluster name', awsCli(['eks', 'get-token', '--region', 'eu-west-1']), /without --cluster-name/],
    [
      '--role-arn',
      awsCli(['eks', 'get-token', '--cluster-name', 'prod', '--role-arn', 'arn:aws:iam::1:role/x']),
      /--role-arn, which is not supported.*role-to-assume/,
    ],
    ['--profile', awsCli(['eks', 'get-token', '--cluster-name', 'prod', '--profile', 'prod']), /--profile, which is not supported/],
    [
      'AWS_PROFILE',
      awsCli(['eks', 'get-token', '--cluster-name', 'prod'], 'env: [{ name: AWS_PROFILE, value: prod }]'),
      /sets AWS_PROFILE, which is not supported/,
    ],
    [
      'an unknown flag',
      awsCli(['eks', 'get-token', '--cluster-name', 'prod', '--debug']),
      /argument "--debug", which Flightdeck does not know/,
    ],
    [
      'aws-iam-authenticator -r',
      eksKubeconfig('command: aws-iam-authenticator\nargs: [token, -i, prod, -r, "arn:aws:iam::1:role/x"]'),
      /--role, which is not supported/,
    ],
  ];
  it.each(refused)('refuses %s, naming the kubeconfig input', (_name, text, message) => {
    const run = () => parseKubeconfig(text);
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(message);
    expect(run).toThrow(/^Input "kubeconfig" is not a usable kubeconfig: user "arn:aws:eks:eu-west-1:123456789012:cluster\/prod"/);
  });
});
