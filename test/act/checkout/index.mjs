// STAND-IN for actions/checkout (see ../README.md). What the real action does for Flightdeck's workflows, from a
// local git directory instead of github.com: fetch one commit (or all history with fetch-depth 0) into a folder of
// the workspace, detached at that commit. Self-contained: act copies this folder, so it imports nothing of the repo.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

const DECLARED = ['repository', 'ref', 'path', 'fetch-depth', 'persist-credentials'];

function input(name) {
  return (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
}

function fail(message) {
  process.stdout.write(`::error title=checkout stand-in::${message}\n`);
  process.exit(1);
}

function setOutput(name, value) {
  appendFileSync(process.env.GITHUB_OUTPUT, `${name}=${value}\n`);
}

function git(args, cwd) {
  return execFileSync('git', ['-c', 'advice.detachedHead=false', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** "owner/name=/path/to/repo" entries, separated by newlines or commas. */
function sources() {
  const map = new Map();
  for (const entry of (process.env.CHECKOUT_STANDIN_SOURCES ?? '')
    .split(/[\n,]/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at < 1 || !isAbsolute(entry.slice(at + 1))) fail(`CHECKOUT_STANDIN_SOURCES entry "${entry}" is not owner/name=/absolute/path`);
    map.set(entry.slice(0, at).toLowerCase(), entry.slice(at + 1));
  }
  return map;
}

const unknown = Object.keys(process.env)
  .filter((key) => key.startsWith('INPUT_'))
  .map((key) => key.slice(6).toLowerCase())
  .filter((name) => !DECLARED.includes(name));
if (unknown.length > 0) fail(`this stand-in does not implement the input(s) ${unknown.join(', ')}`);

const repository = input('repository');
const source = sources().get(repository.toLowerCase());
if (!source) fail(`repository "${repository}" is not among CHECKOUT_STANDIN_SOURCES; the stand-in fetches nothing from the network`);
const workspace = process.env.GITHUB_WORKSPACE;
const target = resolve(workspace, input('path') || '.');
const inside = relative(workspace, target);
if (inside.startsWith('..') || isAbsolute(inside)) fail(`path "${input('path')}" is outside the workspace ${workspace}`);
const depth = input('fetch-depth') || '1';
if (!/^\d+$/.test(depth)) fail(`fetch-depth "${depth}" is not a number`);

// An empty ref means the event's commit for the workflow's own repository, as the real action does.
let ref = input('ref');
const own = repository.toLowerCase() === (process.env.GITHUB_REPOSITORY ?? '').toLowerCase();
if (ref === '') ref = own ? process.env.GITHUB_SHA : 'HEAD';
const isSha = /^[0-9a-f]{40}$/.test(ref);

if (existsSync(target) && readdirSync(target).length > 0)
  fail(`path "${inside || '.'}" is not empty; the stand-in checks out into an empty folder`);
mkdirSync(target, { recursive: true });
git(['init', '-q'], target);
git(['remote', 'add', 'origin', source], target);
// A local repository serves a commit by its SHA only when asked to, as github.com does for any reachable one.
const uploadPack = ['--upload-pack', 'git -c uploadpack.allowAnySHA1InWant=true upload-pack'];
const wanted = 'refs/checkout-stand-in/wanted';
try {
  // fetch-depth 0 is the real action's "all history for all branches and tags".
  if (depth === '0') git(['fetch', '-q', ...uploadPack, '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*'], target);
  git(['fetch', '-q', ...uploadPack, '--no-tags', ...(depth === '0' ? [] : [`--depth=${depth}`]), 'origin', `+${ref}:${wanted}`], target);
} catch (error) {
  fail(`cannot fetch "${ref}" of ${repository} from ${source}: ${String(error.stderr ?? error.message).trim()}`);
}
const commit = git(['rev-parse', `${wanted}^{commit}`], target);
git(['update-ref', '-d', wanted], target);
// A branch is checked out as a local branch, a SHA or any other ref detached, as the real action does.
const branch = ref.startsWith('refs/heads/')
  ? ref.slice('refs/heads/'.length)
  : isSha || ref.startsWith('refs/') || ref === 'HEAD'
    ? ''
    : ref;
git(['checkout', '-q', ...(branch ? ['-B', branch] : ['--detach']), commit], target);
setOutput('ref', isSha ? '' : ref);
setOutput('commit', commit);
console.log(`checkout stand-in: ${repository}@${commit} (${ref}) from ${source} into ${inside || '.'}, fetch-depth ${depth}`);
