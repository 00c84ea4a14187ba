/**
 * GitHub API access for the actions. @actions/github (Octokit and undici) is imported on first use,
 * never at start-up: most runs of most actions never call the API, and loading it costs ~100 ms.
 */
import type * as GitHub from '@actions/github';

type GitHubModule = typeof GitHub;
export type Octokit = ReturnType<GitHubModule['getOctokit']>;

let loaded: Promise<GitHubModule> | undefined;

export async function getOctokit(token: string): Promise<Octokit> {
  loaded ??= import('@actions/github');
  const github = await loaded;
  return github.getOctokit(token, { baseUrl: process.env.GITHUB_API_URL || 'https://api.github.com' });
}

/** owner/repo of the workflow run, from the runner's environment. */
export function currentRepository(): { owner: string; repo: string } {
  const [owner = '', repo = ''] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  return { owner, repo };
}

/** The REST API of the run's GitHub (GHES included) and the run's owner/repo, from the runner's environment. */
export function githubApiTarget(): { api: string; repository: string } {
  return {
    api: (process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/$/, ''),
    repository: process.env.GITHUB_REPOSITORY ?? '',
  };
}
