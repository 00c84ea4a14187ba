import { InputErrors } from '../../packages/core/input-errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { withInputs } from '../../test/support/inputs';
import { getInputs } from './context';
import { writeTestKubeconfig } from '../../test/support/kubeconfig';
import { loadKubeconfigParser } from '../../packages/deploy-action/kubeconfig-parser';

const KUBECONFIG = writeTestKubeconfig();
// As the entry does before it reads the inputs.
beforeAll(loadKubeconfigParser);

describe('rollback inputs', () => {
  it('reads undo and its revision', () => {
    withInputs({ kubeconfig: KUBECONFIG, deployment: 'flask-app', undo: 'true', 'to-revision': '3' });
    expect(getInputs()).toMatchObject({ deployment: 'flask-app', undo: true, toRevision: 3 });
  });
  it.each([
    [{ kubeconfig: KUBECONFIG, deployment: 'a', 'to-revision': '3' }, /needs "undo: true"/],
    [{ kubeconfig: KUBECONFIG, deployment: 'a', undo: 'true', 'to-revision': '0' }, /Input "to-revision" is invalid/],
    [{ kubeconfig: KUBECONFIG, deployment: 'a', undo: 'yes please' }, /Input "undo" is invalid/],
    [{ kubeconfig: KUBECONFIG, deployment: 'a', 'rollout-timeout': '0s' }, /Input "rollout-timeout" is invalid.*above zero/],
    [{ 'cluster-name': 'c', kubeconfig: KUBECONFIG, deployment: 'a' }, /not both/],
  ])('refuses %j', (inputs, message) => {
    withInputs(inputs);
    expect(() => getInputs()).toThrow(message);
  });
});

describe('rollback inputs: every error at once', () => {
  it('reports each bad input in one error', () => {
    withInputs({ kubeconfig: KUBECONFIG, deployment: 'Bad Name', 'to-revision': '0', 'rollout-timeout': '90' });
    let error: unknown;
    try {
      getInputs();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputErrors);
    expect((error as InputErrors).inputs).toEqual(['deployment', 'to-revision', 'rollout-timeout']);
  });
});
