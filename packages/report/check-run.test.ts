import { describe, expect, it } from 'vitest';
import type { FailureAnnotation } from './annotations';
import { CHECK_SUMMARY_LIMIT, publishCheckRun, type GitHubRequest } from './check-run';

function recorder(): { request: GitHubRequest; calls: { route: string; parameters: Record<string, unknown> }[] } {
  const calls: { route: string; parameters: Record<string, unknown> }[] = [];
  const request: GitHubRequest = async (route, parameters) => {
    calls.push({ route, parameters });
    return { status: route.startsWith('POST') ? 201 : 200, data: { id: 77, html_url: 'https://github.com/o/r/runs/77' } };
  };
  return { request, calls };
}

const annotations = (count: number, path: string | null = 'tests/test_a.py'): FailureAnnotation[] =>
  Array.from({ length: count }, (_, i) => ({
    title: `t${i} failed`,
    message: `m${i}`,
    ...(path ? { path } : {}),
    ...(i % 2 ? { line: i } : {}),
  }));

const spec = {
  owner: 'o',
  repo: 'r',
  headSha: 'abc',
  name: 'Tests',
  conclusion: 'failure' as const,
  title: '1 of 2 failed',
  summary: '## s',
};

describe('publishCheckRun', () => {
  it('creates one completed check run when 50 or fewer annotations', async () => {
    const { request, calls } = recorder();
    const result = await publishCheckRun(request, { ...spec, annotations: annotations(50) });
    expect(result).toEqual({ id: 77, url: 'https://github.com/o/r/runs/77', requests: 1, unplaced: 0 });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.route).toBe('POST /repos/{owner}/{repo}/check-runs');
    expect(calls[0]!.parameters).toMatchObject({
      owner: 'o',
      repo: 'r',
      name: 'Tests',
      head_sha: 'abc',
      status: 'completed',
      conclusion: 'failure',
    });
    const output = calls[0]!.parameters.output as { annotations: Record<string, unknown>[] };
    expect(output.annotations).toHaveLength(50);
    // A failure known only by its file is pinned to line 1; the Checks API requires a line.
    expect(output.annotations[0]).toEqual({
      path: 'tests/test_a.py',
      start_line: 1,
      end_line: 1,
      annotation_level: 'failure',
      title: 't0 failed',
      message: 'm0',
    });
    expect(output.annotations[1]).toMatchObject({ start_line: 1, end_line: 1 });
    expect(output.annotations[3]).toMatchObject({ start_line: 3, end_line: 3 });
  });

  it('sends further annotations 50 per update to the created run', async () => {
    const { request, calls } = recorder();
    const result = await publishCheckRun(request, { ...spec, annotations: [...annotations(101), ...annotations(3, null)] });
    expect(result).toMatchObject({ requests: 3, unplaced: 3 });
    expect(calls.map((call) => call.route)).toEqual([
      'POST /repos/{owner}/{repo}/check-runs',
      'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
      'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
    ]);
    expect(calls.map((call) => (call.parameters.output as { annotations: unknown[] }).annotations.length)).toEqual([50, 50, 1]);
    expect(calls[1]!.parameters).toMatchObject({ check_run_id: 77, output: { title: '1 of 2 failed', summary: '## s' } });
  });

  it('creates the run without annotations, and clips a summary over the API limit', async () => {
    const { request, calls } = recorder();
    await publishCheckRun(request, { ...spec, conclusion: 'success', annotations: [], summary: 'x'.repeat(CHECK_SUMMARY_LIMIT + 10) });
    const output = calls[0]!.parameters.output as { annotations: unknown[]; summary: string };
    expect(output.annotations).toEqual([]);
    expect(output.summary.length).toBe(CHECK_SUMMARY_LIMIT);
    expect(output.summary.endsWith('the job summary has the rest.')).toBe(true);
  });

  it('lets a failed request reach the caller, who falls back', async () => {
    const request: GitHubRequest = async () => {
      throw Object.assign(new Error('Resource not accessible by integration'), { status: 403 });
    };
    await expect(publishCheckRun(request, { ...spec, annotations: annotations(1) })).rejects.toMatchObject({ status: 403 });
  });
});
