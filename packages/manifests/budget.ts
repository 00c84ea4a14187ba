import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { ConfigurationError } from '../core/errors';

/**
 * The most manifest text one run reads, all files together. An application's manifests are a few
 * kilobytes, and the apiserver takes at most ~3 MiB per object; the parsed objects cost about 40
 * times their text in memory, so more than this would push a runner toward its memory limit.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Counts the bytes of every manifest file a run reads (plain files and the ones kustomizations list)
 * and refuses before the file that would pass the limit is read.
 */
export class ManifestBudget {
  private files = 0;
  private total = 0;
  private largest = { file: '', size: -1 };

  constructor(
    private readonly input: string,
    private readonly cwd: string,
  ) {}

  /** Counts a file's size before it is read. */
  reserve(file: string): void {
    const size = statSync(file).size;
    this.files++;
    this.total += size;
    if (size > this.largest.size) this.largest = { file, size };
    if (this.total > MAX_MANIFEST_BYTES) {
      const largest = relative(this.cwd, this.largest.file) || this.largest.file;
      throw manifestsTooLarge(this.input, `the ${this.files} manifest file(s) hold ${mib(this.total)}`, `the largest is ${largest}`);
    }
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function textTooLarge(input: string, file: string, text: string): ConfigurationError | undefined {
  const bytes = Buffer.byteLength(text);
  return bytes > MAX_MANIFEST_BYTES ? manifestsTooLarge(input, `${file} holds ${mib(bytes)}`, file) : undefined;
}

function manifestsTooLarge(input: string, what: string, where: string): ConfigurationError {
  return new ConfigurationError(
    `Input "${input}": ${what}, more than the ${mib(MAX_MANIFEST_BYTES)} a deploy reads (${where}). ` +
      "Deploy only the application's own objects (Deployment, Service, …); leave CRDs and generated bundles to the platform.",
    input,
  );
}
