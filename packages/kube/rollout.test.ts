import { describe, expect, it } from 'vitest';
import { rolloutStatus } from './rollout';
import type { Deployment, DeploymentStatus } from './types';

function deployment(replicas: number | undefined, generation: number, status: DeploymentStatus): Deployment {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', generation }, spec: { replicas, template: {} }, status };
}

const deadline = {
  type: 'Progressing',
  status: 'False',
  reason: 'ProgressDeadlineExceeded',
  message: 'ReplicaSet "web-1" has timed out progressing.',
};
const progressing = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' };

// Each row: kubectl's verdict for a Deployment status, in kubectl's order of checks.
const table: { case: string; d: Deployment; done: boolean; failed: boolean; message: RegExp }[] = [
  {
    case: 'spec change not observed yet',
    d: deployment(3, 2, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }),
    done: false,
    failed: false,
    message: /spec update to be observed/,
  },
  {
    case: 'not observed wins over the deadline',
    d: deployment(3, 2, { observedGeneration: 1, conditions: [deadline] }),
    done: false,
    failed: false,
    message: /observed/,
  },
  {
    case: 'progress deadline exceeded',
    d: deployment(3, 2, { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3, conditions: [deadline] }),
    done: false,
    failed: true,
    message: /exceeded its progress deadline: ReplicaSet "web-1"/,
  },
  {
    case: 'deadline reason even with complete counts fails',
    d: deployment(1, 1, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1, conditions: [deadline] }),
    done: false,
    failed: true,
    message: /deadline/,
  },
  {
    case: 'new replicas being created',
    d: deployment(3, 2, { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3, conditions: [progressing] }),
    done: false,
    failed: false,
    message: /1 out of 3 new replicas have been updated/,
  },
  {
    case: 'old replicas pending termination',
    d: deployment(3, 2, { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 }),
    done: false,
    failed: false,
    message: /1 old replicas are pending termination/,
  },
  {
    case: 'updated replicas not yet available',
    d: deployment(3, 2, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }),
    done: false,
    failed: false,
    message: /2 of 3 updated replicas are available/,
  },
  {
    case: 'complete',
    d: deployment(3, 2, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, conditions: [progressing] }),
    done: true,
    failed: false,
    message: /successfully rolled out/,
  },
  {
    case: 'observedGeneration ahead of generation counts as observed',
    d: deployment(1, 1, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }),
    done: true,
    failed: false,
    message: /successfully/,
  },
  {
    case: 'scaled to zero is complete',
    d: deployment(0, 3, { observedGeneration: 3 }),
    done: true,
    failed: false,
    message: /successfully/,
  },
  { case: 'no status at all yet', d: deployment(2, 1, {}), done: false, failed: false, message: /observed/ },
  {
    case: 'replicas unset: the updated-count check is skipped',
    d: deployment(undefined, 1, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }),
    done: false,
    failed: false,
    message: /0 of 1 updated replicas are available/,
  },
  {
    case: 'surge: more available than desired is still waiting on old ones',
    d: deployment(2, 5, { observedGeneration: 5, replicas: 3, updatedReplicas: 2, availableReplicas: 3 }),
    done: false,
    failed: false,
    message: /1 old replicas/,
  },
];

describe('rolloutStatus follows kubectl rollout status', () => {
  it.each(table)('$case', ({ d, done, failed, message }) => {
    const status = rolloutStatus(d);
    expect(status.done).toBe(done);
    expect(status.failed).toBe(failed);
    expect(status.message).toMatch(message);
  });
});
