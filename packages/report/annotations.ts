import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { TestCase } from './junit';
import { locateFailure, filesForClassname } from './locate';

/** GitHub shows at most this many error annotations from workflow commands per step (and 10 warnings). */
export const STEP_ERROR_ANNOTATION_LIMIT = 10;
/** The Checks API takes at most this many annotations per create or update request. */
export const CHECK_ANNOTATIONS_PER_REQUEST = 50;
/** Checks API field limits: title 255 characters, message and raw_details 64 KiB. */
const TITLE_LIMIT = 255;
const TEXT_LIMIT = 64 * 1024 - 1;
/** Workflow-command annotations are read in the log; keep them short, the summary has the rest. */
const COMMAND_DETAILS_LIMIT = 4000;
/** A virtualenv inside the repository still holds libraries, not the project's code. */
const INSTALLED_LIBRARY = /(^|[\\/])(site|dist)-packages[\\/]/;

export interface FailureAnnotation {
  /** Relative to the repository root, with forward slashes; absent when the failure names no file in the repository. */
  path?: string;
  line?: number;
  title: string;
  message: string;
  details?: string;
}

export interface PathContext {
  /** Absolute repository root (GITHUB_WORKSPACE): annotation paths are relative to it. */
  workspace: string;
  /** Absolute directory the tests ran in: report paths are relative to it. */
  workingDirectory: string;
  /** Tells whether a workspace-relative file exists, to place failures that carry no location by their classname. */
  exists?: (workspacePath: string) => boolean;
}

export function testTitle(testCase: TestCase): string {
  return testCase.classname ? `${testCase.classname}.${testCase.name}` : testCase.name;
}

/** One annotation per failed or erroring case, in report order. */
export function buildAnnotations(cases: TestCase[], paths: PathContext): FailureAnnotation[] {
  return cases
    .filter((testCase) => testCase.status === 'failed' || testCase.status === 'error')
    .map((testCase) => annotate(testCase, paths));
}

function annotate(testCase: TestCase, paths: PathContext): FailureAnnotation {
  const verb = testCase.status === 'error' ? 'errored' : 'failed';
  const annotation: FailureAnnotation = {
    title: clip(`${testTitle(testCase)} ${verb}`, TITLE_LIMIT),
    message: clip(headline(testCase), TEXT_LIMIT),
  };
  if (testCase.details) annotation.details = clip(testCase.details, TEXT_LIMIT);
  // Frames in installed libraries cannot be annotated; only files in the repository are candidates.
  const location = locateFailure(testCase, (file) => !INSTALLED_LIBRARY.test(file) && toWorkspacePath(file, paths) !== undefined);
  const path = location ? toWorkspacePath(location.file, paths) : fileFromClassname(testCase.classname, paths);
  if (path) annotation.path = path;
  if (path && location?.line !== undefined) annotation.line = location.line;
  return annotation;
}

/** The one line that says what went wrong: the message attribute, else the last "E " line of the traceback, else its last line. */
export function headline(testCase: TestCase): string {
  const message = testCase.message?.trim();
  if (message) return message;
  const lines = (testCase.details ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const raised = lines.filter((line) => line.startsWith('E ')).at(-1);
  return raised?.slice(1).trim() ?? lines.at(-1) ?? `${testCase.status === 'error' ? 'Errored' : 'Failed'} without a message`;
}

/** A report path (relative to where the tests ran, or absolute) as a repository path, or undefined outside the repository. */
export function toWorkspacePath(file: string, paths: PathContext): string | undefined {
  const absolute = isAbsolute(file) ? file : resolve(paths.workingDirectory, file);
  const inRepo = relative(paths.workspace, absolute);
  if (inRepo === '' || inRepo.startsWith('..') || isAbsolute(inRepo)) return undefined;
  return inRepo.split(sep).join('/');
}

function fileFromClassname(classname: string, paths: PathContext): string | undefined {
  if (!classname || !paths.exists) return undefined;
  for (const candidate of filesForClassname(classname)) {
    const path = toWorkspacePath(candidate, paths);
    if (path && paths.exists(path)) return path;
  }
  return undefined;
}

export function chunk<T>(items: T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive whole number, got ${size}`);
  const chunks: T[][] = [];
  for (let at = 0; at < items.length; at += size) chunks.push(items.slice(at, at + size));
  return chunks;
}

export interface AnnotationPlan {
  shown: FailureAnnotation[];
  /** How many were left out, and why; undefined when all are shown. */
  cut?: { count: number; reason: string };
}

/**
 * Picks the failures that get an annotation. `limit` is the caller's own cap
 * (an input); for workflow commands GitHub's per-step cap applies too, less
 * the error annotations the step writes itself (its failure message).
 */
export function planAnnotations(
  annotations: FailureAnnotation[],
  channel: 'check-run' | 'workflow-commands',
  limit: number,
  reservedErrors = 0,
): AnnotationPlan {
  const githubCap = channel === 'workflow-commands' ? Math.max(0, STEP_ERROR_ANNOTATION_LIMIT - reservedErrors) : Infinity;
  const cap = Math.min(limit, githubCap);
  if (annotations.length <= cap) return { shown: annotations };
  const reason =
    cap === githubCap
      ? `GitHub shows at most ${STEP_ERROR_ANNOTATION_LIMIT} error annotations per step${reservedErrors ? ` and the step's own failure message takes ${reservedErrors}` : ''}`
      : `the annotations-limit input is ${limit}`;
  return { shown: annotations.slice(0, cap), cut: { count: annotations.length - cap, reason } };
}

export function describeCut(plan: AnnotationPlan, total: number): string | undefined {
  if (!plan.cut) return undefined;
  return `Annotated ${plan.shown.length} of ${total} failing tests: ${plan.cut.reason}. Every failure is listed in the job summary and the log.`;
}

/** The text of a workflow-command annotation: the headline, then the start of the traceback. */
export function commandMessage(annotation: FailureAnnotation): string {
  if (!annotation.details) return annotation.message;
  return `${annotation.message}\n\n${clip(annotation.details, COMMAND_DETAILS_LIMIT)}`;
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
