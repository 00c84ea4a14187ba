// STAND-IN for actions/setup-python (see ../README.md). The real action downloads a Python build into the tool
// cache and puts it first on PATH; this one finds the host's interpreter of that version and puts a job-local
// venv of it first on PATH, so pip installs stay inside the job. It fails when the host lacks the version, as the
// real one fails for a version it cannot find. Self-contained: act copies this folder.
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

const DECLARED = ['python-version'];

function fail(message) {
  process.stdout.write(`::error title=setup-python stand-in::${message}\n`);
  process.exit(1);
}

function append(file, line) {
  appendFileSync(process.env[file], `${line}\n`);
}

const unknown = Object.keys(process.env)
  .filter((key) => key.startsWith('INPUT_'))
  .map((key) => key.slice(6).toLowerCase())
  .filter((name) => !DECLARED.includes(name));
if (unknown.length > 0) fail(`this stand-in does not implement the input(s) ${unknown.join(', ')}`);

const wanted = (process.env['INPUT_PYTHON-VERSION'] ?? '').trim();
const match = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(wanted);
if (!match) fail(`python-version "${wanted}" is not X.Y or X.Y.Z; the stand-in supports no ranges or aliases`);
const interpreter = `python${match[1]}.${match[2]}`;

let found;
try {
  found = execFileSync(interpreter, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' }).trim();
} catch {
  fail(`the host has no ${interpreter} on PATH; install it or ask for a version it has`);
}
if (match[3] !== undefined && found !== wanted) fail(`python-version ${wanted} asked, but the host's ${interpreter} is ${found}`);

const venv = join(process.env.RUNNER_TEMP, 'setup-python-stand-in', found);
try {
  execFileSync(interpreter, ['-m', 'venv', venv], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (error) {
  fail(
    `${interpreter} -m venv ${venv} failed: ${String(error.stderr ?? error.message).trim()} (install python${match[1]}.${match[2]}-venv)`,
  );
}
append('GITHUB_PATH', join(venv, 'bin'));
append('GITHUB_ENV', `pythonLocation=${venv}`);
append('GITHUB_OUTPUT', `python-version=${found}`);
append('GITHUB_OUTPUT', `python-path=${join(venv, 'bin', 'python')}`);
append('GITHUB_OUTPUT', 'cache-hit=false');
console.log(`setup-python stand-in: Python ${found} (${interpreter} on the host), venv ${venv} first on PATH`);
