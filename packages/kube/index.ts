/**
 * packages/kube — the cluster side of the deploy actions, with no Kubernetes
 * client library (node:https, ~1 request per call, watches not polling).
 *
 * API NOTES FOR ACTION AUTHORS (kept stable; changes are announced here):
 * - Connect:   connectCluster({ kubeconfig | clusterName+region, actionName }) → { client, description, ... }
 *              checkClusterAccessInput(...) validates the pair early (both/neither → ConfigurationError).
 * - Calls:     client.get/getIfExists/list/create/replace/patch(ref, body, 'merge'|'strategic'|'json')/apply(obj, { fieldManager, force })/delete
 *              refs: { ...Kinds.Deployment, namespace, name }. client.requestCount counts HTTP requests.
 *              Errors: KubeApiError (status, reason), KubePermissionError (401/403, a ConfigurationError);
 *              isNotFound / isConflict / isAlreadyExists / isGone.
 * - Rollout:   waitForRollout(client, ns, name, { timeoutMs, signal, onProgress }) → RolloutResult,
 *              rejects with RolloutFailedError (reason ProgressDeadlineExceeded | Timeout | Deleted);
 *              an aborted `signal` rejects with the signal's reason.
 *              rolloutStatus(deployment) is the pure kubectl rule.
 *              undoRollout(client, ns, name, { toRevision?, fieldManager? }) → UndoResult (restoredRevision);
 *              then waitForRollout again. NoPreviousRevisionError when there is none.
 *              setDeploymentImages(client, ns, name, { container: image }, { annotations, fieldManager }).
 * - Lock:      DeployLock.acquire(client, { namespace, app, holderIdentity: runUrl }) → lock; lock.release().
 *              DeployLockHeldError (a ConfigurationError) names the holder. releaseDeployLock(...) for a post step.
 *              The deployer Role needs leases: get, create, update, delete.
 * - Watch:     watchObjects(client, ref, { name?, labelSelector?, signal }) → async iterator of { type, object }.
 * - Kubeconfig files: writeKubeconfigFile(contents) → path (0600, RUNNER_TEMP); removeKubeconfigFile(path) in post.
 * - Manifests are in packages/manifests (committed): loadManifests, requireDeployments, substituteImages
 *   (containers + initContainers of all workload kinds, digest pinning, unknown image → ConfigurationError),
 *   applyNamespace (a manifest naming another namespace → ConfigurationError). Errors name file:line.
 * - Watch reconnects: transient errors (refused/reset/5xx/429) are retried for ~2 minutes, 410 Gone re-lists;
 *   403 and other errors end the watch. waitForRollout rides out an apiserver restart this way.
 */
export * from './types';
export * from './errors';
export { Kinds, type ResourceRef, type ResourceInfo } from './resources';
export {
  KubeClient,
  refOf,
  sleep,
  type KubeClientOptions,
  type TokenProvider,
  type PatchType,
  type ApplyOptions,
  type DeleteOptions,
  type ListOptions,
  type RetryPolicy,
} from './client';
export { watchObjects, parseWatchStream, type WatchEvent, type WatchEventType, type WatchOptions, type WatchReconnect } from './watch';
export {
  waitForRollout,
  rolloutStatus,
  revisionOf,
  findCondition,
  RolloutFailedError,
  REVISION_ANNOTATION,
  type RolloutStatus,
  type RolloutResult,
  type RolloutFailureReason,
  type WaitForRolloutOptions,
} from './rollout';
export {
  undoRollout,
  ownedReplicaSets,
  pickRevision,
  templateWithoutHash,
  NoPreviousRevisionError,
  type UndoOptions,
  type UndoResult,
} from './undo';
export { setDeploymentImages, imagePatch, imagesOf, type SetImagesOptions } from './set-image';
export { DeployLock, DeployLockHeldError, releaseDeployLock, leaseName, isLeaseExpired, type DeployLockOptions } from './lease';
export {
  loadKubeconfig,
  parseKubeconfig,
  buildKubeconfig,
  writeKubeconfigFile,
  removeKubeconfigFile,
  type KubeconfigCredentials,
  type KubeconfigOptions,
} from './kubeconfig';
export { applyObjects, type ApplyObjectsOptions } from './apply';
export { checkAccess, type AccessRequest, type AccessDecision } from './access';
export {
  connectCluster,
  checkClusterAccessInput,
  clientOptionsFromKubeconfig,
  type ClusterAccessInput,
  type ClusterConnection,
} from './cluster';
