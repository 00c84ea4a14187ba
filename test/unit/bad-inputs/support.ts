/**
 * What the bad-input suite and the secret sweep share: a loopback TCP listener that records
 * every connection (the witness of network contact), a workspace with manifests, a Dockerfile
 * and a test suite, the canary secrets, and the sweep that looks for them in every encoding.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKubeconfig } from '../../../packages/kube/kubeconfig';
import { runStep, type ActionRun, type RunOptions, type StepResult } from '../../../scripts/harness/run-step';

export interface Listener {
  port: number;
  url: string;
  /** How many TCP connections were accepted. */
  connections: number;
  close(): Promise<void>;
}

/**
 * Accepts and records connections. By default it drops each at once, so any client of it fails,
 * and is seen. With `answer: 'unauthorized'` a plain-HTTP request gets a 401 with a JSON error body
 * first (what the GitHub API or AWS says to a bad credential), so the clients' error paths that
 * read an answer run too; TLS is still dropped.
 */
export async function startListener(options: { answer?: 'drop' | 'unauthorized' } = {}): Promise<Listener> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (options.answer !== 'unauthorized') {
      socket.destroy();
      return;
    }
    socket.once('data', (chunk: Buffer) => {
      if (!/^[A-Z]+ \S+ HTTP\/1\.[01]\r\n/.test(chunk.toString('latin1'))) {
        socket.destroy();
        return;
      }
      const body = JSON.stringify({ message: 'Bad credentials', __type: 'UnrecognizedClientException' });
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Distinct, long and unlike anything else in a log, so any trace of one is found. */
export const SECRETS = {
  kubeToken: 'kubeTOKEN-canary-7Hq2vX9pLm4Rt8Zw',
  httpHeader: 'httpHEADER-canary-Qz3Nw8Yk5Jd1Uf6B',
  prometheusHeader: 'promHEADER-canary-Lp0Vc4Xe9Gh2Ts7M',
  githubToken: 'ghs_canaryGITHUBtoken0000aaaaBBBBcccc',
  awsSecret: 'awsSECRET-canary-Rk6Wd3Nm8Bq1Zy5H/x+',
  runTestsToken: 'ghs_canaryRUNTESTStoken111ddddEEEEffff',
  urlPassword: 'urlPASS-canary-Fj4Ko9Sa2Wx7Ce1V',
} as const;

/** The workspace every case runs in: manifests, a Docker build context, and a pytest suite. */
export function makeWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'fd-bad-inputs-'));
  mkdirSync(join(root, 'k8s'));
  writeFileSync(
    join(root, 'k8s', 'deployment.yaml'),
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      'spec:',
      '  replicas: 2',
      '  selector: {matchLabels: {app: web}}',
      '  template:',
      '    metadata: {labels: {app: web}}',
      '    spec:',
      '      containers: [{name: web, image: "repo/web:1"}]',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(root, 'k8s', 'service.yaml'),
    'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n',
  );
  mkdirSync(join(root, 'app'));
  writeFileSync(join(root, 'app', 'Dockerfile'), 'FROM scratch\nCOPY Dockerfile /\n');
  mkdirSync(join(root, 'tests'));
  writeFileSync(join(root, 'tests', 'test_ok.py'), 'def test_ok():\n    assert True\n');
  writeFileSync(join(root, 'service-only.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\n');
  return root;
}

/** A kubeconfig whose apiserver is the listener and whose token is a canary secret. */
export function kubeconfigFor(listener: Listener): string {
  return buildKubeconfig({ name: 'bad-inputs', server: `https://127.0.0.1:${listener.port}`, token: SECRETS.kubeToken });
}

/** Every endpoint an action could reach, pointed at the listener; AWS credentials are canaries. */
export function endpointEnv(listener: Listener): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL: listener.url,
    AWS_ACCESS_KEY_ID: 'AKIACANARY0000000000',
    AWS_SECRET_ACCESS_KEY: SECRETS.awsSecret,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: undefined,
    AWS_MAX_ATTEMPTS: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
    GITHUB_API_URL: listener.url,
    DOCKER_HOST: `tcp://127.0.0.1:${listener.port}`,
    PIP_INDEX_URL: `${listener.url}/simple`,
    HTTPS_PROXY: undefined,
    HTTP_PROXY: undefined,
    https_proxy: undefined,
    http_proxy: undefined,
    NO_PROXY: undefined,
    RUNNER_DEBUG: '1',
  };
}

/** A run with its listener: started, run, closed. */
export async function runAgainstListener(
  action: string,
  workspace: string,
  build: (listener: Listener) => { inputs: Record<string, string>; env?: Record<string, string | undefined> },
  options: Partial<RunOptions> & { answer?: 'drop' | 'unauthorized' } = {},
): Promise<{ run: ActionRun; connections: number }> {
  const { answer, ...runOptions } = options;
  const listener = await startListener({ answer });
  try {
    const { inputs, env } = build(listener);
    const run = await runStep(action, {
      cwd: workspace,
      inputs,
      env: { ...endpointEnv(listener), ...env },
      timeoutMs: 60_000,
      ...runOptions,
    });
    return { run, connections: listener.connections };
  } finally {
    await listener.close();
  }
}

/** The forms a secret can take in text: raw, percent-encoded, and base64 (and base64url) at each of the 3 byte offsets. */
export function encodings(secret: string): string[] {
  const forms = new Set<string>([secret, encodeURIComponent(secret), encodeURI(secret)]);
  for (let offset = 0; offset < 3; offset++) {
    const bytes = Buffer.concat([Buffer.alloc(offset, 0x20), Buffer.from(secret)]);
    const start = Math.ceil((offset * 4) / 3);
    const end = Math.floor(bytes.length / 3) * 4;
    for (const encoding of ['base64', 'base64url'] as const) forms.add(bytes.toString(encoding).slice(start, end));
  }
  return [...forms].filter((form) => form.length >= 12);
}

/** Everything a step showed the world: log (less the runner's own add-mask commands), summary, outputs, annotations, child argv. */
export function surfaces(step: StepResult): Record<string, string> {
  return {
    stdout: step.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n'),
    stderr: step.stderr,
    summary: step.summary,
    outputs: JSON.stringify(step.outputs),
    annotations: JSON.stringify(step.annotations),
    argv: step.argvSeen.join('\n'),
  };
}

/** "<secret> (<form>) in <surface>" for each trace of a secret found; empty when there is none. */
export function leaks(run: ActionRun, secrets: readonly string[]): string[] {
  const found: string[] = [];
  const steps: [string, StepResult][] = [['main', run], ...(run.post ? [['post', run.post] as [string, StepResult]] : [])];
  for (const [phase, step] of steps) {
    for (const [surface, text] of Object.entries(surfaces(step))) {
      for (const secret of secrets) {
        for (const form of encodings(secret)) if (text.includes(form)) found.push(`${secret} (as ${form}) in ${phase} ${surface}`);
      }
    }
  }
  return found;
}

/** The message of the step's error annotation (core.setFailed), unescaped. */
export function failure(step: StepResult): string {
  return step.annotations
    .filter((annotation) => annotation.level === 'error')
    .map((annotation) => annotation.message)
    .join('\n');
}
