/**
 * Which local stand-in (test/act/) replaces each third-party action the workflows use, and the act flags that
 * swap them in. The pins are read from the workflows themselves, so bumping a SHA there needs no change here;
 * a third-party action without a stand-in is an error that names it, since act would try to download it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const STAND_INS: Record<string, string> = {
  'actions/checkout': 'test/act/checkout',
  'actions/setup-python': 'test/act/setup-python',
  'aws-actions/configure-aws-credentials': 'test/act/configure-aws-credentials',
};

interface Workflow {
  jobs?: Record<string, { uses?: string; steps?: { uses?: string }[] }>;
}

/**
 * Every `uses: owner/name@ref` of a step in `workflow` (a path under repoRoot) and in the local reusable
 * workflows it calls, transitively. Local actions (./…) and docker:// images are left out.
 */
export function thirdPartyActions(repoRoot: string, workflow: string): Set<string> {
  const found = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const parsed = parse(readFileSync(join(repoRoot, file), 'utf8')) as Workflow;
    for (const job of Object.values(parsed.jobs ?? {})) {
      if (job.uses?.startsWith('./')) visit(job.uses.slice(2).split('@')[0]!);
      for (const step of job.steps ?? []) {
        if (step.uses && !step.uses.startsWith('./') && !step.uses.startsWith('docker://')) found.add(step.uses);
      }
    }
  };
  visit(workflow);
  return found;
}

/**
 * `--local-repository <action>@<sha>=<stand-in folder>` for each third-party action `workflow` runs, or an
 * error naming the ones without a stand-in.
 */
export function standInFlags(repoRoot: string, workflow: string): string[] {
  const flags: string[] = [];
  const missing: string[] = [];
  for (const uses of [...thirdPartyActions(repoRoot, workflow)].sort()) {
    const folder = STAND_INS[uses.slice(0, uses.lastIndexOf('@'))];
    if (!folder) missing.push(uses);
    else flags.push('--local-repository', `${uses}=${join(repoRoot, folder)}`);
  }
  if (missing.length > 0) {
    throw new Error(
      `${workflow} uses ${missing.join(', ')}, which act cannot download here and which has no stand-in under test/act/; ` +
        'write one (test/act/README.md) and list it in scripts/act/stand-ins.ts.',
    );
  }
  return flags;
}
