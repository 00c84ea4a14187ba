// How long the Kubernetes client takes to report an apiserver it cannot reach (issue 12, item 16):
// before the fix, a refused connection at the start took 26–29 s of retries. Also how long a run
// that was already talking to the apiserver rides out a restart of it (the retries that must stay).
// Run alone with `node bench/kube-unreachable.bench.mjs`. Nothing here asserts; it measures and prints.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { runChild } from './child.mjs';

const here = fileURLToPath(import.meta.url);

/** A port nobody listens on: bound, then closed, so connecting to it is refused. */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };

async function refusedAtStart(KubeClient) {
  const client = new KubeClient({ server: `http://127.0.0.1:${await closedPort()}`, token: () => 'token' });
  const started = performance.now();
  try {
    await client.get(deployment);
    return { outcome: 'answered?', ms: performance.now() - started };
  } catch (error) {
    return { outcome: error.message, ms: performance.now() - started, retries: client.retryCount };
  } finally {
    client.close();
  }
}

/** A server that answers once, goes away for `downMs`, then comes back on the same port. */
async function restartMidRun(KubeClient, downMs) {
  const answer = (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', resourceVersion: '1' } }));
  };
  let server = createServer(answer);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const client = new KubeClient({ server: `http://127.0.0.1:${port}`, token: () => 'token' });
  await client.get(deployment);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  setTimeout(() => {
    server = createServer(answer);
    server.listen(port, '127.0.0.1');
  }, downMs);
  const started = performance.now();
  try {
    await client.get(deployment);
    return { outcome: 'answered after the restart', ms: performance.now() - started, retries: client.retryCount };
  } catch (error) {
    return { outcome: error.message, ms: performance.now() - started, retries: client.retryCount };
  } finally {
    client.close();
    server.closeAllConnections();
    server.close();
  }
}

if (process.argv[2] === '--child') {
  await import('./ts-sources.mjs');
  const { KubeClient } = await import('../packages/kube/client.ts');
  const result = process.argv[3] === 'refused' ? await refusedAtStart(KubeClient) : await restartMidRun(KubeClient, 5_000);
  console.log(JSON.stringify(result));
} else {
  console.log('| case | time to answer | retries | outcome |');
  console.log('| --- | --- | --- | --- |');
  for (const [name, label] of [
    ['refused', 'connection refused at the start'],
    ['restart', 'apiserver down for 5 s in the middle of a run'],
  ]) {
    const result = runChild(here, name);
    console.log(`| ${label} | ${(result.ms / 1000).toFixed(1)} s | ${result.retries ?? '–'} | ${result.outcome.slice(0, 220)} |`);
  }
}
