import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import * as core from '@actions/core';
import { childEnvironment } from './child-env';
import { ProcessGroupReaper } from './process-group';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  /** Set for the child on top of its minimal environment (see child-env.ts). */
  env?: Record<string, string>;
  /** Variables withheld from children that this one needs for its job, by name. */
  passEnv?: readonly string[];
  /** Fed to the child's stdin: how secrets reach a command without touching argv. */
  input?: string;
  /** Echo the child's output to the log as it runs. */
  stream?: boolean;
}

/** The command was stopped because the run was cancelled; what it wrote is in the log. */
export class CommandCancelledError extends Error {
  override readonly name = 'CommandCancelledError';
  constructor(
    readonly program: string,
    readonly signalName: NodeJS.Signals,
  ) {
    super(`The run was cancelled (${signalName}): "${program}" and every process it started were stopped.`);
  }
}

const reaper = new ProcessGroupReaper();

/**
 * Run a program with an argument array (never a shell string) and capture its
 * output. A non-zero exit is returned, not thrown, so callers can explain it.
 * The child gets the step's environment without the action's own variables
 * (inputs, runtime tokens, file commands), runs in its own process group, and
 * is stopped with everything it started when the run is cancelled.
 */
export async function runCommand(
  program: string,
  args: string[],
  options: CommandOptions = {},
  groups: ProcessGroupReaper = reaper,
): Promise<CommandResult> {
  if (options.stream) core.info(`[command]${[program, ...args].join(' ')}`);
  const child = spawn(program, args, {
    cwd: options.cwd,
    env: childEnvironment(process.env, options),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    // Its own process group, so a cancel can signal everything the command started.
    detached: process.platform !== 'win32',
  });
  const untrack = groups.track(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (options.stream) process.stdout.write(chunk);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (options.stream) process.stderr.write(chunk);
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  return new Promise((resolve, reject) => {
    let settled = false;
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      untrack();
      reject(error);
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      untrack();
      if (groups.cancelledBy) reject(new CommandCancelledError(program, groups.cancelledBy));
      else resolve({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr });
    });
  });
}
