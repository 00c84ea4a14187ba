import { describe, expect, it } from 'vitest';
import { explainDockerFailure } from './failures';

const host = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

describe('explainDockerFailure', () => {
  it('says the registry is unreachable when the connection is refused', () => {
    const error = explainDockerFailure(
      'login',
      host,
      `Error response from daemon: Get "https://${host}/v2/": dial tcp 127.0.0.1:443: connect: connection refused`,
      1,
    );
    expect(error.message).toMatch(/^Cannot reach the registry 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com \(docker login failed\)/);
  });

  it('explains an immutable tag that already exists', () => {
    const error = explainDockerFailure(
      'push',
      `${host}/web:main`,
      "tag invalid: The image tag 'main' already exists in the 'web' repository and cannot be overwritten because the repository is immutable.",
      1,
    );
    expect(error.message).toContain('ImageTagAlreadyExistsException');
  });

  it('explains rejected credentials', () => {
    expect(
      explainDockerFailure('login', host, 'Error response from daemon: login attempt failed with status: 401 Unauthorized', 1).message,
    ).toContain('rejected the ECR credentials');
  });

  it('keeps docker output for a failed build', () => {
    const error = explainDockerFailure('build', '/ws/Dockerfile', 'Step 2/3 : RUN false\nThe command returned a non-zero code: 1', 1);
    expect(error.message).toBe(
      'docker build of /ws/Dockerfile failed with exit code 1.\nStep 2/3 : RUN false\nThe command returned a non-zero code: 1',
    );
  });
});
