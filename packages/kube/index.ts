/**
 * packages/kube: a Kubernetes client with no client library (node:https,
 * about one request per call, watches rather than polling), and the
 * kubectl rules the deploy actions follow: rollout status, undo, set image,
 * plus a Lease-based lock. It speaks to any apiserver; how to authenticate
 * is the caller's (a kubeconfig here, EKS in packages/deploy-action/cluster.ts).
 * The shapes are in types.ts and the errors in errors.ts.
 */
export * from './types';
export * from './errors';
export { Kinds, labelSelector, type ResourceRef, type ResourceInfo } from './resources';
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
  type PodLogOptions,
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
  DeploymentPausedError,
  restoredAnnotations,
  POD_TEMPLATE_HASH,
  type UndoOptions,
  type UndoResult,
} from './undo';
export { setDeploymentImages, imagePatch, imagesOf, type SetImagesOptions } from './set-image';
export { DeployLock, DeployLockHeldError, isLeaseExpired, type DeployLockOptions } from './lease';
export {
  loadKubeconfig,
  parseKubeconfig,
  buildKubeconfig,
  writeKubeconfigFile,
  removeKubeconfigFile,
  type KubeconfigCredentials,
  type KubeconfigOptions,
} from './kubeconfig';
export { checkAccess, type AccessRequest, type AccessDecision } from './access';
export { clientOptionsFromKubeconfig } from './kubeconfig-client';
