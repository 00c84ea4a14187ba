import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { ConfigurationError } from '../core/errors';
import { awsClientOptions } from './config';
import { awsErrorCode, explainAwsError } from './errors';
import { awsProxyOptions } from './proxy';

/** What a deploy needs to know about an EKS cluster before talking to its API. */
export interface EksClusterInfo {
  name: string;
  arn?: string;
  /** The apiserver URL, https://…eks.amazonaws.com. */
  endpoint: string;
  /** PEM bytes of the cluster CA (DescribeCluster gives it base64-encoded). */
  certificateAuthority: Buffer;
  status: string;
  version?: string;
}

/** The part of EKSClient we use, so tests can pass a fake. */
export type EksSender = Pick<EKSClient, 'send'>;

/** Statuses in which the apiserver serves requests. UPDATING is a version or config update: the API stays up. */
export const USABLE_CLUSTER_STATUSES = ['ACTIVE', 'UPDATING'] as const;

const STATUS_ADVICE: Record<string, string> = {
  CREATING: 'it is still being created; run the deploy again once it is ACTIVE (usually 10 to 15 minutes after creation starts)',
  DELETING: 'it is being deleted; deploy to another cluster',
  FAILED: 'its creation failed; see the cluster health issues in the EKS console and recreate it',
  PENDING: 'it is pending (EKS Anywhere / connector); wait until it is ACTIVE',
};

export function createEksClient(region: string, actionName: string): EKSClient {
  return new EKSClient({ ...awsClientOptions(region, actionName), ...awsProxyOptions() });
}

/**
 * DescribeCluster and check the cluster can take a deploy. Refuses (with a
 * ConfigurationError naming the input) an unknown cluster or one that is not
 * ACTIVE or UPDATING, before anything has changed.
 */
export async function describeEksCluster(
  eks: EksSender,
  clusterName: string,
  region: string,
  input = 'cluster-name',
): Promise<EksClusterInfo> {
  let cluster;
  try {
    ({ cluster } = await eks.send(new DescribeClusterCommand({ name: clusterName })));
  } catch (error) {
    if (awsErrorCode(error) === 'ResourceNotFoundException') {
      throw new ConfigurationError(
        `Input "${input}": no EKS cluster named "${clusterName}" in region ${region}. Check the name (aws eks list-clusters --region ${region}) and the region.`,
        input,
      );
    }
    throw explainAwsError(error, 'eks:DescribeCluster');
  }
  const status = cluster?.status ?? 'UNKNOWN';
  if (!(USABLE_CLUSTER_STATUSES as readonly string[]).includes(status)) {
    const advice = STATUS_ADVICE[status] ?? 'only ACTIVE or UPDATING clusters can take a deploy';
    throw new ConfigurationError(`Input "${input}": EKS cluster "${clusterName}" is ${status}: ${advice}. Nothing was changed.`, input);
  }
  if (!cluster?.endpoint || !cluster.certificateAuthority?.data) {
    throw new ConfigurationError(
      `Input "${input}": EKS cluster "${clusterName}" reports no API endpoint or CA yet (status ${status}). Try again in a few minutes.`,
      input,
    );
  }
  return {
    name: cluster.name ?? clusterName,
    arn: cluster.arn,
    endpoint: cluster.endpoint,
    certificateAuthority: Buffer.from(cluster.certificateAuthority.data, 'base64'),
    status,
    version: cluster.version,
  };
}
