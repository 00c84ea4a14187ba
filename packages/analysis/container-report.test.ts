import { describe, expect, it } from 'vitest';
import { containerFailureMessage, logTail } from './container-report';
import type { ContainerSignal } from './kube-signals';

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
