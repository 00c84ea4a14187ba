import type { KubeClient } from './client';

/** One thing the caller is about to do, asked of the apiserver's authorizer before doing it. */
export interface AccessRequest {
  verb: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
}

export interface AccessDecision extends AccessRequest {
  allowed: boolean;
  /** The RBAC resource, e.g. "ingresses.networking.k8s.io": what a Role rule would have to name. */
  resource: string;
  /** The authorizer's reason or evaluation error, when it gave one. */
  reason?: string;
}

interface SelfSubjectAccessReview {
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

const REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

/**
 * Ask the authorizer (SelfSubjectAccessReview, which every authenticated user
 * may create) whether the caller may do each request. A review changes
 * nothing, so a plan can be refused for missing permissions before its first
 * write instead of failing halfway through.
 */
export async function checkAccess(client: KubeClient, requests: AccessRequest[], signal?: AbortSignal): Promise<AccessDecision[]> {
  return Promise.all(
    requests.map(async (request) => {
      const info = await client.resolve(request.apiVersion, request.kind);
      const group = request.apiVersion.includes('/') ? request.apiVersion.split('/')[0]! : '';
      const review = await client.request<SelfSubjectAccessReview>('POST', REVIEW_PATH, {
        // A review is a question, not a write: safe to repeat.
        idempotent: true,
        context: { verb: 'create', resource: 'selfsubjectaccessreviews' },
        signal,
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: request.verb,
              group,
              resource: info.plural,
              namespace: info.namespaced ? request.namespace : undefined,
              name: request.name,
            },
          },
        },
      });
      const reason = review.status?.reason || review.status?.evaluationError || undefined;
      return {
        ...request,
        allowed: review.status?.allowed === true,
        resource: group ? `${info.plural}.${group}` : info.plural,
        ...(reason ? { reason } : {}),
      };
    }),
  );
}
