import { InputErrors } from '../../packages/core/input-errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { withInputs } from '../../test/support/inputs';
import { getInputs } from './context';
import { writeTestKubeconfig } from '../../test/support/kubeconfig';
import { loadKubeconfigParser } from '../../packages/deploy-action/kubeconfig-parser';

const KUBECONFIG = writeTestKubeconfig();
// As the entry does before it reads the inputs.
beforeAll(loadKubeconfigParser);

describe('rolling-promote inputs', () => {
  it('reads deployment, surge and timeout', () => {
    withInputs({ kubeconfig: KUBECONFIG, deployment: 'flask-app', 'max-unavailable': '1', 'rollout-timeout': '90s' });
    expect(getInputs()).toMatchObject({ deployment: 'flask-app', promote: { maxUnavailable: '1', timeoutMs: 90_000 } });
  });
  it('accepts a surge percentage above 100%, as Kubernetes does', () => {
    withInputs({ kubeconfig: KUBECONFIG, deployment: 'flask-app', 'max-surge': '200%' });
    expect(getInputs()).toMatchObject({ promote: { maxSurge: '200%' } });
  });
  it('undoes on cancel unless on-cancel says leave', () => {
    withInputs({ kubeconfig: KUBECONFIG, deployment: 'flask-app' });
    expect(getInputs().promote.onCancel).toBe('undo');
    withInputs({ kubeconfig: KUBECONFIG, deployment: 'flask-app', 'on-cancel': 'leave' });
    expect(getInputs().promote.onCancel).toBe('leave');
  });
  it.each([
    [{ kubeconfig: KUBECONFIG, deployment: 'a', 'on-cancel': 'rollback' }, /Input "on-cancel" is invalid/],
    [{ kubeconfig: KUBECONFIG }, /Input "deployment" is required/],
    [{ kubeconfig: KUBECONFIG, deployment: 'Flask App' }, /Input "deployment" is invalid/],
    [{ kubeconfig: KUBECONFIG, deployment: 'a', 'rollout-timeout': '-3m' }, /Input "rollout-timeout" is invalid/],
    [{ kubeconfig: KUBECONFIG, deployment: 'a', 'max-unavailable': '150%' }, /Input "max-unavailable" is invalid/],
  ])('refuses %j', (inputs, message) => {
    withInputs(inputs);
    expect(() => getInputs()).toThrow(message);
  });
});

describe('rolling-promote inputs: every error at once', () => {
  it('reports each bad input in one error', () => {
    withInputs({ kubeconfig: '/nonexistent/kubeconfig', 'max-surge': 'lots', 'rollout-timeout': '5' });
    let error: unknown;
    try {
      getInputs();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputErrors);
    expect((error as InputErrors).inputs).toEqual(['kubeconfig', 'deployment', 'max-surge', 'rollout-timeout']);
  });
});
