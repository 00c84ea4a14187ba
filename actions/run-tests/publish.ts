import * as core from '@actions/core';
import { errorMessage } from '../../packages/core/errors';
import { currentRepository, getOctokit } from '../../packages/core/github';
import { commandMessage, describeCut, planAnnotations, type FailureAnnotation } from '../../packages/report/annotations';
import { publishCheckRun, type GitHubRequest } from '../../packages/report/check-run';
import { INPUT, type Inputs } from './context';
import { pullRequestOfEvent } from './event';

export interface Publication {
  channel: 'check-run' | 'workflow-commands';
  checkRunUrl?: string;
  /** Said in the log already; the summary repeats them. */
  notices: string[];
}

export interface CheckContent {
  conclusion: 'success' | 'failure';
  title: string;
  summary: string;
}

/**
 * A check run when the token may write one; otherwise (no token, a fork's
 * read-only token, HTTP 403) workflow-command annotations. The caller writes
 * the job summary either way.
 */
export async function publishResults(
  inputs: Inputs,
  annotations: FailureAnnotation[],
  content: CheckContent,
  stepFails: boolean,
): Promise<Publication> {
  const notices: string[] = [];
  const skipReason = checkRunSkipReason(inputs);
  if (!skipReason) {
    const plan = planAnnotations(annotations, 'check-run', inputs.annotationsLimit);
    const cut = describeCut(plan, annotations.length);
    try {
      const octokit = await getOctokit(inputs.token!);
      const request: GitHubRequest = (route, parameters) => octokit.request(route, parameters);
      const { owner, repo } = repository();
      const summary = cut ? `${content.summary}\n\n> [!NOTE]\n> ${cut}\n` : content.summary;
      const result = await publishCheckRun(request, {
        owner,
        repo,
        headSha: headSha(),
        name: inputs.checkName,
        ...content,
        summary,
        annotations: plan.shown,
      });
      core.info(
        `Check run "${inputs.checkName}" ${result.url ?? `#${result.id}`}: ${plan.shown.length} annotation(s) in ${result.requests} request(s).`,
      );
      if (cut) notices.push(warn(cut));
      if (result.unplaced > 0)
        notices.push(
          warn(`${result.unplaced} failure(s) name no file in the repository, so they have no annotation; they are listed below.`),
        );
      const publication: Publication = { channel: 'check-run', notices };
      if (result.url) publication.checkRunUrl = result.url;
      return publication;
    } catch (error) {
      notices.push(warn(checkRunFailure(error)));
    }
  } else {
    notices.push(info(skipReason));
  }

  // The step's own failure message is an error annotation too, and counts against GitHub's per-step cap.
  const plan = planAnnotations(annotations, 'workflow-commands', inputs.annotationsLimit, stepFails ? 1 : 0);
  for (const annotation of plan.shown) {
    const properties: core.AnnotationProperties = { title: annotation.title };
    if (annotation.path) properties.file = annotation.path;
    if (annotation.path && annotation.line !== undefined) properties.startLine = annotation.line;
    core.error(commandMessage(annotation), properties);
  }
  const cut = describeCut(plan, annotations.length);
  if (cut) notices.push(warn(cut));
  return { channel: 'workflow-commands', notices };
}

function checkRunSkipReason(inputs: Inputs): string | undefined {
  if (!inputs.token) return `No check run: the "${INPUT.token}" input is empty. Results are reported with annotations and the job summary.`;
  const pullRequest = pullRequestOfEvent();
  const head = pullRequest?.headRepository;
  const base = pullRequest?.baseRepository;
  if (process.env.GITHUB_EVENT_NAME === 'pull_request' && head && base && head !== base) {
    return `No check run: this pull request comes from the fork ${head}, whose token cannot write checks to ${base}. Results are reported with annotations and the job summary instead.`;
  }
  return undefined;
}

function checkRunFailure(error: unknown): string {
  const status = (error as { status?: number }).status;
  if (status === 403) {
    return `No check run: the token may not write checks (HTTP 403: ${errorMessage(error)}). Grant "permissions: checks: write" to the job. Results are reported with annotations and the job summary instead.`;
  }
  return `No check run: creating it failed (${status ? `HTTP ${status}: ` : ''}${errorMessage(error)}). Results are reported with annotations and the job summary instead.`;
}

function repository(): { owner: string; repo: string } {
  const { owner, repo } = currentRepository();
  if (!owner || !repo)
    throw new Error(`GITHUB_REPOSITORY is "${process.env.GITHUB_REPOSITORY ?? ''}", not "owner/name": is this running on GitHub Actions?`);
  return { owner, repo };
}

/** A pull request's check belongs on its head commit; GITHUB_SHA is the merge commit GitHub made for the run. */
function headSha(): string {
  return pullRequestOfEvent()?.headSha ?? process.env.GITHUB_SHA ?? '';
}

function warn(text: string): string {
  core.warning(text);
  return text;
}

function info(text: string): string {
  core.info(text);
  return text;
}
