import { basename } from 'node:path';

/**
 * The EKS cluster a kubeconfig `exec` user authenticates to, as
 * `aws eks update-kubeconfig` writes one. The token is then made in-process
 * from the job's AWS credentials (packages/aws/eks-token.ts), as the plugin
 * would, without running it.
 */
export interface EksExecUser {
  clusterName: string;
  /** From the plugin's --region or its env; else the job's region decides. */
  region?: string;
  /** Which plugin the kubeconfig named, for the connection's description. */
  plugin: 'aws eks get-token' | 'aws-iam-authenticator token';
}

type Fail = (problem: string) => Error;

/** Environment the plugin is given that changes nothing about the token made in-process. */
const HARMLESS_ENV = new Set(['AWS_STS_REGIONAL_ENDPOINTS']);
const REGION_ENV = ['AWS_REGION', 'AWS_DEFAULT_REGION'];

/**
 * Recognise the two exec forms that make an EKS token, and refuse every other
 * plugin: a kubeconfig is data from a secret, and running the command it names
 * would run whatever that secret says (see docs/architecture.md, "Kubeconfig exec
 * plugins"). Flags that would change whose token it is (--role-arn, --profile,
 * AWS_PROFILE) are refused too, rather than silently signed with the job's identity.
 */
export function eksExecUser(exec: unknown, userName: string | undefined, failWith: Fail): EksExecUser {
  // Every refusal names the way out that always works for EKS.
  const fail: Fail = (problem) =>
    failWith(
      problem.includes('"cluster-name"')
        ? problem
        : `${problem} Or, for EKS, pass "cluster-name" (and "aws-region") instead of a kubeconfig.`,
    );
  const spec = (exec && typeof exec === 'object' ? exec : {}) as { command?: unknown; args?: unknown; env?: unknown };
  const command = typeof spec.command === 'string' ? basename(spec.command.trim()) : '';
  const args = Array.isArray(spec.args) ? spec.args.map(String) : [];
  const user = `user "${userName ?? ''}"`;
  const region = regionFromEnv(spec.env, user, fail);
  // As on a command line, the plugin's own --region wins over its environment.
  const withRegion = (found: EksExecUser): EksExecUser => {
    const chosen = found.region ?? region.value;
    return chosen ? { ...found, region: chosen } : { clusterName: found.clusterName, plugin: found.plugin };
  };
  if (command === 'aws') return withRegion(awsEksGetToken(args, user, fail));
  if (command === 'aws-iam-authenticator') return withRegion(iamAuthenticatorToken(args, user, fail));
  throw fail(
    `${user} authenticates with the exec plugin ${JSON.stringify(command || String(spec.command ?? ''))}, which this action does not run: ` +
      'it runs no command a kubeconfig names. For EKS, pass "cluster-name" (and "aws-region") instead, or keep the exec user ' +
      '`aws eks update-kubeconfig` writes (aws eks get-token or aws-iam-authenticator token), whose token is made in-process; ' +
      'for any other cluster, use a kubeconfig with a token, a tokenFile or a client certificate.',
  );
}

/** `aws [--region R] eks get-token --cluster-name X [--region R] [--output json]`. */
function awsEksGetToken(args: string[], user: string, fail: Fail): EksExecUser {
  const flags = parseFlags(args, user, fail, {
    values: ['--region', '--cluster-name', '--output', '--role-arn', '--profile', '--cluster-id'],
  });
  if (flags.positional.join(' ') !== 'eks get-token') {
    throw fail(
      `${user}'s exec plugin runs "aws" with arguments other than "eks get-token" (not shown: they may hold secrets); only that aws command is recognised (its token is made in-process).`,
    );
  }
  refuse(flags, user, fail, {
    '--role-arn':
      'the token would be signed as the role it assumes; assume it for the job instead (aws-actions/configure-aws-credentials with role-to-assume) and remove --role-arn',
    '--profile':
      "the token is signed with the job's AWS credentials, not a named profile; remove --profile (the job's credentials come from aws-actions/configure-aws-credentials)",
    '--cluster-id': 'EKS local clusters on Outposts are not supported; use a kubeconfig with a token',
  });
  const clusterName = flags.values.get('--cluster-name');
  if (!clusterName)
    throw fail(`${user} runs "aws eks get-token" without --cluster-name; add it, or pass "cluster-name" instead of a kubeconfig.`);
  const output = flags.values.get('--output');
  if (output !== undefined && output !== 'json')
    throw fail(`${user} asks "aws eks get-token" for --output ${output}; the exec protocol needs json.`);
  return { clusterName, region: flags.values.get('--region'), plugin: 'aws eks get-token' };
}

/** `aws-iam-authenticator token -i X` (or --cluster-id X) [--region R]. */
function iamAuthenticatorToken(args: string[], user: string, fail: Fail): EksExecUser {
  const flags = parseFlags(args, user, fail, {
    values: ['-i', '--cluster-id', '--region', '-r', '--role'],
    aliases: { '-i': '--cluster-id', '-r': '--role' },
  });
  if (flags.positional.join(' ') !== 'token') {
    throw fail(`${user}'s exec plugin runs "aws-iam-authenticator" with a subcommand other than "token"; only that one is recognised.`);
  }
  refuse(flags, user, fail, {
    '--role':
      'the token would be signed as the role it assumes; assume it for the job instead (aws-actions/configure-aws-credentials with role-to-assume) and remove -r/--role',
  });
  const clusterName = flags.values.get('--cluster-id');
  if (!clusterName)
    throw fail(
      `${user} runs "aws-iam-authenticator token" without -i <cluster name>; add it, or pass "cluster-name" instead of a kubeconfig.`,
    );
  return { clusterName, region: flags.values.get('--region'), plugin: 'aws-iam-authenticator token' };
}

interface Flags {
  values: Map<string, string>;
  positional: string[];
}

/** "--flag value" and "--flag=value"; any flag not listed is refused by name, as its meaning would be guessed. */
function parseFlags(args: string[], user: string, fail: Fail, known: { values: string[]; aliases?: Record<string, string> }): Flags {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const at = arg.indexOf('=');
    const flag = at > 0 ? arg.slice(0, at) : arg;
    if (!known.values.includes(flag)) {
      throw fail(
        `${user}'s exec plugin has the argument ${JSON.stringify(flag)}, which Flightdeck does not know the meaning of; remove it, or pass "cluster-name" instead.`,
      );
    }
    const value = at > 0 ? arg.slice(at + 1) : args[++i];
    if (value === undefined || value === '') throw fail(`${user}'s exec plugin has ${flag} without a value.`);
    values.set(known.aliases?.[flag] ?? flag, value);
  }
  return { values, positional };
}

function refuse(flags: Flags, user: string, fail: Fail, reasons: Record<string, string>): void {
  for (const [flag, reason] of Object.entries(reasons)) {
    if (flags.values.has(flag)) throw fail(`${user}'s exec plugin has ${flag}, which is not supported: ${reason}.`);
  }
}

/** The plugin's env: a region is taken; AWS_PROFILE (whose credentials?) and anything unknown are refused by name. */
function regionFromEnv(env: unknown, user: string, fail: Fail): { value?: string } {
  let value: string | undefined;
  for (const entry of Array.isArray(env) ? env : []) {
    const { name, value: raw } = (entry && typeof entry === 'object' ? entry : {}) as { name?: unknown; value?: unknown };
    const key = String(name ?? '');
    if (REGION_ENV.includes(key) && typeof raw === 'string' && raw.trim()) value ??= raw.trim();
    else if (key === 'AWS_PROFILE')
      throw fail(
        `${user}'s exec plugin sets AWS_PROFILE, which is not supported: the token is signed with the job's AWS credentials, not a named profile. ` +
          "Remove the env entry (aws eks update-kubeconfig without --profile); the job's credentials come from aws-actions/configure-aws-credentials.",
      );
    else if (!HARMLESS_ENV.has(key))
      throw fail(
        `${user}'s exec plugin sets the environment variable ${JSON.stringify(key)}, which Flightdeck does not know the meaning of; remove it.`,
      );
  }
  return { value };
}
