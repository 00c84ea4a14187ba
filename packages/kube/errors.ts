import { ConfigurationError } from '../core/errors';
import { describeProxySettings } from '../core/proxy';
import { redactUrlsIn } from '../core/redact';
import type { KubeStatus } from './types';

/** What an apiserver error was about: enough to say which call failed and why. */
export interface KubeErrorContext {
  /** The RBAC verb of the call: get, list, watch, create, update, patch, delete. */
  verb: string;
  /** The resource (plural), e.g. "deployments". */
  resource: string;
  namespace?: string;
  name?: string;
}

/** An apiserver answer other than 2xx (or 401/403, see KubePermissionError). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    message: string,
    /** HTTP status code, e.g. 404, 409, 410, 422, 500. */
    readonly status: number,
    /** The Status reason, e.g. NotFound, AlreadyExists, Conflict, Invalid, Expired. */
    readonly reason: string,
    readonly context: KubeErrorContext,
    readonly body?: KubeStatus,
  ) {
    super(message);
  }
}

/**
 * 401 or 403: the credentials are wrong or lack a permission. The user fixes
 * that in their RBAC Role or kubeconfig, so it is a ConfigurationError and is
 * reported without a stack trace.
 */
export class KubePermissionError extends ConfigurationError {
  constructor(
    message: string,
    readonly status: 401 | 403,
    readonly reason: string,
    readonly context: KubeErrorContext,
  ) {
    super(message);
  }
}

/** What a network error code says about an apiserver that never answered. */
function unreachableReason(error: Error, server: URL): string {
  const host = server.hostname;
  const port = server.port || (server.protocol === 'https:' ? '443' : '80');
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ECONNREFUSED':
      return `the connection was refused: nothing listens on ${host}:${port}`;
    case 'ENOTFOUND':
      return `the host name ${host} does not resolve`;
    case 'EAI_AGAIN':
      return `the host name ${host} could not be resolved (no answer from DNS)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `there is no network route to ${host}`;
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'CERT_HAS_EXPIRED':
      return `its TLS certificate is not trusted (${error.message}): the kubeconfig's certificate-authority-data (or tls-server-name) does not match the server`;
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was closed before any answer (is that port an apiserver, and does it speak the scheme of the URL?)';
    default:
      return redactUrlsIn(error.message);
  }
}

/**
 * The apiserver could not be reached before it ever answered: a wrong address, a cluster that is
 * down, or a network in between. Reported after a short start-up budget (not the ~30 s of retries
 * that ride out a restart in the middle of a run), with what to check.
 */
export class KubeUnreachableError extends Error {
  override readonly name = 'KubeUnreachableError';
  constructor(
    readonly server: URL,
    readonly context: KubeErrorContext,
    readonly networkError: Error,
    readonly attempts: number,
    elapsedMs: number,
    proxyEnv: NodeJS.ProcessEnv = process.env,
  ) {
    super(
      `Cannot reach the Kubernetes API at ${server.origin} to ${context.verb} ${context.resource}: ${unreachableReason(networkError, server)} ` +
        `(${attempts} attempt${attempts === 1 ? '' : 's'} in ${(elapsedMs / 1000).toFixed(1)} s, no answer yet). ` +
        "Check the server address in the kubeconfig (for EKS: the cluster's endpoint and whether its public or private access suits this runner), " +
        `that the cluster is running, and that this runner can reach it: network, firewall or security group, and proxy${describeProxySettings(proxyEnv) || ' (HTTPS_PROXY, NO_PROXY)'}.`,
    );
  }
}

/** The bearer token could not be had: a missing tokenFile, no AWS credentials to sign an EKS token. */
export class KubeTokenError extends Error {
  override readonly name = 'KubeTokenError';
  constructor(server: URL, cause: Error) {
    const { code, path } = cause as NodeJS.ErrnoException;
    const why =
      code === 'ENOENT' && path
        ? `the token file ${path} does not exist (the kubeconfig's tokenFile; was it removed after the step started?)`
        : code === 'EACCES' && path
          ? `the token file ${path} may not be read by this job`
          : redactUrlsIn(cause.message);
    super(`Cannot get a bearer token for the Kubernetes API at ${server.origin}: ${why}`, { cause });
  }
}

/** The HTTP status of an apiserver error, or undefined for anything else (network errors, bugs). */
export function kubeStatusOf(error: unknown): number | undefined {
  if (error instanceof KubeApiError || error instanceof KubePermissionError) return error.status;
  return undefined;
}

export const isNotFound = (error: unknown): boolean => kubeStatusOf(error) === 404;
/** 409 for any reason: an optimistic-concurrency Conflict or AlreadyExists. */
export const isConflict = (error: unknown): boolean => kubeStatusOf(error) === 409;
/** 410 Gone: a watch's resourceVersion is too old; re-list. */
export const isGone = (error: unknown): boolean => kubeStatusOf(error) === 410;

function where(context: KubeErrorContext): string {
  return context.namespace ? ` in namespace "${context.namespace}"` : ' (cluster-scoped)';
}

function target(context: KubeErrorContext): string {
  return context.name ? `${context.resource} "${context.name}"` : context.resource;
}

/** Turn an apiserver error response into the error a user can act on. */
export function errorFromResponse(status: number, body: KubeStatus | undefined, rawBody: string, context: KubeErrorContext): Error {
  const serverMessage = body?.message ?? (rawBody.trim().slice(0, 500) || `HTTP ${status}`);
  const reason = body?.reason ?? '';
  if (status === 403) {
    return new KubePermissionError(
      `Forbidden: the cluster credentials lack '${context.verb}' on ${context.resource}${where(context)}. ` +
        `Grant it in the deployer Role (see the README's least-privilege RBAC). The apiserver said: ${serverMessage}`,
      403,
      reason || 'Forbidden',
      context,
    );
  }
  if (status === 401) {
    return new KubePermissionError(
      `Unauthorized: the apiserver rejected the credentials while trying to ${context.verb} ${target(context)}${where(context)}. ` +
        'Check the kubeconfig user (or, for EKS, that the IAM identity has an access entry on the cluster).',
      401,
      reason || 'Unauthorized',
      context,
    );
  }
  const prefix = status === 404 ? 'Not found' : status === 409 ? 'Conflict' : `HTTP ${status}${reason ? ` ${reason}` : ''}`;
  return new KubeApiError(
    `${prefix}: cannot ${context.verb} ${target(context)}${where(context)}: ${serverMessage}`,
    status,
    reason || (status === 404 ? 'NotFound' : ''),
    context,
    body,
  );
}
