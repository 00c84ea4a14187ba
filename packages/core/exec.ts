import * as exec from '@actions/exec';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Fed to the child's stdin: how secrets reach a command without touching argv. */
  input?: string;
  /** Echo the child's output to the log as it runs. */
  stream?: boolean;
}

/**
 * Run a program with an argument array (never a shell string) and capture its
 * output. A non-zero exit is returned, not thrown, so callers can explain it.
 */
export async function runCommand(program: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  const exitCode = await exec.exec(program, args, {
    cwd: options.cwd,
    env: options.env ? { ...(process.env as Record<string, string>), ...options.env } : undefined,
    input: options.input === undefined ? undefined : Buffer.from(options.input),
    ignoreReturnCode: true,
    silent: !options.stream,
    listeners: {
      stdout: (data) => (stdout += data.toString()),
      stderr: (data) => (stderr += data.toString()),
    },
  });
  return { exitCode, stdout, stderr };
}
