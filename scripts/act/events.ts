/**
 * The event payloads act passes to the workflows (`--eventpath`), shaped as GitHub sends them, for the
 * fields the workflows and actions read: refs and SHAs, the pull request's head and base, dispatch inputs.
 */
import { REPOSITORY } from './scratch-repo';

const repository = {
  full_name: REPOSITORY,
  name: REPOSITORY.split('/')[1],
  owner: { login: REPOSITORY.split('/')[0] },
  default_branch: 'main',
};

export function pushEvent(before: string, after: string, message: string): Record<string, unknown> {
  return { ref: 'refs/heads/main', before, after, head_commit: { id: after, message }, repository, sender: { login: 'flightdeck-bot' } };
}

export function pullRequestEvent(options: { number: number; headRef: string; headSha: string; baseSha: string }): Record<string, unknown> {
  const repo = { full_name: REPOSITORY };
  return {
    action: 'opened',
    number: options.number,
    pull_request: {
      number: options.number,
      head: { ref: options.headRef, sha: options.headSha, repo },
      base: { ref: 'main', sha: options.baseSha, repo },
    },
    repository,
    sender: { login: 'flightdeck-bot' },
  };
}

export function workflowDispatchEvent(inputs: Record<string, string>): Record<string, unknown> {
  return { ref: 'refs/heads/main', inputs, repository, sender: { login: 'flightdeck-bot' } };
}
