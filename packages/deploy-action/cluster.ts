import { findRegion } from '../aws/config';
import { createEksClient, describeEksCluster, type EksClusterInfo, type EksSender } from '../aws/eks';
import { EksTokenProvider } from '../aws/eks-token';
import { ConfigurationError } from '../core/errors';
import { maskSecret } from '../core/log';
import { clientOptionsFromKubeconfig, KubeClient, loadKubeconfig, type KubeClientOptions, type KubeconfigCredentials } from '../kube';
import type { EksExecUser } from '../kube/kubeconfig-exec';
import { checkOneCluster, INPUT } from './inputs';

/**
 * Cluster access, composed: packages/kube speaks to any apiserver and reads
 * kubeconfigs; EKS authentication (DescribeCluster, then a token signed with
 * the job's AWS credentials) is plugged in here, so the Kubernetes client
 * does not depend on the AWS SDK, as client-go does not know about EKS.
 */

/** How the action inputs pick a cluster. Exactly one of kubeconfig / clusterName. */
export interface ClusterAccessInput {
  /** `kubeconfig` input: contents, base64 contents, or a path. */
  kubeconfig?: string;
  /** `cluster-name` input: an EKS cluster. */
  clusterName?: string;
  /** The region for clusterName, already resolved (the input or the environment). */
  region?: string;
  /** Kubeconfig context to use instead of current-context. */
  context?: string;
  allowInsecure?: boolean;
  /** For the user agent and CloudTrail. */
  actionName?: string;
  /** For tests: an EKS client (or fake) instead of a real one. */
  eks?: EksSender & { config?: { credentials?: unknown } };
  /** Extra client options (retry policy, timeouts). */
  clientOptions?: Partial<KubeClientOptions>;
}

export interface ClusterConnection {
  client: KubeClient;
  source: 'kubeconfig' | 'eks';
  /** For logs and summaries: "kubeconfig context <name> (https://…)" or "EKS cluster <name> (ACTIVE, 1.34)". */
  description: string;
  /** The kubeconfig context's namespace, if any. */
  defaultNamespace?: string;
  eks?: EksClusterInfo;
  kubeconfig?: KubeconfigCredentials;
}

/** From a kubeconfig or an EKS cluster name, a ready KubeClient. */
export async function connectCluster(input: ClusterAccessInput): Promise<ClusterConnection> {
  const userAgent = `flightdeck/${input.actionName ?? 'deploy'}`;
  if (checkOneCluster(input.kubeconfig, input.clusterName) === 'kubeconfig') {
    const credentials = loadKubeconfig(input.kubeconfig!, {
      context: input.context,
      allowInsecure: input.allowInsecure,
      input: INPUT.kubeconfig,
    });
    maskSecret(credentials.token);
    const options = clientOptionsFromKubeconfig(credentials);
    // `aws eks update-kubeconfig`'s exec user: the same token, made here from the same cluster name and region.
    if (credentials.eks) options.token = eksExecTokens(credentials.eks, input).get;
    const client = new KubeClient({ ...options, userAgent, ...input.clientOptions });
    return {
      client,
      source: 'kubeconfig',
      description: `kubeconfig context "${credentials.contextName}" (${credentials.server}${credentials.eks ? `, EKS token for cluster "${credentials.eks.clusterName}" made in-process` : ''})`,
      defaultNamespace: credentials.namespace,
      kubeconfig: credentials,
    };
  }
  const clusterName = input.clusterName!.trim();
  if (!input.region) {
    throw new ConfigurationError(`Input "${INPUT.clusterName}" needs a region: set "${INPUT.awsRegion}" or AWS_REGION.`, INPUT.clusterName);
  }
  const region = input.region;
  const eks = input.eks ?? createEksClient(region, input.actionName ?? 'deploy');
  const info = await describeEksCluster(eks, clusterName, region, INPUT.clusterName);
  const credentials = (eks as { config?: { credentials?: unknown } }).config?.credentials;
  if (typeof credentials !== 'function') throw new Error('The EKS client has no credential provider to sign the cluster token with.');
  const tokens = new EksTokenProvider({ clusterName, region, credentials: credentials as () => Promise<never> });
  const client = new KubeClient({
    server: info.endpoint,
    ca: info.certificateAuthority,
    token: tokens.get,
    userAgent,
    ...input.clientOptions,
  });
  return {
    client,
    source: 'eks',
    description: `EKS cluster "${info.name}" (${info.status}${info.version ? `, Kubernetes ${info.version}` : ''})`,
    eks: info,
  };
}

/** A token provider for a kubeconfig's EKS exec user, signed with the job's AWS credentials (the SDK's default chain). */
function eksExecTokens(exec: EksExecUser, input: ClusterAccessInput): EksTokenProvider {
  const region = exec.region ?? findRegion(input.region, INPUT.awsRegion);
  if (!region) {
    throw new ConfigurationError(
      `Input "${INPUT.kubeconfig}": its user makes an EKS token for cluster "${exec.clusterName}" (${exec.plugin}) but names no region. ` +
        `Set "${INPUT.awsRegion}" or AWS_REGION (aws-actions/configure-aws-credentials does), or add --region to the exec args.`,
      INPUT.kubeconfig,
    );
  }
  const eks = input.eks ?? createEksClient(region, input.actionName ?? 'deploy');
  const credentials = (eks as { config?: { credentials?: unknown } }).config?.credentials;
  if (typeof credentials !== 'function') throw new Error('The EKS client has no credential provider to sign the cluster token with.');
  return new EksTokenProvider({ clusterName: exec.clusterName, region, credentials: credentials as () => Promise<never> });
}
