import { existsSync, readFileSync } from 'node:fs';

export interface PullRequestInfo {
  headRepository?: string;
  baseRepository?: string;
  headSha?: string;
}

/**
 * The pull request of the triggering event, read from GITHUB_EVENT_PATH directly:
 * @actions/github's context would load Octokit at start-up just to parse this file.
 */
export function pullRequestOfEvent(env: NodeJS.ProcessEnv = process.env): PullRequestInfo | undefined {
  const path = env.GITHUB_EVENT_PATH;
  if (!path || !existsSync(path)) return undefined;
  let payload: { pull_request?: { head?: { sha?: string; repo?: { full_name?: string } }; base?: { repo?: { full_name?: string } } } };
  try {
    payload = JSON.parse(readFileSync(path, 'utf8')) as typeof payload;
  } catch {
    return undefined;
  }
  const pullRequest = payload.pull_request;
  if (!pullRequest) return undefined;
  const info: PullRequestInfo = {};
  if (pullRequest.head?.repo?.full_name) info.headRepository = pullRequest.head.repo.full_name;
  if (pullRequest.base?.repo?.full_name) info.baseRepository = pullRequest.base.repo.full_name;
  if (pullRequest.head?.sha) info.headSha = pullRequest.head.sha;
  return info;
}
