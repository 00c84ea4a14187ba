import { ConfigurationError } from '../core/errors';
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
