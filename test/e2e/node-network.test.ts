/**
 * The real node as a node: registered with its zone and taint, running the sample app's image
 * pulled from the registry at the ECR hostname with no imagePullSecret anywhere, with its probes,
 * non-root user and read-only root filesystem; `kubectl logs` and `exec` reach it through the
 * apiserver; and no packet it or the cluster's addresses produce can leave the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mustRun, runProgram } from '../stack/commands';
import { createTestNamespace, type TestNamespace } from '../stack/namespaces';
import { REPO_ROOT } from '../stack/env';
import {
  admin,
  APP,
  appPods,
  buildApp,
  containerPid,
  createStableApp,
  httpGet,
  kubectl,
  nodeSelected,
  realNode,
  sleep,
  tcpConnect,
  type PodView,
} from './node-support';

/** Packets the guard chain's REJECT rules have counted so far. */
function guardRejected(chain: string): number {
  const listing = mustRun('iptables', ['-w', '-t', 'filter', '-L', chain, '-v', '-x', '-n']);
  return listing
    .split('\n')
    .filter((line) => line.includes('REJECT'))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0);
}

/** Python in the app's own container, through `kubectl exec` (apiserver → kubelet → containerd). */
function execPython(namespace: string, pod: string, code: string): ReturnType<typeof runProgram> {
  return kubectl(['exec', '-n', namespace, pod, '-c', APP, '--', 'python', '-c', code]);
}

/** A connect from inside the pod: prints the errno name, or "connected". */
const POD_CONNECT = (host: string) =>
  `import errno, socket\ns = socket.socket(); s.settimeout(5)\ntry:\n    s.connect(("${host}", 80)); print("connected")\n` +
  `except OSError as e:\n    print(errno.errorcode.get(e.errno, str(e)))`;

describe.runIf(nodeSelected())('the real node', () => {
  let namespace: TestNamespace;
  let pod: PodView;

  beforeAll(async () => {
    const { good } = await buildApp(['good']);
    namespace = await createTestNamespace('node-network');
    await createStableApp(namespace.name, good);
    for (let waited = 0; ; waited += 1000) {
      const ready = (await appPods(namespace.name)).filter((p) => p.ready);
      if (ready.length > 0) {
        pod = ready[0]!;
        break;
      }
      if (waited > 240_000) throw new Error(`no flask-app pod became Ready on the node: ${JSON.stringify(await appPods(namespace.name))}`);
      await sleep(1000);
    }
  });

  afterAll(async () => {
    await namespace?.delete();
  });

  it('is registered as flightdeck-node with its zone, its taint and the pinned kubelet', async () => {
    const node = realNode();
    const object = await admin().get<{
      metadata: { labels: Record<string, string> };
      spec: { taints?: { key: string; effect: string }[] };
      status: { addresses: { type: string; address: string }[]; nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string } };
    }>(`/api/v1/nodes/${node.name}`);
    expect(object.metadata.labels).toMatchObject({
      'kubernetes.io/hostname': node.name,
      'topology.kubernetes.io/region': 'us-east-1',
      'topology.kubernetes.io/zone': 'us-east-1a',
    });
    expect(object.spec.taints).toEqual([expect.objectContaining({ key: node.taintKey, effect: 'NoSchedule' })]);
    expect(object.status.addresses).toContainEqual({ type: 'InternalIP', address: node.ip });
    expect(object.status.nodeInfo.kubeletVersion).toMatch(/^v1\.34\./);
    expect(object.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/1\./);
  });

  it('runs the app from "ECR" with no imagePullSecret, as its non-root user on a read-only root', async () => {
    expect(pod.node).toBe(realNode().name);
    expect(pod.imageID).toMatch(/@sha256:[0-9a-f]{64}$/);
    const spec = await admin().get<{ spec: { imagePullSecrets?: unknown[]; serviceAccountName: string } }>(
      `/api/v1/namespaces/${namespace.name}/pods/${pod.name}`,
    );
    expect(spec.spec.imagePullSecrets ?? []).toEqual([]);
    const account = await admin().get<{ imagePullSecrets?: unknown[] }>(
      `/api/v1/namespaces/${namespace.name}/serviceaccounts/${spec.spec.serviceAccountName}`,
    );
    expect(account.imagePullSecrets ?? []).toEqual([]);
    // The registry refuses anonymous pulls, so the pull above was made with the credential provider's answer.
    const anonymous = runProgram('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--cacert',
      process.env.REGISTRY_CA_FILE!,
      `https://${process.env.ECR_REGISTRY}/v2/`,
    ]);
    expect(anonymous.stdout).toBe('401');

    const identity = execPython(namespace.name, pod.name, 'import os; print(os.getuid(), os.getgid())');
    expect(identity.status, identity.stderr).toBe(0);
    expect(identity.stdout.trim()).toBe('10001 10001');
    const write = execPython(namespace.name, pod.name, 'open("/app/x", "w")');
    expect(write.status).not.toBe(0);
    expect(write.stderr).toContain('Read-only file system');
  });

  it('serves real requests through its ClusterIP, and kubectl logs shows them', async () => {
    const service = await admin().get<{ spec: { clusterIP: string } }>(`/api/v1/namespaces/${namespace.name}/services/${APP}`);
    const answer = await httpGet(`http://${service.spec.clusterIP}/readyz`);
    expect(answer).toEqual({ status: 200, body: expect.stringContaining('"ready"') });
    // gunicorn's access log goes to stdout, which the kubelet keeps for `kubectl logs`.
    const logs = kubectl(['logs', '-n', namespace.name, pod.name, '-c', APP]);
    expect(logs.status, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/Booting worker/);
    expect(logs.stdout).toMatch(/"GET \/readyz HTTP\/1\.1" 200/);
  });

  it('gives pods no default route: a connect to an outside address from a pod fails inside the pod', () => {
    const routes = execPython(namespace.name, pod.name, 'print(open("/proc/net/route").read())');
    expect(routes.status, routes.stderr).toBe(0);
    const destinations = routes.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/)[1]);
    expect(destinations).not.toContain('00000000');
    const outside = execPython(namespace.name, pod.name, POD_CONNECT('192.0.2.1'));
    expect(outside.stdout.trim()).toBe('ENETUNREACH');
  });

  it('refuses on the host what would leave through eth0: a pod given a default route, fake KWOK addresses, a ClusterIP nothing serves', async () => {
    const node = realNode();
    // A pod that somehow had a way out (here: a default route added from the host) is stopped by
    // the FORWARD guard, at once and on this machine.
    const pid = containerPid(pod.containerID!);
    mustRun('nsenter', ['-t', String(pid), '-n', 'ip', 'route', 'add', 'default', 'via', node.ip]);
    try {
      const before = guardRejected(node.guardChain);
      const outside = execPython(namespace.name, pod.name, POD_CONNECT('192.0.2.1'));
      expect(outside.stdout.trim()).toBe('EHOSTUNREACH');
      expect(guardRejected(node.guardChain)).toBeGreaterThan(before);
    } finally {
      mustRun('nsenter', ['-t', String(pid), '-n', 'ip', 'route', 'del', 'default']);
    }

    // KWOK's pods exist only in the API: their addresses are unreachable here, not routed out.
    for (const address of ['10.244.0.7', '10.1.0.11']) {
      const route = runProgram('ip', ['route', 'get', address]);
      expect(route.status, address).not.toBe(0);
      expect(route.stderr, address).toContain('No route to host');
    }
    const fake = await tcpConnect('10.244.0.7', 8080);
    expect(fake).toBe('EHOSTUNREACH');

    // The whole Service range is routed onto the node's bridge, never to eth0's default route...
    expect(mustRun('ip', ['route', 'get', '10.96.200.200'])).toContain(`dev ${node.bridge}`);
    // ...and a ClusterIP with no endpoints is refused by kube-proxy's rules.
    const empty = await admin().post<{ spec: { clusterIP: string } }>(`/api/v1/namespaces/${namespace.name}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'nothing-behind' },
      spec: { selector: { app: 'nothing-here' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    let refused = await tcpConnect(empty.spec.clusterIP, 80);
    for (let tries = 0; refused !== 'ECONNREFUSED' && tries < 20; tries++) {
      await sleep(500); // kube-proxy's next sync (minSyncPeriod 1s)
      refused = await tcpConnect(empty.spec.clusterIP, 80);
    }
    expect(refused).toBe('ECONNREFUSED');
  });

  it('is shown by stack-status with its pods', () => {
    const status = runProgram('bash', [`${REPO_ROOT}/scripts/stack/status.sh`], { env: { ...process.env, STACK_COMPONENTS: 'node' } });
    expect(status.status, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^node\s+healthy\s+\S+\s+kubelet pid=\d+/m);
    expect(status.stdout).toMatch(new RegExp(`^node\\s+Ready\\s+v1\\.34\\.\\d+\\s+${realNode().name} `, 'm'));
    expect(status.stdout).toContain(`pod ${namespace.name}/${pod.name} ready=1/1`);
  });
});
