// STAND-IN for aws-actions/configure-aws-credentials (see ../README.md). What the real action does for Flightdeck's
// deploy jobs: get the job's OIDC token, call STS AssumeRoleWithWebIdentity (unsigned, as the real one does),
// mask the temporary keys and export them with the region for the later steps. Differences, on purpose:
// - it calls only the local endpoint in AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL, and refuses any other host;
// - act has no OIDC token service, so without ACTIONS_ID_TOKEN_REQUEST_URL it sends a placeholder token, which
//   moto accepts unverified. The trust policy is proven by infra/tests instead, not by this.
// Self-contained: act copies this folder.
import { appendFileSync } from 'node:fs';
import { URLSearchParams } from 'node:url';

const DECLARED = ['role-to-assume', 'aws-region', 'role-session-name', 'role-duration-seconds'];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function input(name) {
  return (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
}

function fail(message) {
  process.stdout.write(`::error title=configure-aws-credentials stand-in::${message}\n`);
  process.exit(1);
}

function exportVariable(name, value) {
  const delimiter = `ghadelimiter_${Math.random().toString(36).slice(2)}`;
  appendFileSync(process.env.GITHUB_ENV, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

const unknown = Object.keys(process.env)
  .filter((key) => key.startsWith('INPUT_'))
  .map((key) => key.slice(6).toLowerCase())
  .filter((name) => !DECLARED.includes(name));
if (unknown.length > 0) fail(`this stand-in does not implement the input(s) ${unknown.join(', ')}`);

// The role ARN comes from a secret in the workflows, so no message echoes it.
const role = input('role-to-assume');
const region = input('aws-region');
const problems = [];
if (!/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(role))
  problems.push(`"role-to-assume" ${role ? 'is not' : 'is empty; it must be'} a role ARN (arn:aws:iam::<account>:role/<name>)`);
if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) problems.push(`"aws-region" "${region}" is not a region`);
const duration = Number(input('role-duration-seconds') || '3600');
if (!Number.isInteger(duration) || duration < 900 || duration > 43200) problems.push('"role-duration-seconds" must be 900 to 43200');
const endpointText = process.env.AWS_ENDPOINT_URL_STS || process.env.AWS_ENDPOINT_URL || '';
let endpoint;
try {
  endpoint = new URL(endpointText);
} catch {
  problems.push('AWS_ENDPOINT_URL is not set: the stand-in only ever calls a local AWS endpoint, never AWS');
}
if (endpoint && (!LOOPBACK.has(endpoint.hostname) || !/^https?:$/.test(endpoint.protocol)))
  problems.push(`AWS_ENDPOINT_URL ${endpoint.origin} is not on loopback; the stand-in calls nothing off this machine`);
if (problems.length > 0) fail(problems.join('; '));

async function webIdentityToken() {
  const url = process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  if (!url) {
    console.log('configure-aws-credentials stand-in: act has no OIDC token service; sending a placeholder web identity token');
    return 'act-has-no-oidc-token';
  }
  const response = await fetch(`${url}&audience=sts.amazonaws.com`, {
    headers: { authorization: `bearer ${process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? ''}` },
  });
  if (!response.ok) fail(`the OIDC token request answered ${response.status}`);
  return (await response.json()).value;
}

const body = new URLSearchParams({
  Action: 'AssumeRoleWithWebIdentity',
  Version: '2011-06-15',
  RoleArn: role,
  RoleSessionName: input('role-session-name') || 'GitHubActions',
  DurationSeconds: String(duration),
  WebIdentityToken: await webIdentityToken(),
});
const response = await fetch(endpoint, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body,
});
const xml = await response.text();
const field = (name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
if (!response.ok)
  fail(`AssumeRoleWithWebIdentity answered ${response.status} ${field('Code') ?? ''}: ${field('Message') ?? xml.slice(0, 200)}`);
const keys = { id: field('AccessKeyId'), secret: field('SecretAccessKey'), token: field('SessionToken'), arn: field('Arn') };
if (!keys.id || !keys.secret || !keys.token || !keys.arn) fail('AssumeRoleWithWebIdentity answered without credentials');
for (const secret of [keys.id, keys.secret, keys.token]) process.stdout.write(`::add-mask::${secret}\n`);
exportVariable('AWS_ACCESS_KEY_ID', keys.id);
exportVariable('AWS_SECRET_ACCESS_KEY', keys.secret);
exportVariable('AWS_SESSION_TOKEN', keys.token);
exportVariable('AWS_REGION', region);
exportVariable('AWS_DEFAULT_REGION', region);
const account = /^arn:aws:sts::(\d{12}):/.exec(keys.arn)?.[1] ?? '';
appendFileSync(process.env.GITHUB_OUTPUT, `aws-account-id=${account}\n`);
console.log(`configure-aws-credentials stand-in: assumed ${keys.arn} through ${endpoint.origin}`);
