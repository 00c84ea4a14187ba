/**
 * A mistake the user can fix in their workflow: a bad input, a missing file,
 * a permission they have not granted. Reported without a stack trace, because
 * the message, not our code, is what they need to read.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(
    message: string,
    /** The action.yml input at fault, when there is one. */
    readonly input?: string,
  ) {
    super(message);
  }
}

/** Build the error for an input that failed validation: names it, shows what was given and how to fix it. */
export function invalidInput(input: string, given: string, expected: string): ConfigurationError {
  const shown = given.length > 200 ? `${given.slice(0, 200)}…` : given;
  return new ConfigurationError(`Input "${input}" is invalid: got ${JSON.stringify(shown)}. ${expected}`, input);
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
