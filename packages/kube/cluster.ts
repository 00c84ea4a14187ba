import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../core/errors';
import { createEksClient, describeEksCluster, type EksClusterInfo, type EksSender } from '../aws/eks';
import { EksTokenProvider } from '../aws/eks-token';
import { maskSecret } from '../core/log';
import { KubeClient, type KubeClientOptions, type TokenProvider } from './client';
import { loadKubeconfig, type KubeconfigCredentials } from './kubeconfig';

/** The action inputs that pick a cluster. Exactly one of kubeconfig / clusterName. */
export interface ClusterAccessInput {
  /** `kubeconfig` input: contents, base64 contents, or a path. */
  kubeconfig?: string;
  /** `cluster-name` input: an EKS cluster. */
  clusterName?: string;
  /** The region for clusterName (already resolved, e.g. with resolveRegion). */
  region?: string;
  /** Kubeconfig context to use instead of current-context. */
  context?: string;
  allowInsecure?: boolean;
  /** For the user agent and CloudTrail. */
  actionName?: string;
  /** Input names, for errors. Defaults: kubeconfig, cluster-name. */
  inputNames?: { kubeconfig?: string; clusterName?: string };
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

/**
 * Check that exactly one way to reach a cluster was given. Call it while
 * validating inputs, before anything else happens.
 */
export function checkClusterAccessInput(input: ClusterAccessInput): void {
  const kubeconfigName = input.inputNames?.kubeconfig ?? 'kubeconfig';
  const clusterName = input.inputNames?.clusterName ?? 'cluster-name';
  const hasKubeconfig = Boolean(input.kubeconfig?.trim());
  const hasCluster = Boolean(input.clusterName?.trim());
  if (hasKubeconfig && hasCluster) {
    throw new ConfigurationError(
      `Inputs "${kubeconfigName}" and "${clusterName}" were both given. Use "${clusterName}" (with a region) for EKS, or "${kubeconfigName}" for any other cluster, not both.`,
      kubeconfigName,
    );
  }
  if (!hasKubeconfig && !hasCluster) {
    throw new ConfigurationError(
      `No cluster given: set "${clusterName}" (an EKS cluster, with a region) or "${kubeconfigName}" (contents or path).`,
      clusterName,
    );
  }
  if (hasCluster && !input.region) {
    throw new ConfigurationError(`Input "${clusterName}" needs a region: set the region input or AWS_REGION.`, clusterName);
  }
}

/** From a kubeconfig or an EKS cluster name, a ready KubeClient. */
export async function connectCluster(input: ClusterAccessInput): Promise<ClusterConnection> {
  checkClusterAccessInput(input);
  const userAgent = `flightdeck/${input.actionName ?? 'deploy'}`;
  if (input.kubeconfig?.trim()) {
    const credentials = loadKubeconfig(input.kubeconfig, {
      context: input.context,
      allowInsecure: input.allowInsecure,
      input: input.inputNames?.kubeconfig,
    });
    maskSecret(credentials.token);
    const client = new KubeClient({ ...clientOptionsFromKubeconfig(credentials), userAgent, ...input.clientOptions });
    return {
      client,
      source: 'kubeconfig',
      description: `kubeconfig context "${credentials.contextName}" (${credentials.server})`,
      defaultNamespace: credentials.namespace,
      kubeconfig: credentials,
    };
  }
  const clusterName = input.clusterName!.trim();
  const region = input.region!;
  const eks = input.eks ?? createEksClient(region, input.actionName ?? 'deploy');
  const info = await describeEksCluster(eks, clusterName, region, input.inputNames?.clusterName);
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

/** KubeClient options for kubeconfig credentials (token files are re-read on refresh, as they rotate). */
export function clientOptionsFromKubeconfig(credentials: KubeconfigCredentials): KubeClientOptions {
  let token: TokenProvider | undefined;
  if (credentials.token) {
    const value = credentials.token;
    token = () => value;
  } else if (credentials.tokenFile) {
    const file = credentials.tokenFile;
    let cached: string | undefined;
    token = (forceRefresh) => {
      if (forceRefresh || cached === undefined) {
        cached = readFileSync(file, 'utf8').trim();
        maskSecret(cached);
      }
      return cached;
    };
  }
  return {
    server: credentials.server,
    ca: credentials.ca,
    cert: credentials.cert,
    key: credentials.key,
    token,
    insecureSkipTlsVerify: credentials.insecureSkipTlsVerify,
    tlsServerName: credentials.tlsServerName,
  };
}
