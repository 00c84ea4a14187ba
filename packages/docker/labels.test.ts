import { describe, expect, it } from 'vitest';
import { BUILD_ARG_KEY, LABEL_KEY, ociLabels, parseKeyValueLines, provenanceFromEnv } from './labels';

describe('ociLabels', () => {
  it('links the image to its repository, commit, version and build time', () => {
    const created = new Date('2026-01-02T03:04:05Z');
    const labels = ociLabels(
      provenanceFromEnv(
        '1.2.3',
        { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: 'abc123' },
        created,
      ),
    );
    expect(labels).toEqual({
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
      'org.opencontainers.image.source': 'https://github.com/acme/shop',
      'org.opencontainers.image.url': 'https://github.com/acme/shop',
      'org.opencontainers.image.title': 'shop',
      'org.opencontainers.image.revision': 'abc123',
      'org.opencontainers.image.version': '1.2.3',
    });
  });

  it('leaves out what the environment does not know', () => {
    expect(Object.keys(ociLabels(provenanceFromEnv(undefined, {}, new Date(0))))).toEqual(['org.opencontainers.image.created']);
  });
});

describe('parseKeyValueLines', () => {
  it('splits on the first "=", keeping commas and "=" in values', () => {
    expect(parseKeyValueLines('build-args', 'A=1\n\n  B = x=y,z\nC=', BUILD_ARG_KEY, 'build argument')).toEqual({
      A: '1',
      B: ' x=y,z',
      C: '',
    });
  });

  it('rejects a line without a key, naming the input', () => {
    expect(() => parseKeyValueLines('labels', 'no-equals-sign', LABEL_KEY, 'label')).toThrow(
      /Input "labels" is invalid: got "no-equals-sign"/,
    );
    expect(() => parseKeyValueLines('build-args', '1BAD=x', BUILD_ARG_KEY, 'build argument')).toThrow(/Input "build-args"/);
  });
});
