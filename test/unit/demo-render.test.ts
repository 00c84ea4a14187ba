/** How the demo prints what the pipeline did (scripts/demo/render.ts) and where it puts the app (scripts/demo/real-node.ts). */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { placedOnNode, realNodeFromEnv, DEPLOYMENT_FILE } from '../../scripts/demo/real-node';
import { duration, isProgress, plainSummary, table } from '../../scripts/demo/render';

const ROOT = resolve(import.meta.dirname, '../..');

describe('plainSummary', () => {
  it('drops HTML, marks and table rules, keeps the words, the cells and the links', () => {
    const markdown = [
      '## Test results: all 44 passed, 6 skipped',
      '',
      '**Coverage:** 96.86% (`app`) meets the threshold of 80%',
      '',
      '| step | canary | result |',
      '| --- | ---: | --- |',
      '| 1 | 50% | passed |',
      '',
      '<details><summary>Slowest tests</summary>',
      '',
      'test_a &lt;0.1s&gt;<br>test_b',
      '</details>',
      '',
      '',
      '',
      'See [the run](https://github.com/o/r/actions/runs/1).',
    ].join('\n');
    expect(plainSummary(markdown)).toBe(
      [
        'Test results: all 44 passed, 6 skipped',
        '',
        'Coverage: 96.86% (app) meets the threshold of 80%',
        '',
        '| step | canary | result |',
        '| 1 | 50% | passed |',
        '',
        'Slowest tests',
        '',
        'test_a <0.1s>',
        'test_b',
        '',
        'See the run (https://github.com/o/r/actions/runs/1).',
      ].join('\n'),
    );
  });

  it('is empty for an empty summary', () => {
    expect(plainSummary('')).toBe('');
  });
});

describe('table', () => {
  it('pads every column to its widest cell, under a rule', () => {
    expect(
      table(
        ['env', 'digest'],
        [
          ['qa', 'sha256:ab'],
          ['production', 'sha256:c'],
        ],
      ),
    ).toBe(['env         digest', '----------  ---------', 'qa          sha256:ab', 'production  sha256:c'].join('\n'));
  });
});

describe('duration', () => {
  it.each([
    [9_400, '9.4s'],
    [59_940, '59.9s'],
    [83_400, '1m 23s'],
    [605_000, '10m 05s'],
  ])('%d ms is %s', (ms, text) => expect(duration(ms)).toBe(text));
});

describe('isProgress', () => {
  it('keeps step and job results and errors, not the steps’ own output', () => {
    expect(isProgress('[qa/deploy/release]   ✅  Success - Main ./.flightdeck [1m2s]')).toBe(true);
    expect(isProgress('[qa/deploy/release]   ❌  Failure - Main ./.flightdeck [40s]')).toBe(true);
    expect(isProgress('[qa/deploy/release] 🏁  Job failed')).toBe(true);
    expect(isProgress('[qa/deploy/release]   ❗  ::error title=Canary failed::Canary analysis failed')).toBe(true);
    expect(isProgress('[qa/deploy/release]   | Step 1/1: 50% canary')).toBe(false);
    expect(isProgress('[checks/pr-checks/test] ⭐ Run Main ./.flightdeck/actions/run-tests')).toBe(false);
  });
});

describe('the app on the real node', () => {
  const node = { name: 'flightdeck-node', taintKey: 'flightdeck.dev/real-node' };

  it('adds the node selector and the toleration to the shipped Deployment, and nothing else', () => {
    const shipped = readFileSync(join(ROOT, DEPLOYMENT_FILE), 'utf8');
    const placed = placedOnNode(shipped, node);
    const before = parse(shipped) as { spec: { template: { spec: Record<string, unknown> } } };
    const after = parse(placed) as typeof before;
    expect(after.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'flightdeck-node' });
    expect(after.spec.template.spec.tolerations).toEqual([{ key: 'flightdeck.dev/real-node', operator: 'Exists', effect: 'NoSchedule' }]);
    delete after.spec.template.spec.nodeSelector;
    delete after.spec.template.spec.tolerations;
    expect(after).toEqual(before);
    // The manifest's comments stay: a reader of the scratch commit sees the same file with two fields more.
    expect(placed).toContain('# Old ReplicaSets are what a rollback returns to.');
  });

  it('refuses a manifest that is not a Deployment', () => {
    expect(() => placedOnNode('kind: Service\n', node)).toThrow(/is not a Deployment/);
  });

  it('needs the node named in the stack env, and says how to get it', () => {
    expect(realNodeFromEnv({ REAL_NODE_NAME: 'n', REAL_NODE_TAINT_KEY: 'k' })).toEqual({ name: 'n', taintKey: 'k' });
    expect(() => realNodeFromEnv({})).toThrow(/REAL_NODE_NAME.*scripts\/stack\/up\.sh/);
  });
});
