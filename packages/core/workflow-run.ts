// Apart from github.ts on purpose: importing that module brings its lazy @actions/github chunk into a bundle.

/**
 * The URL of this workflow run: the deploy Lease's holder, the canary's owner
 * annotation and the Deployment's. Without the attempt on purpose: a re-run
 * of the job is the same holder, so it takes back its own Lease and may
 * remove its own canary. Outside Actions, the process stands for the run.
 */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return `${server}/local-run/${process.pid}`;
  return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}
