/**
 * Docker reports registry problems as free text on stderr. These patterns turn
 * the common ones into a message that says what to fix; anything else is
 * passed on with the last lines of docker's own output.
 */

const UNREACHABLE =
  /connection refused|no such host|i\/o timeout|network is unreachable|no route to host|TLS handshake timeout|server misbehaving|dial tcp/i;
const UNAUTHORIZED = /unauthorized|authentication required|no basic auth credentials|401/i;
const DENIED = /denied|403 Forbidden/i;
const TAG_EXISTS = /tag invalid|already exists|immutable|cannot be overwritten/i;
const UNKNOWN_REPO = /name unknown|repository .* not found|does not exist/i;

export type DockerStage = 'login' | 'build' | 'push' | 'pull';

export function explainDockerFailure(stage: DockerStage, target: string, output: string, exitCode: number): Error {
  const tail = lastLines(output, 15);
  const detail = tail ? `\n${tail}` : '';
  if (stage !== 'build' && UNREACHABLE.test(output)) {
    return new Error(
      `Cannot reach the registry ${target} (docker ${stage} failed). The host named by ECR's proxyEndpoint did not answer: ` +
        `check the runner's network, DNS, proxy settings or VPC endpoint for ECR.${detail}`,
    );
  }
  if (stage === 'push' && TAG_EXISTS.test(output)) {
    return new Error(
      `The registry refused to overwrite a tag of ${target}: the repository has immutable tags and the tag already exists ` +
        `(ImageTagAlreadyExistsException). Push a new tag, or drop moving tags (branch, "1.2") with "auto-tags".${detail}`,
    );
  }
  if (stage !== 'build' && UNAUTHORIZED.test(output)) {
    return new Error(
      `The registry ${target} rejected the ECR credentials during docker ${stage}. The token may have expired or belong to another account.${detail}`,
    );
  }
  if (stage === 'push' && UNKNOWN_REPO.test(output)) {
    return new Error(`The registry has no repository for ${target}. Create it first or set "create-repository: true".${detail}`);
  }
  if (stage !== 'build' && DENIED.test(output)) {
    return new Error(
      `The registry denied docker ${stage} of ${target}: the role needs ecr:BatchCheckLayerAvailability, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload and ecr:PutImage on the repository.${detail}`,
    );
  }
  return new Error(`docker ${stage} of ${target} failed with exit code ${exitCode}.${detail}`);
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
