import { ConfigurationError } from './errors';

/**
 * Every input error of a run at once. A parser reads each input through `read`; a bad one is
 * noted and the parser goes on, so the user fixes all of them in one edit instead of one per run.
 * `throwIfAny` ends the parse before anything touches AWS or the cluster.
 */
export class InputErrorCollector {
  private readonly found: ConfigurationError[] = [];

  /** The reader's value, or undefined when it threw a ConfigurationError (noted). Other errors are bugs and pass through. */
  read<T>(reader: () => T): T | undefined {
    try {
      return reader();
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      this.add(error);
      return undefined;
    }
  }

  add(error: ConfigurationError): void {
    // The same problem reached twice (one input checked by two rules) is reported once.
    if (!this.found.some((known) => known.message === error.message)) this.found.push(error);
  }

  /** Note an error when the condition does not hold. */
  check(condition: boolean, error: () => ConfigurationError): void {
    if (!condition) this.add(error());
  }

  get errors(): readonly ConfigurationError[] {
    return this.found;
  }

  throwIfAny(): void {
    if (this.found.length === 1) throw this.found[0]!;
    if (this.found.length > 1) throw new InputErrors(this.found);
  }
}

/** Several input errors, each on its own numbered line. Its `input` is the first one's. */
export class InputErrors extends ConfigurationError {
  constructor(readonly errors: readonly ConfigurationError[]) {
    super(
      `${errors.length} problems with the inputs; fix them all before the next run:\n${errors.map((error, index) => `${index + 1}. ${error.message}`).join('\n')}`,
      errors[0]?.input,
    );
  }

  /** The names of the inputs at fault, each once, in order. */
  get inputs(): string[] {
    return [...new Set(this.errors.map((error) => error.input).filter((input): input is string => input !== undefined))];
  }
}

/**
 * Run a group of input readers. Given the caller's collector, they add their errors to it and
 * the caller throws once, for every group; without one, the group throws its own errors at the
 * end. Either way nothing uses a value read this way until throwIfAny has passed, because a
 * reader that failed leaves undefined where its value would be.
 */
export function collecting<T>(errors: InputErrorCollector | undefined, read: (errors: InputErrorCollector) => T): T {
  const own = errors ?? new InputErrorCollector();
  const value = read(own);
  if (!errors) own.throwIfAny();
  return value;
}
