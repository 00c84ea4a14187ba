// Apart from github.ts on purpose: importing that module brings its lazy @actions/github chunk into a bundle.

/**
 * The URL of this workflow run: the canary's owner annotation and the
 * Deployment's. Without the attempt on purpose: a re-run of the job may
 * remove its own canary. The deploy Lease's holder is narrower (this attempt,
 * job and job instance: packages/deploy-action/holder.ts). Outside Actions,
 * the process stands for the run.
 */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return `${server}/local-run/${process.pid}`;
  return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}
