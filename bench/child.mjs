// Runs one measured piece of work in a fresh Node process, so its peak RSS is its own and not the
// bench runner's: the parent spawns `node <bench file> --child <case>`, the child does the work and
// prints one JSON line. Type transforms (not just stripping) let it import sources with parameter
// properties, e.g. ConfigurationError. Used by the bench parts that measure memory (junit-nesting, manifest-size).
import { spawnSync } from 'node:child_process';

/** Spawn `file --child <name>` and parse the JSON line it prints; its peak RSS is the process's own. */
export function runChild(file, name, { heapMb = 4096, timeoutMs = 120_000, extraArgs = [] } = {}) {
  const started = performance.now();
  const run = spawnSync(
    process.execPath,
    [`--max-old-space-size=${heapMb}`, '--experimental-transform-types', '--no-warnings', file, '--child', name, ...extraArgs],
    {
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const wallMs = performance.now() - started;
  const line = run.stdout.trim().split('\n').pop() ?? '';
  let result;
  try {
    result = JSON.parse(line);
  } catch {
    const why = run.signal ? `killed by ${run.signal}` : `exit ${run.status}`;
    result = { outcome: `crashed (${why}): ${run.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 300)}` };
  }
  return { ...result, wallMs };
}

/** In the child: time `work`, then print its outcome with this process's peak RSS. */
export async function reportFromChild(work) {
  const started = performance.now();
  let outcome;
  try {
    outcome = `ok: ${await work()}`;
  } catch (error) {
    outcome = `refused: ${error.message}`;
  }
  const ms = performance.now() - started;
  console.log(JSON.stringify({ outcome, ms, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

export const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
