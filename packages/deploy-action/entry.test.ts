import { describe, expect, it, vi } from 'vitest';
import { withInputs } from '../../test/support/inputs';
import { ConfigurationError } from '../core/errors';
import { deployEntry, promoteEntry } from './entry';
import { canaryFlow, promoteFlow } from './flows';
import { readAutoPromote } from './inputs';
import { writeTestKubeconfig } from '../../test/support/kubeconfig';

const KUBECONFIG = writeTestKubeconfig();

vi.mock('./flows', () => ({ canaryFlow: vi.fn(), promoteFlow: vi.fn(), rollbackFlow: vi.fn() }));

const BASE = { kubeconfig: KUBECONFIG, manifests: 'k8s/' };

describe('deployEntry', () => {
  it('runs the canary flow under the action name, promoting as the action says', async () => {
    withInputs({ ...BASE, 'auto-promote': 'false' });
    await deployEntry('release', { autoPromote: () => true }).main();
    expect(vi.mocked(canaryFlow).mock.calls.at(-1)).toEqual(['release', expect.objectContaining({ autoPromote: true })]);
    await deployEntry('canary-deploy', { autoPromote: readAutoPromote }).main();
    expect(vi.mocked(canaryFlow).mock.calls.at(-1)).toEqual(['canary-deploy', expect.objectContaining({ autoPromote: false })]);
  });

  it('refuses bad inputs before the flows run', async () => {
    vi.mocked(canaryFlow).mockClear();
    withInputs({ ...BASE, steps: '50,10' });
    await expect(deployEntry('release', { autoPromote: () => true }).main()).rejects.toBeInstanceOf(ConfigurationError);
    expect(canaryFlow).not.toHaveBeenCalled();
  });

  it('has a post step that does nothing when the main step settled its canary', async () => {
    // No open-canary state, so no inputs are even read (a missing cluster input would throw).
    withInputs({});
    await expect(deployEntry('canary-deploy', { autoPromote: readAutoPromote }).post!()).resolves.toBeUndefined();
  });
});

describe('promoteEntry', () => {
  it('reads the inputs with the action’s reader, then runs the promote flow', async () => {
    const inputs = { deployment: 'web' } as never;
    await promoteEntry('rolling-promote', () => inputs).main();
    expect(promoteFlow).toHaveBeenCalledWith('rolling-promote', inputs);
  });
});
