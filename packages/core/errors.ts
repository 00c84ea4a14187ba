import { redactUrlsIn } from './redact';

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

/** Longest part of a given value an error repeats: enough to recognise it, never a whole pasted file. */
export const SHOWN_VALUE_LIMIT = 200;

/**
 * Build the error for an input that failed validation: names it, shows what was given (cut, and
 * without any URL's credentials) and how to fix it. For an input that holds a secret use
 * invalidSecretInput, which shows nothing of the value.
 */
export function invalidInput(input: string, given: string, expected: string): ConfigurationError {
  // Redacted before it is cut: a cut inside the userinfo would leave its start unrecognised.
  const shown = cutForDisplay(redactUrlsIn(given));
  return new ConfigurationError(`Input "${input}" is invalid: got ${JSON.stringify(shown)}. ${expected}`, input);
}

export function cutForDisplay(text: string): string {
  return text.length > SHOWN_VALUE_LIMIT ? `${text.slice(0, SHOWN_VALUE_LIMIT)}…` : text;
}

/** The error for a secret-bearing input (a kubeconfig, a token): says what is wrong without repeating any of the value. */
export function invalidSecretInput(input: string, problem: string, fix: string): ConfigurationError {
  return new ConfigurationError(`Input "${input}" is invalid (its value is not shown: it holds credentials): ${problem}. ${fix}`, input);
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
