import { describe, expect, it } from 'vitest';
import { pinToDigest } from './promote';

const DIGEST = 'sha256:' + 'a'.repeat(64);

describe('pinToDigest', () => {
  it('pins a tag to the digest the kubelet pulled', () => {
    expect(
      pinToDigest('123.dkr.ecr.us-east-1.amazonaws.com/app:1.2.3', `docker-pullable://123.dkr.ecr.us-east-1.amazonaws.com/app@${DIGEST}`),
    ).toBe(`123.dkr.ecr.us-east-1.amazonaws.com/app@${DIGEST}`);
    expect(pinToDigest('localhost:5000/app:v2', DIGEST)).toBe(`localhost:5000/app@${DIGEST}`);
    expect(pinToDigest('localhost:5000/app', DIGEST)).toBe(`localhost:5000/app@${DIGEST}`);
  });
  it('leaves pinned images and unknown digests alone', () => {
    expect(pinToDigest(`app@${DIGEST}`, 'sha256:' + 'b'.repeat(64))).toBe(`app@${DIGEST}`);
    expect(pinToDigest('app:v2', undefined)).toBe('app:v2');
    expect(pinToDigest('app:v2', '')).toBe('app:v2');
  });
});
