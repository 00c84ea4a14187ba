/**
 * The real node's down leaves the host as it found it: no process, chain, route, link, mount or
 * cgroup of the node, and the sysctls it changed back to their saved values. Its up repairs what a
 * crash left (daemons killed with their pods running) and the pods come back. The file ends with
 * the node up again, for the suites that run after it.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mustRun, runProgram } from '../stack/commands';
import { REPO_ROOT, applyStackEnv } from '../stack/env';
import { createTestNamespace, type TestNamespace } from '../stack/namespaces';
import { KubeHttpError } from '../stack/kube-http';
import { admin, appPods, buildApp, createStableApp, nodeSelected, realNode, sleep } from './node-support';

const NODE_SCRIPT = resolve(REPO_ROOT, 'scripts/stack/components/node.sh');
const STACK_DIR = process.env.STACK_DIR ?? resolve(REPO_ROOT, '.stack');
const NODE_DIR = join(STACK_DIR, 'node');
const LOG_LINKS = '/var/log/containers';
const MARKER = `FLIGHTDECK_STACK_DAEMON_OF=${STACK_DIR}`;
const CHAIN = /^:(KUBE-|CNI-|FLIGHTDECK-NODE-)|-j (KUBE-|CNI-|FLIGHTDECK-NODE-)/m;

function node(action: 'up' | 'down'): void {
  const run = runProgram('bash', [NODE_SCRIPT, action], { timeoutMs: 600_000 });
  if (run.status !== 0) throw new Error(`node.sh ${action} exited ${run.status}:\n${run.stderr.slice(-4000)}`);
}

/** Live processes started for the node component: containerd, its shims, the kubelet, kube-proxy. */
function nodeProcesses(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      if (environ.includes(MARKER) && environ.includes('FLIGHTDECK_STACK_COMPONENT=node')) {
        found.push(`${entry} ${readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')}`);
      }
    } catch {
      // exited while we looked, or a kernel thread
    }
  }
  return found;
}

function cgroupLeftovers(): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[2] === 'cgroup' || fields[2] === 'cgroup2')
    .map((fields) => join(fields[1]!, 'flightdeck-node'))
    .filter((dir) => existsSync(dir));
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

/** Shim sockets in /run/containerd/s that no process listens on: left by shims killed outright. */
function deadShimSockets(): string[] {
  const dir = '/run/containerd/s';
  if (!existsSync(dir)) return [];
  const listening = mustRun('ss', ['-xl']);
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => !listening.includes(path));
}

function nftTables(): string[] {
  return mustRun('nft', ['list', 'tables'])
    .split('\n')
    .filter((line) => line.trim() !== '')
    .sort();
}

function sysctl(key: string): string {
  return mustRun('sysctl', ['-n', key]).trim();
}

/** The host's values the node saved before its first start (scripts/stack/node/host-state.sh). */
function savedSysctls(): Map<string, string> {
  const saved = new Map<string, string>();
  for (const line of readFileSync(join(STACK_DIR, 'node-host-state/sysctl.conf'), 'utf8').split('\n')) {
    const match = /^(\S+) = (.*)$/.exec(line);
    if (match) saved.set(match[1]!, match[2]!);
  }
  return saved;
}

describe.runIf(nodeSelected())('real node lifecycle', () => {
  let namespace: TestNamespace;
  let good: string;

  /** Shared directories the host had before the node's first up (the node saved the list then). */
  let initialHostDirs: string[];
  /**
   * Dead sockets in /run/containerd/s before this file ran. The directory is shared with the Docker engine's shims,
   * and a shim killed outside this stack (another checkout's stack, a crashed container) leaves one that is not ours.
   */
  let foreignDeadSockets: string[];
  const ourDeadShimSockets = () => deadShimSockets().filter((socket) => !foreignDeadSockets.includes(socket));

  beforeAll(async () => {
    foreignDeadSockets = deadShimSockets();
    initialHostDirs = readFileSync(join(STACK_DIR, 'node-host-state/existing-dirs'), 'utf8').split('\n');
    ({ good } = await buildApp(['good']));
    namespace = await createTestNamespace('node-lifecycle');
  });

  afterAll(async () => {
    // Whatever happened above, the suites after this one get a node.
    node('up');
    applyStackEnv();
    await namespace?.delete();
  });

  const readyPods = async () => (await appPods(namespace.name)).filter((p) => p.ready);
  async function waitForReadyPods(count: number, what: string): Promise<void> {
    for (let waited = 0; (await readyPods()).length < count; waited += 1000) {
      if (waited > 300_000) throw new Error(`${what}: ${JSON.stringify(await appPods(namespace.name))}`);
      await sleep(1000);
    }
  }

  it(
    'down, with the app running on the node, removes every process, chain, route, link, mount and cgroup of the node and restores the sysctls',
    { timeout: 900_000 },
    async () => {
      const { name, bridge } = realNode();
      await createStableApp(namespace.name, good);
      await waitForReadyPods(3, 'the app did not become Ready');
      const saved = savedSysctls();
      const tablesBefore = readFileSync(join(STACK_DIR, 'node-host-state/nft-tables'), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .sort();
      // The kubelet rewrote these; down must put the host's values back.
      expect(sysctl('vm.overcommit_memory')).toBe('1');
      expect(nodeProcesses().length).toBeGreaterThanOrEqual(3);

      node('down');

      expect(nodeProcesses()).toEqual([]);
      for (const family of ['iptables-save', 'ip6tables-save']) expect(mustRun(family, [])).not.toMatch(CHAIN);
      expect(runProgram('ip', ['link', 'show', bridge]).status).not.toBe(0);
      expect(mustRun('ip', ['route', 'show', 'table', 'main'])).not.toMatch(
        /10\.96\.0\.0\/16|unreachable 10\.244\.0\.0\/16|unreachable 10\.1\.0\.0\/24/,
      );
      expect(mountsUnder(NODE_DIR)).toEqual([]);
      expect(cgroupLeftovers()).toEqual([]);
      for (const [key, value] of saved) expect(sysctl(key), key).toBe(value);
      // Nothing of the node in the shared places: shim sockets, libcni's cache, nft tables it made.
      expect(ourDeadShimSockets()).toEqual([]);
      for (const dir of ['/var/lib/cni', LOG_LINKS]) expect(existsSync(dir), dir).toBe(initialHostDirs.includes(dir));
      expect(nftTables()).toEqual(tablesBefore);
      expect(existsSync(join(STACK_DIR, 'node-host-state'))).toBe(false);
      // The kubelet's container log links go too, and the Node is deregistered.
      if (existsSync(LOG_LINKS)) {
        const ours = readdirSync(LOG_LINKS).filter((link) => {
          try {
            return readlinkSync(join(LOG_LINKS, link)).startsWith(`${NODE_DIR}/`);
          } catch {
            return false;
          }
        });
        expect(ours).toEqual([]);
      }
      await expect(admin().get(`/api/v1/nodes/${name}`)).rejects.toSatisfy(
        (error: unknown) => error instanceof KubeHttpError && error.status === 404,
      );
    },
  );

  it('up after a crash (daemons killed under running pods) repairs the host and runs the pods again', { timeout: 900_000 }, async () => {
    // Back up: the Deployment's pods, deleted with the node, are made again and run.
    node('up');
    applyStackEnv();
    await waitForReadyPods(3, 'the app did not come back after up');

    // The crash: every daemon of the node killed at once; the pods' shims and containers survive it.
    for (const name of ['kubelet', 'kube-proxy', 'containerd']) {
      const pid = Number(readFileSync(join(STACK_DIR, 'pids', `${name}.pid`), 'utf8').trim());
      process.kill(pid, 'SIGKILL');
    }
    await sleep(500);
    expect(nodeProcesses().length).toBeGreaterThan(0); // the shims

    node('up');
    applyStackEnv();
    // The killed shims' sockets went with the repair.
    expect(ourDeadShimSockets()).toEqual([]);
    // One guard jump, first in FORWARD; routes and bridge once each: nothing doubled by the repair.
    const forward = mustRun('iptables', ['-w', '-S', 'FORWARD']).split('\n');
    expect(forward[1]).toBe(`-A FORWARD -j ${realNode().guardChain}`);
    expect(forward.filter((rule) => rule.includes(realNode().guardChain)).length).toBe(1);
    expect(mustRun('ip', ['route', 'show', '10.96.0.0/16']).trim().split('\n').length).toBe(1);

    // The Deployment's pods run again on the repaired node.
    await waitForReadyPods(3, 'the app did not come back after the repair');
    expect((await readyPods()).every((p) => p.node === realNode().name)).toBe(true);

    // And a down after the repair still leaves nothing in the shared places: the killed pods'
    // libcni results and the killed shims' sockets went with the repair, not into its saved state.
    node('down');
    expect(nodeProcesses()).toEqual([]);
    expect(ourDeadShimSockets()).toEqual([]);
    for (const dir of ['/var/lib/cni', LOG_LINKS]) expect(existsSync(dir), dir).toBe(initialHostDirs.includes(dir));
  });
});
