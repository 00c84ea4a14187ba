import { describe, expect, it } from 'vitest';
import { rememberSecret } from '../core/redact';
import { containerFailureMessage, logTail, withContainerLogs } from './container-report';
import { evaluatePods, type ContainerSignal } from './kube-signals';

const crashing: ContainerSignal = {
  pod: 'web-canary-7d9f-abcde',
  container: 'proxy',
  kind: 'sidecar',
  ready: false,
  restarts: 4,
  state: 'waiting',
  waitingReason: 'CrashLoopBackOff',
  termination: { reason: 'Error', exitCode: 2 },
  oomKilled: false,
  crashLoop: true,
  imagePullError: false,
  configError: false,
};

describe('containerFailureMessage', () => {
  it('names the container, its state, the last exit code and restarts, then the log tail', () => {
    expect(containerFailureMessage(crashing, 'starting\nlistening on :8080\nfatal: upstream refused\n')).toBe(
      'web-canary-7d9f-abcde/proxy (sidecar container): CrashLoopBackOff, last exit 2, Error, 4 restarts; last log lines:\nstarting\nlistening on :8080\nfatal: upstream refused',
    );
    expect(containerFailureMessage({ ...crashing, kind: 'app', restarts: 1 }, '')).toBe(
      'web-canary-7d9f-abcde/proxy: CrashLoopBackOff, last exit 2, Error, 1 restart; its log is empty',
    );
    expect(containerFailureMessage(crashing)).not.toContain('log');
  });
});

describe('logTail', () => {
  it('keeps the last 20 lines and says how many it left out', () => {
    const log = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n');
    const tail = logTail(log).split('\n');
    expect(tail[0]).toBe('(30 earlier lines not shown)');
    expect(tail.slice(1)).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 31}`));
  });

  it('masks the run’s secrets, longest first, and drops terminal escapes and control characters', () => {
    const log = 'token=ghs_abcdef123456 password=hunter22\x1b[31m red\x1b[0m\r\nbell\x07 ok';
    expect(logTail(log, { secrets: ['ghs_abcdef123456', 'ghs_abc', 'hunter22', 'x'] })).toBe('token=*** password=*** red\nbell ok');
  });

  it('cuts very long lines with a note', () => {
    expect(logTail('a'.repeat(400))).toBe(`${'a'.repeat(300)}… (100 more characters)`);
  });
});

describe('logTail: a log the app wrote cannot command the runner or leak a secret', () => {
  it('prints workflow commands without their prefix', () => {
    const log = [
      '::add-mask::nothing',
      '  ::set-output name=ok::true',
      '::::stop-commands::token',
      'a ##[error]fake and ##[set-output name=x;]y',
      'value with :: inside stays',
    ].join('\n');
    const tail = logTail(log).split('\n');
    expect(tail).toEqual([
      'add-mask::nothing',
      '  set-output name=ok::true',
      'stop-commands::token',
      'a #[error]fake and #[set-output name=x;]y',
      'value with :: inside stays',
    ]);
    for (const line of tail) expect(line).not.toMatch(/^\s*::|##\[/);
  });

  it('masks every secret the run registered (core/log.ts maskSecret), a multi-line one line by line, and URL userinfo', () => {
    rememberSecret('registered-token-9f8e7d');
    rememberSecret('-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n-----END KEY-----');
    const log = 'auth registered-token-9f8e7d\nkey MIIEvQIBADANBgkq\npulling https://bot:pw123456@registry.example/x';
    const tail = logTail(log);
    expect(tail).toBe('auth ***\nkey ***\npulling https://registry.example/x');
  });

  it('masks a secret before cutting a line, so a cut cannot leave half of it', () => {
    rememberSecret('S3CRET-S3CRET-S3CRET');
    expect(logTail(`${'x'.repeat(290)}S3CRET-S3CRET-S3CRET${'y'.repeat(100)}`)).toBe(
      `${'x'.repeat(290)}***${'y'.repeat(7)}… (93 more characters)`,
    );
  });

  it('drops C1 controls and bidi overrides too', () => {
    expect(logTail('ok\u009b31m \u202eevil\u202c')).toBe('ok31m evil');
  });
});

describe('containerFailureMessage when the log cannot be read', () => {
  it('keeps the container, state and exit code, and says why there are no lines, on the same line', () => {
    expect(containerFailureMessage(crashing, { unavailable: 'HTTP 500: boom\n::add-mask::x' })).toBe(
      'web-canary-7d9f-abcde/proxy (sidecar container): CrashLoopBackOff, last exit 2, Error, 4 restarts; (logs unavailable: HTTP 500: boom ::add-mask::x)',
    );
  });
});

describe('withContainerLogs', () => {
  const pods = [
    {
      metadata: { name: 'web-canary-1' },
      status: {
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'web',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      },
    },
  ];
  const results = evaluatePods(pods, { expectedReady: 1, maxRestarts: 0 }, false).results;
  const web: ContainerSignal = {
    ...crashing,
    pod: 'web-canary-1',
    container: 'web',
    kind: 'app',
    restarts: 3,
    termination: { exitCode: 1, reason: 'Error' },
  };

  it("adds a crash-looping container's log tail under the crash-loop check and changes no verdict", () => {
    const out = withContainerLogs(results, [{ container: web, log: { log: 'listening\nError: DATABASE_URL is not set\n' } }]);
    expect(out.map((r) => r.passed)).toEqual(results.map((r) => r.passed));
    const fatal = out.find((r) => r.name === 'no crash loop or image pull error')!;
    expect(fatal.detail).toBe(
      'the container exits on start; see its logs\nweb-canary-1/web: CrashLoopBackOff, last exit 1, Error, 3 restarts; last log lines:\nlistening\nError: DATABASE_URL is not set',
    );
    expect(out.find((r) => r.name === 'container restarts')!.detail).not.toContain('DATABASE_URL');
    // The input is left as it was.
    expect(results.find((r) => r.name === 'no crash loop or image pull error')!.detail).toBe('the container exits on start; see its logs');
  });

  it('adds a restarted, running container under the restarts check', () => {
    const running: ContainerSignal = { ...web, state: 'running', waitingReason: undefined, crashLoop: false };
    const out = withContainerLogs(results, [{ container: running, log: { unavailable: 'the pod is gone' } }]);
    expect(out.find((r) => r.name === 'container restarts')!.detail).toContain(
      '\nweb-canary-1/web: running, last exit 1, Error, 3 restarts; (logs unavailable: the pod is gone)',
    );
  });
});
