/**
 * Runs a program for a stack test: an argument array, never a shell string;
 * secrets go in on stdin. Fails with the command's output when it fails.
 */
import { spawnSync } from 'node:child_process';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runProgram(
  program: string,
  args: string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): RunResult {
  const result = spawnSync(program, args, {
    input: options.input,
    env: options.env ?? process.env,
    cwd: options.cwd,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${program} ${args[0] ?? ''} could not run: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like runProgram, but throws (with both output streams) on a non-zero exit. */
export function mustRun(program: string, args: string[], options: Parameters<typeof runProgram>[2] = {}): string {
  const result = runProgram(program, args, options);
  if (result.status !== 0) {
    throw new Error(`${program} ${args.join(' ')} exited ${result.status}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return result.stdout;
}
