import { inputEnvName } from '../../scripts/harness/run-step';

/**
 * Action inputs as the runner passes them, one INPUT_<NAME> variable each,
 * for unit tests of the input readers. Typed by an action's input names when
 * given: `withInputs<InputName>({ ... })`.
 */

/** Set exactly these inputs: any set before are cleared first, so tests never see each other's. */
export function withInputs<Name extends string = string>(inputs: Partial<Record<Name, string>>): void {
  clearInputs();
  for (const [name, value] of Object.entries<string | undefined>(inputs)) {
    if (value !== undefined) process.env[inputEnvName(name)] = value;
  }
}

export function clearInputs(): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
}

/** Add one input to those already set. */
export function setInput(name: string, value: string): void {
  process.env[inputEnvName(name)] = value;
}
