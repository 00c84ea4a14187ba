import * as core from '@actions/core';
import { getBoolean } from '../../packages/core/inputs';
import { INPUT, STATE_REGISTRY } from './context';

/** Remove the ECR credentials from the runner's docker config, so a later step or a shared runner cannot reuse them. */
export async function post(): Promise<void> {
  const registry = core.getState(STATE_REGISTRY);
  if (!registry) return;
  if (getBoolean(INPUT.skipLogout, false)) {
    core.info(`Staying logged in to ${registry} ("${INPUT.skipLogout}: true").`);
    return;
  }
  const { logout } = await import('../../packages/docker/docker');
  await logout(registry);
}
