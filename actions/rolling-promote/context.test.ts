import { describe, expect, it } from 'vitest';
import { withInputs } from '../../test/support/inputs';
import { getInputs } from './context';

describe('rolling-promote inputs', () => {
  it('reads deployment, surge and timeout', () => {
    withInputs({ kubeconfig: '/k', deployment: 'flask-app', 'max-unavailable': '1', 'rollout-timeout': '90s' });
    expect(getInputs()).toMatchObject({ deployment: 'flask-app', promote: { maxUnavailable: '1', timeoutMs: 90_000 } });
  });
  it('accepts a surge percentage above 100%, as Kubernetes does', () => {
    withInputs({ kubeconfig: '/k', deployment: 'flask-app', 'max-surge': '200%' });
    expect(getInputs()).toMatchObject({ promote: { maxSurge: '200%' } });
  });
  it('undoes on cancel unless on-cancel says leave', () => {
    withInputs({ kubeconfig: '/k', deployment: 'flask-app' });
    expect(getInputs().promote.onCancel).toBe('undo');
    withInputs({ kubeconfig: '/k', deployment: 'flask-app', 'on-cancel': 'leave' });
    expect(getInputs().promote.onCancel).toBe('leave');
  });
  it.each([
    [{ kubeconfig: '/k', deployment: 'a', 'on-cancel': 'rollback' }, /Input "on-cancel" is invalid/],
    [{ kubeconfig: '/k' }, /Input "deployment" is required/],
    [{ kubeconfig: '/k', deployment: 'Flask App' }, /Input "deployment" is invalid/],
    [{ kubeconfig: '/k', deployment: 'a', 'rollout-timeout': '-3m' }, /Input "rollout-timeout" is invalid/],
    [{ kubeconfig: '/k', deployment: 'a', 'max-unavailable': '150%' }, /Input "max-unavailable" is invalid/],
  ])('refuses %j', (inputs, message) => {
    withInputs(inputs);
    expect(() => getInputs()).toThrow(message);
  });
});
