/**
 * Evidence-gated promotion through the bundled release action, against the
 * GitHub API stand-in: QA's Deployments are seeded as a QA release records
 * them; a digest QA never promoted, a tag, a foreign registry and a
 * rolled-back digest are each refused before any change (every object keeps
 * its resourceVersion), and the digest QA promoted is released.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep } from '../../scripts/harness/run-step';
import { createTestNamespace, type TestNamespace } from '../stack/namespaces';
import { startFakeGitHubApi, type FakeGitHubApi } from '../support/fake-github-api';
import { baseInputs, createApp, getDeployment, IMAGE_REPO, snapshot, type App } from './deploy-support';

let namespace: TestNamespace;
let app: App;
let api: FakeGitHubApi;

const digest = (c: string) => `${IMAGE_REPO}@sha256:${c.repeat(64)}`;
const PROMOTED = digest('a');
const ROLLED_BACK = digest('b');
const NEVER = digest('c');
const TOKEN = 'ghs_e2eGateToken0123456789';

async function seed(image: string, states: string[]): Promise<void> {
  const post = (path: string, body: unknown) =>
    fetch(`${api.url}/repos/flightdeck-dev/sample${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ id: number }>);
  const { id } = await post('/deployments', {
    ref: 'main',
    environment: 'qa',
    payload: { v: 1, images: [image], commit: 'abc', runUrl: 'https://github.com/flightdeck-dev/sample/actions/runs/1' },
  });
  for (const state of states) await post(`/deployments/${id}/statuses`, { state });
}

beforeAll(async () => {
  api = await startFakeGitHubApi();
  namespace = await createTestNamespace('deploy-gate');
  app = await createApp(namespace.name, { replicas: 2 });
  await seed(PROMOTED, ['in_progress', 'success']);
  await seed(ROLLED_BACK, ['in_progress', 'success', 'failure']);
});

afterAll(async () => {
  await app?.watcher.stop();
  await namespace?.delete();
  await api?.close();
});

function gated(images: string) {
  return runStep('release', {
    cwd: app.workspace,
    inputs: { ...baseInputs(app, images), environment: 'production', 'github-token': TOKEN, 'require-evidence-from': 'qa' },
    env: { GITHUB_API_URL: api.url },
  });
}

describe('require-evidence-from: qa', () => {
  it.each([
    ['a digest QA never promoted', NEVER, new RegExp(`sha256:c{64}.*never promoted.*environment "qa" in flightdeck-dev/sample`)],
    ['a tag', `${IMAGE_REPO}:2.0.0`, /Input "images": .* not pinned by digest/],
    // Refused by the manifests' own image check, before the GitHub API is asked: no container uses that registry.
    // (The gate's registry check, for manifests that name a bare repository, is unit-tested in evidence.test.ts.)
    ['a foreign registry', `evil.example.com/web@sha256:${'a'.repeat(64)}`, /no container in the manifests uses "evil\.example\.com\/web"/],
    ['a rolled-back digest', ROLLED_BACK, /sha256:b{64}.*latest status .* is "failure"/],
  ])('refuses %s before any change', async (_name, image, message) => {
    const before = await snapshot(namespace.name);
    const run = await gated(image);
    expect(run.exitCode).not.toBe(0);
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(message);
    expect(run.stdout).not.toMatch(/Connected to/);
    expect(await snapshot(namespace.name)).toEqual(before);
  });

  it('releases the digest QA promoted, taking it when images is empty', async () => {
    const run = await gated('');
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.stdout).toMatch(/taking .*sha256:a{64}/);
    expect((await getDeployment(namespace.name))!.spec.template.spec.containers[0]!.image).toBe(PROMOTED);
    const created = api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/deployments')).at(-1)!;
    expect(created.body).toMatchObject({ environment: 'production', payload: { v: 1, images: [PROMOTED] } });
  });
});
