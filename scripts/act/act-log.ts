/**
 * Reads act's `--json` log (one JSON object per line, from logrus) into what a workflow run shows on GitHub:
 * each job's result, its steps with their results, outputs (set-output), job summary (GITHUB_STEP_SUMMARY) and
 * annotations (::error/::warning/::notice), plus the masked text log.
 *
 * act masks secrets in `msg` only: the `arg` and `raw` fields carry them unmasked (the add-mask command's own
 * value, an output that holds a secret). So nothing unmasked is kept: every value registered with ::add-mask::
 * is replaced by *** in whatever this keeps, and the raw lines are never stored.
 */

export type ActResult = 'success' | 'failure' | 'skipped';

export interface ActAnnotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
}

export interface ActStep {
  /** act's name for the step: its `name:`, the `uses:` reference, or the script. */
  name: string;
  /** The step's `id:` when it has one, else its index, as act reports it. */
  id: string;
  stage: 'Pre' | 'Main' | 'Post' | string;
  result?: ActResult;
  outputs: Record<string, string>;
  summary: string;
  annotations: ActAnnotation[];
  log: string[];
}

export interface ActJob {
  /** "<workflow name>/<job id>", and "<caller job>/<called job>" inside a reusable workflow. */
  name: string;
  result?: ActResult;
  steps: ActStep[];
}

export interface ActLog {
  jobs: Map<string, ActJob>;
  /** The masked text log, in order: what a reader of the run would see. */
  lines: string[];
}

interface Entry {
  msg?: string;
  job?: string;
  step?: string;
  stage?: string;
  stepID?: string[];
  command?: string;
  name?: string;
  arg?: string;
  content?: string;
  kvPairs?: Record<string, string>;
  stepResult?: ActResult;
  jobResult?: ActResult;
  raw_output?: boolean;
}

const ANNOTATIONS = new Set(['error', 'warning', 'notice']);

export class ActLogParser {
  private readonly masks = new Set<string>();
  readonly jobs = new Map<string, ActJob>();
  readonly lines: string[] = [];
  private partial = '';

  /** Feed a chunk of act's stdout; complete lines are parsed as they arrive. */
  push(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  /** A plain line from act's stderr ("Error: Job 'x' failed"): kept, masked, in the text log. */
  plain(line: string): void {
    if (line.trim() !== '') this.lines.push(this.mask(line));
  }

  end(): ActLog {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    return { jobs: this.jobs, lines: this.lines };
  }

  private mask(text: string): string {
    let masked = text;
    for (const secret of this.masks) masked = masked.split(secret).join('***');
    return masked;
  }

  private line(line: string): void {
    if (line.trim() === '') return;
    let entry: Entry;
    try {
      entry = JSON.parse(line) as Entry;
    } catch {
      // act prints a few plain lines (e.g. "Error: Job 'x' failed") outside its JSON logger.
      this.lines.push(this.mask(line));
      return;
    }
    if (entry.command === 'add-mask') {
      if (entry.arg) this.masks.add(entry.arg);
      this.lines.push(`${entry.job ?? ''} ::add-mask:: ***`);
      return;
    }
    const message = this.mask((entry.msg ?? '').replace(/\n$/, ''));
    // act pads job names to a common width when several jobs run.
    const jobName = entry.job?.trim();
    this.lines.push(jobName ? `[${jobName}] ${message}` : message);
    if (!jobName) return;
    const job = this.job(jobName);
    if (entry.jobResult) job.result = entry.jobResult;
    if (!entry.step || !entry.stepID) return;
    const step = this.step(job, entry);
    if (entry.stepResult) step.result = entry.stepResult;
    if (entry.raw_output) step.log.push(message);
    if (entry.command === 'set-output' && entry.name) step.outputs[entry.name] = this.mask(entry.arg ?? '');
    if (entry.command === 'summary') step.summary += this.mask(entry.content ?? '');
    if (entry.command && ANNOTATIONS.has(entry.command)) {
      step.annotations.push({
        level: entry.command as ActAnnotation['level'],
        message: this.mask(entry.arg ?? ''),
        properties: Object.fromEntries(Object.entries(entry.kvPairs ?? {}).map(([key, value]) => [key, this.mask(value)])),
      });
    }
  }

  private job(name: string): ActJob {
    let job = this.jobs.get(name);
    if (!job) this.jobs.set(name, (job = { name, steps: [] }));
    return job;
  }

  private step(job: ActJob, entry: Entry): ActStep {
    const id = entry.stepID!.join('/');
    const stage = entry.stage ?? 'Main';
    let step = job.steps.find((candidate) => candidate.id === id && candidate.stage === stage);
    if (!step) {
      step = { name: this.mask(entry.step!), id, stage, outputs: {}, summary: '', annotations: [], log: [] };
      job.steps.push(step);
    }
    return step;
  }
}

/** The job summary as GitHub shows it: every step's summary, in step order. */
export function jobSummary(job: ActJob): string {
  return job.steps.map((step) => step.summary).join('');
}

/** The outputs of the step with this `id:` (main stage), or undefined when the job has no such step. */
export function stepOutputs(job: ActJob, id: string): Record<string, string> | undefined {
  return job.steps.find((step) => step.id === id && step.stage === 'Main')?.outputs;
}
