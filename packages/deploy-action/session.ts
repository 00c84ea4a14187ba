import * as core from '@actions/core';
import { errorMessage } from '../core/errors';
import { runUrl } from '../core/workflow-run';
import type { DeployContext } from '../deploy/context';
import { FIELD_MANAGER, leaseName, managedByFlightdeck } from '../deploy/keys';
import { Timeline } from '../deploy/timeline';
import { DeployLock } from '../kube';
import { onCancel } from './cancel';
import { connectCluster, type ClusterConnection } from './cluster';
import { lockHolder } from './holder';
import { INPUT_NAMES, type ClusterInputs } from './inputs';

export interface Session {
  ctx: DeployContext;
  connection: ClusterConnection;
  lock(app: string): Promise<DeployLock>;
  close(): Promise<void>;
}

/**
 * Connect to the cluster and arm the cancel handler (ctx.signal aborts on
 * SIGINT/SIGTERM). The namespace is the input, else the manifests', else the
 * kubeconfig context's, else "default".
 */
export async function openSession(
  actionName: string,
  cluster: ClusterInputs,
  manifestNamespace: string | undefined,
  timeline = new Timeline(core.info),
): Promise<Session> {
  const cancel = onCancel();
  const connection = await connectCluster({
    kubeconfig: cluster.source.kind === 'kubeconfig' ? cluster.source.kubeconfig : undefined,
    clusterName: cluster.source.kind === 'eks' ? cluster.source.clusterName : undefined,
    region: cluster.source.kind === 'eks' ? cluster.source.region : undefined,
    actionName,
  });
  const namespace = cluster.namespace ?? manifestNamespace ?? connection.defaultNamespace ?? 'default';
  timeline.add(`Connected to ${connection.description}, namespace "${namespace}"`);
  const ctx: DeployContext = {
    client: connection.client,
    namespace,
    runUrl: runUrl(),
    timeline,
    signal: cancel.signal,
    inputs: INPUT_NAMES,
  };
  let held: DeployLock | undefined;
  const holder = lockHolder();
  return {
    ctx,
    connection,
    async lock(app) {
      held = await DeployLock.acquire(connection.client, {
        namespace,
        name: leaseName(app),
        labels: managedByFlightdeck(),
        holderIdentity: holder,
        fieldManager: FIELD_MANAGER,
        onLost: (other) => core.warning(`The deploy lock was taken over by ${other ?? 'another run'} while this run held it.`),
      });
      timeline.add(`Deploy lock "${held.name}" acquired${held.tookOverFrom ? ` (it had expired; last held by ${held.tookOverFrom})` : ''}`);
      return held;
    },
    async close() {
      try {
        await held?.release();
      } catch (error) {
        core.warning(`Could not release the deploy lock (it expires by itself): ${errorMessage(error)}`);
      }
      // The benchmark reads this line: API requests per release.
      core.info(`Kubernetes API requests: ${connection.client.requestCount} (${connection.client.retryCount} retried)`);
      connection.client.close();
      cancel.dispose();
    },
  };
}
