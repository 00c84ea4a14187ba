/**
 * The structure of the shipped workflows: what act ignores when it runs them (environment:, concurrency:,
 * permissions:, OIDC), so the act e2e tests cannot prove it, is pinned here instead, together with the links
 * between the workflows and the deploy role's trust (infra/cloudformation/ci.yaml).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = join(ROOT, '.github/workflows');

interface Job {
  'runs-on'?: string;
  uses?: string;
  if?: string;
  permissions?: Record<string, string> | string;
  environment?: { name: string; url?: string } | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  'timeout-minutes'?: number;
  secrets?: 'inherit' | Record<string, string>;
  with?: Record<string, unknown>;
  steps?: { uses?: string; with?: Record<string, unknown>; env?: Record<string, string>; run?: string }[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const files = readdirSync(DIR).filter((name) => name.endsWith('.yml'));
const text = (file: string) => readFileSync(join(DIR, file), 'utf8');
const workflows: Record<string, Workflow> = Object.fromEntries(files.map((file) => [file, parse(text(file)) as Workflow]));
const allJobs = Object.entries(workflows).flatMap(([file, workflow]) =>
  Object.entries(workflow.jobs).map(([id, job]) => ({ file, id, job })),
);
const deploy = workflows['deploy.yml']!.jobs;
const flaskApp = workflows['flask-app.yml']!.jobs;

describe('the shipped workflows', () => {
  it('default to read-only contents, and every job states its own permissions', () => {
    for (const [file, workflow] of Object.entries(workflows)) expect(workflow.permissions, file).toEqual({ contents: 'read' });
    for (const { file, id, job } of allJobs) {
      expect(typeof job.permissions, `${file} ${id}`).toBe('object');
      expect(Object.values(job.permissions as object)).not.toContain('write-all');
    }
  });

  it('pin every third-party action to a full commit SHA, with its version beside it', () => {
    for (const file of files) {
      for (const line of text(file)
        .split('\n')
        .filter((l) => /^\s*-?\s*uses:\s*[^.\s]/.test(l))) {
        expect(line, file).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d/);
      }
    }
  });

  it('never run on pull_request_target or workflow_run, whose tokens a trust policy cannot tell from main', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      expect(Object.keys(workflow.on), file).not.toContain('pull_request_target');
      expect(Object.keys(workflow.on), file).not.toContain('workflow_run');
    }
  });

  it('bound every job that runs steps with a timeout', () => {
    for (const { file, id, job } of allJobs.filter(({ job }) => job.steps))
      expect(job['timeout-minutes'], `${file} ${id}`).toBeGreaterThan(0);
  });
});

describe('the deploy job', () => {
  it('is the only job that may get an OIDC token, and the only one that reads the deploy role', () => {
    const withToken = allJobs.filter(({ job }) => typeof job.permissions === 'object' && job.permissions['id-token'] === 'write');
    // The callers grant it; only deploy.yml's release job has steps that use it.
    expect(withToken.filter(({ job }) => job.steps).map(({ file, id }) => `${file} ${id}`)).toEqual(['deploy.yml release']);
    const readers = allJobs.filter(({ job }) => JSON.stringify(job.steps ?? []).includes('secrets.AWS_DEPLOY_ROLE_ARN'));
    expect(readers.map(({ file, id }) => `${file} ${id}`)).toEqual(['deploy.yml release']);
  });

  it("runs in the caller's GitHub environment, one release per environment at a time", () => {
    const release = deploy.release!;
    expect(release.environment).toEqual({ name: '${{ inputs.environment }}', url: '${{ inputs.environment-url }}' });
    expect(release.concurrency).toEqual({ group: 'release-${{ inputs.environment }}', 'cancel-in-progress': false });
    expect(release.permissions).toEqual({ contents: 'read', 'id-token': 'write', deployments: 'write' });
  });

  it('is the workflow file the deploy role trusts, on main', () => {
    const ci = readFileSync(join(ROOT, 'infra/cloudformation/ci.yaml'), 'utf8');
    expect(ci).toContain('/.github/workflows/deploy.yml@refs/heads/${DeployBranch}');
    expect(ci).toMatch(/:sub: !Sub "repo:\$\{GitHubOrg\}\/\$\{GitHubRepo\}:environment:\$\{Environment\}"/);
  });
});

describe('the sample pipeline', () => {
  it('deploys QA on a push to main and production only by hand, each in its environment, with its own role secret', () => {
    expect(flaskApp.qa).toMatchObject({ uses: './.github/workflows/deploy.yml', secrets: 'inherit', with: { environment: 'qa' } });
    expect(flaskApp.qa!.if).toMatch(/^github\.event_name == 'push' && /);
    expect(flaskApp.production).toMatchObject({
      uses: './.github/workflows/deploy.yml',
      secrets: 'inherit',
      with: { environment: 'production' },
    });
    expect(flaskApp.production!.if).toBe("github.event_name == 'workflow_dispatch'");
    // Evidence-gated promotion: production takes only a digest QA promoted.
    expect(flaskApp.production!.with).toMatchObject({ 'require-evidence-from': 'qa', 'image-ref': '${{ inputs.image-ref }}' });
    expect(flaskApp.qa!.with!['require-evidence-from']).toBeUndefined();
    expect((workflows['flask-app.yml']!.on.push as { branches: string[] }).branches).toEqual(['main']);
  });

  it('inherits secrets only into this repository’s own workflows', () => {
    for (const { file, id, job } of allJobs.filter(({ job }) => job.secrets === 'inherit'))
      expect(job.uses, `${file} ${id}`).toMatch(/^\.\/\.github\/workflows\//);
  });

  it('takes bake time and steps from repository variables, with the old values as defaults', () => {
    expect(flaskApp.qa!.with).toMatchObject({
      steps: "${{ vars.QA_CANARY_STEPS || '10,50' }}",
      'bake-time': "${{ vars.QA_BAKE_TIME || '5m' }}",
      manifests: 'examples/flask-app/k8s/overlays/qa',
    });
    expect(flaskApp.production!.with).toMatchObject({
      steps: "${{ inputs.steps || vars.PRODUCTION_CANARY_STEPS || '10,25,50' }}",
      'bake-time': "${{ inputs.bake-time || vars.PRODUCTION_BAKE_TIME || '10m' }}",
      manifests: 'examples/flask-app/k8s/overlays/production',
    });
    // An unset URL must not become "/readyz".
    expect(flaskApp.qa!.with!['http-url']).toBe("${{ vars.QA_URL && format('{0}/readyz', vars.QA_URL) || '' }}");
  });

  it('checks pull requests with the commit-message linter, and this repository’s CI does too', () => {
    expect(flaskApp.checks!.with).toMatchObject({ 'commit-messages': true, 'coverage-threshold': '80' });
    expect(workflows['ci.yml']!.jobs.commits).toMatchObject({
      uses: './.github/workflows/pr-checks.yml',
      with: { 'commit-messages': true },
    });
    const commits = workflows['pr-checks.yml']!.jobs.commits!;
    expect(commits.permissions).toEqual({ contents: 'read' });
    expect(commits.steps![0]!.with).toMatchObject({ 'fetch-depth': 0, 'persist-credentials': false });
  });

  it('builds pull-request images without any AWS access', () => {
    const image = workflows['pr-checks.yml']!.jobs.image!;
    expect(image.permissions).toEqual({ contents: 'read' });
    expect(JSON.stringify(image.steps)).not.toMatch(/configure-aws-credentials|secrets\./);
    expect(image.steps!.at(-1)!.with).toMatchObject({ push: 'false' });
  });
});
