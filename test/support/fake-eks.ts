import type { EksSender } from '../../packages/aws/eks';

/** A hand-written stand-in for EKSClient: answers DescribeCluster from a table (moto cannot make a cluster CREATING). */
export function fakeEks(
  cluster: Record<string, unknown> | Error,
): EksSender & { config: { credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string }> } } {
  return {
    send: (async (command: { input: { name: string } }) => {
      if (cluster instanceof Error) throw cluster;
      return { cluster: { name: command.input.name, ...cluster } };
    }) as EksSender['send'],
    config: { credentials: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'testing' }) },
  };
}

/** A CA bundle as DescribeCluster returns it: base64 of PEM. */
export const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n').toString('base64');
