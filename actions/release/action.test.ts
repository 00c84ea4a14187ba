import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../scripts/harness/run-step';

interface Metadata {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

const metadata = (path: string) => parse(readFileSync(join(REPO_ROOT, path), 'utf8')) as Metadata;

// The release action has no action.yml of its own: the repository's root action.yml is it, and it runs
// deployEntry('release') with promotion always on. Its inputs are a copy of canary-deploy's; this keeps the copy true.
describe('the root action.yml', () => {
  const root = metadata('action.yml');
  const canary = metadata('actions/canary-deploy/action.yml');

  it("declares canary-deploy's inputs, less auto-promote, with the same descriptions and defaults", () => {
    const { 'auto-promote': autoPromote, ...rest } = canary.inputs;
    expect(autoPromote).toBeDefined();
    expect(root.inputs).toEqual(rest);
    // Same order too, so the two READMEs' tables read alike.
    expect(Object.keys(root.inputs)).toEqual(Object.keys(rest));
  });

  it("declares canary-deploy's outputs", () => {
    expect(root.outputs).toEqual(canary.outputs);
  });
});
