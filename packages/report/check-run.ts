import { chunk, CHECK_ANNOTATIONS_PER_REQUEST, type FailureAnnotation } from './annotations';

/** The Checks API rejects an output summary over 65,535 characters. */
export const CHECK_SUMMARY_LIMIT = 65_535;

/** The subset of Octokit's `request` the check run needs, so any REST client will do. */
export type GitHubRequest = (route: string, parameters: Record<string, unknown>) => Promise<{ status: number; data: unknown }>;

export interface CheckRunSpec {
  owner: string;
  repo: string;
  /** The commit the check belongs to: for a pull request, its head, not the merge commit. */
  headSha: string;
  name: string;
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  summary: string;
  annotations: FailureAnnotation[];
}

export interface CheckRunResult {
  id: number;
  url?: string;
  /** How many REST calls it took: 1 + one per further 50 annotations. */
  requests: number;
  /** Failures without a file in the repository cannot be check annotations; they are in the summary. */
  unplaced: number;
}

interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure';
  title: string;
  message: string;
  raw_details?: string;
}

/**
 * Creates a completed check run carrying the first 50 annotations, then adds
 * the rest 50 at a time with updates: the Checks API takes at most 50 per
 * request and appends the annotations of each update.
 */
export async function publishCheckRun(request: GitHubRequest, spec: CheckRunSpec): Promise<CheckRunResult> {
  const placed = spec.annotations.filter((annotation) => annotation.path !== undefined).map(toCheckAnnotation);
  const [first = [], ...rest] = chunk(placed, CHECK_ANNOTATIONS_PER_REQUEST);
  const output = { title: spec.title, summary: clipSummary(spec.summary) };

  const created = await request('POST /repos/{owner}/{repo}/check-runs', {
    owner: spec.owner,
    repo: spec.repo,
    name: spec.name,
    head_sha: spec.headSha,
    status: 'completed',
    conclusion: spec.conclusion,
    completed_at: new Date().toISOString(),
    output: { ...output, annotations: first },
  });
  const data = created.data as { id: number; html_url?: string };
  for (const annotations of rest) {
    await request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      owner: spec.owner,
      repo: spec.repo,
      check_run_id: data.id,
      output: { ...output, annotations },
    });
  }
  const result: CheckRunResult = { id: data.id, requests: 1 + rest.length, unplaced: spec.annotations.length - placed.length };
  if (data.html_url) result.url = data.html_url;
  return result;
}

function toCheckAnnotation(annotation: FailureAnnotation): CheckAnnotation {
  // The Checks API requires a line; a failure known only by its file is pinned to the top of it.
  const line = annotation.line ?? 1;
  const body: CheckAnnotation = {
    path: annotation.path!,
    start_line: line,
    end_line: line,
    annotation_level: 'failure',
    title: annotation.title,
    message: annotation.message,
  };
  if (annotation.details) body.raw_details = annotation.details;
  return body;
}

function clipSummary(summary: string): string {
  if (summary.length <= CHECK_SUMMARY_LIMIT) return summary;
  const notice = '\n\n… cut at the Checks API limit of 65,535 characters; the job summary has the rest.';
  return summary.slice(0, CHECK_SUMMARY_LIMIT - notice.length) + notice;
}
