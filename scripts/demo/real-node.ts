/**
 * The demo runs the app on the local stack's real node (kubelet, containerd, kube-proxy), so that a broken build
 * is caught by what its pods do. KWOK's pods run nothing: there, a release that crashes on start would look
 * healthy. The node is tainted so that only pods meant for it land there (scripts/stack/components/node.sh), as
 * test/fixtures/real-node places the app for the node-* e2e suites. Here the placement is a platform commit in
 * the scratch repository the pipeline runs in: the same toleration and node selector, written into the app's
 * Deployment, because the release renders the overlays itself and takes no kustomize patches.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { ScratchRepository } from '../act/scratch-repo';

export const DEPLOYMENT_FILE = 'examples/flask-app/k8s/deployment.yaml';

export interface RealNode {
  name: string;
  taintKey: string;
}

/** The node's name and taint from .stack/env (the node component writes them), or an error saying how to get it. */
export function realNodeFromEnv(env: NodeJS.ProcessEnv = process.env): RealNode {
  const name = env.REAL_NODE_NAME;
  const taintKey = env.REAL_NODE_TAINT_KEY;
  if (!name || !taintKey) {
    throw new Error(
      "the demo runs the app on the stack's real node, and .stack/env names none (REAL_NODE_NAME, REAL_NODE_TAINT_KEY): " +
        'run scripts/stack/up.sh with the node component (it is on unless STACK_COMPONENTS leaves it out)',
    );
  }
  return { name, taintKey };
}

/** The Deployment manifest with the pod template placed on the node, comments kept. */
export function placedOnNode(manifest: string, node: RealNode): string {
  const document = parseDocument(manifest);
  if (document.getIn(['kind']) !== 'Deployment') throw new Error(`${DEPLOYMENT_FILE} is not a Deployment`);
  document.setIn(['spec', 'template', 'spec', 'nodeSelector'], { 'kubernetes.io/hostname': node.name });
  document.setIn(['spec', 'template', 'spec', 'tolerations'], [{ key: node.taintKey, operator: 'Exists', effect: 'NoSchedule' }]);
  return document.toString();
}

/** Commits the placement on the scratch repository's main; returns the commit. */
export function placeOnRealNode(repository: ScratchRepository, node: RealNode): string {
  const manifest = readFileSync(join(repository.dir, DEPLOYMENT_FILE), 'utf8');
  return repository.commit(`chore(platform): run flask-app on the local stack's real node ${node.name}`, {
    [DEPLOYMENT_FILE]: placedOnNode(manifest, node),
  });
}
