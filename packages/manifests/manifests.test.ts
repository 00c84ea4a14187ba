import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import type { Deployment } from '../kube/types';
import { MAX_MANIFEST_BYTES } from './budget';
import {
  applyNamespace,
  canonicalImageName,
  loadManifests,
  parseManifestFile,
  parseImageReference,
  podSpecsOf,
  requireDeployments,
  substituteImages,
  type Manifest,
} from './index';

const deploymentYaml = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      initContainers:
      - name: migrate
        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/notes:1.0
      containers:
      - name: app
        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/notes:1.0
      - name: proxy
        image: nginx:1.27
`;
const serviceYaml = `apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'manifests-'));
  mkdirSync(join(dir, 'k8s/extra'), { recursive: true });
  writeFileSync(join(dir, 'k8s/app.yaml'), `${deploymentYaml}---\n${serviceYaml}---\n`);
  writeFileSync(join(dir, 'k8s/config.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg }\ndata: { a: "1" }\n');
  writeFileSync(join(dir, 'k8s/README.md'), 'not a manifest');
  writeFileSync(
    join(dir, 'k8s/extra/job.yaml'),
    'apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: nightly }\nspec:\n  schedule: "0 0 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{ name: task, image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/notes:1.0" }]\n',
  );
  writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: indentation\n');
  writeFileSync(join(dir, 'list.yaml'), `apiVersion: v1\nkind: List\nitems:\n- ${serviceYaml.replace(/\n/g, '\n  ')}`);
  writeFileSync(join(dir, 'noname.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n');
  // A "billion laughs" file: each level refers to the one before it nine times.
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 9; level++) {
    const name = String.fromCharCode(97 + level);
    const before = String.fromCharCode(96 + level);
    levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${before}`).join(',')}]`);
  }
  writeFileSync(join(dir, 'bomb.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: bomb }\ndata:\n  ${levels.join('\n  ')}\n`);
  // Over the limit together, not one by one.
  const filler = (name: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata:\n  blob: "${'x'.repeat(MAX_MANIFEST_BYTES / 2)}"\n`;
  mkdirSync(join(dir, 'big'));
  writeFileSync(join(dir, 'big/one.yaml'), filler('one'));
  writeFileSync(join(dir, 'big/two.yaml'), filler('two'));
});

describe('loadManifests', () => {
  it('reads a directory (not recursively), multi-document files and records file and line', () => {
    const manifests = loadManifests(['k8s'], { cwd: dir });
    expect(manifests.map((m) => `${m.object.kind}/${m.object.metadata.name}`)).toEqual(['Deployment/web', 'Service/web', 'ConfigMap/cfg']);
    expect(manifests[1]!.source).toMatchObject({ file: join(dir, 'k8s/app.yaml'), document: 2, line: 20 });
  });

  it('expands globs, recursive ones too, each file once', () => {
    const manifests = loadManifests(['k8s/**/*.yaml', 'k8s/app.yaml'], { cwd: dir });
    expect(manifests.map((m) => m.object.kind)).toEqual(['Deployment', 'Service', 'CronJob']);
  });

  it('expands kind: List', () => {
    expect(loadManifests(['list.yaml'], { cwd: dir }).map((m) => m.object.kind)).toEqual(['Service']);
  });

  const bad: [string, string[], RegExp][] = [
    ['a missing file', ['nope.yaml'], /"nope.yaml" does not exist/],
    ['a glob that matches nothing', ['k8s/*.json'], /matched no/],
    ['malformed YAML, with file and line', ['broken.yaml'], /malformed YAML in .*broken\.yaml at line 4, column 9: Nested mappings/],
    ['an object without a name', ['noname.yaml'], /noname\.yaml:1 \(document 1\) lacks metadata.name/],
    ['no patterns', [], /is empty/],
    [
      'a YAML alias bomb, naming the input and the file',
      ['bomb.yaml'],
      /^Input "manifests": .*bomb\.yaml:1 \(document 1\) expands YAML aliases \(\*name\) into far more data than it holds, as a resource-exhaustion \("billion laughs"\) file does; it is refused\./,
    ],
    [
      'manifests over the size limit, before reading them',
      ['big'],
      /^Input "manifests": the 2 manifest file\(s\) hold 4\.0 MiB, more than the 4\.0 MiB a deploy reads \(the largest is big\/one\.yaml\)\./,
    ],
  ];
  it.each(bad)('refuses %s', (_name, patterns, message) => {
    const run = () => loadManifests(patterns, { cwd: dir });
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(message);
  });

  it('refuses one text over the limit, e.g. rendered by a tool', () => {
    expect(() => parseManifestFile('rendered.yaml', 'x'.repeat(MAX_MANIFEST_BYTES + 1), 'manifests')).toThrow(
      /^Input "manifests": rendered\.yaml holds 4\.0 MiB, more than the 4\.0 MiB a deploy reads/,
    );
  });

  it('refuses manifests with no Deployment', () => {
    expect(() => requireDeployments(loadManifests(['k8s/config.yml'], { cwd: dir }))).toThrow(/contain no Deployment \(found: ConfigMap\)/);
    expect(requireDeployments(loadManifests(['k8s'], { cwd: dir }))).toHaveLength(1);
  });
});

describe('image references', () => {
  it.each([
    ['nginx', { name: 'nginx' }],
    ['nginx:1.27', { name: 'nginx', tag: '1.27' }],
    ['localhost:5000/team/app:v1', { name: 'localhost:5000/team/app', tag: 'v1' }],
    ['localhost:5000/team/app', { name: 'localhost:5000/team/app' }],
    [`repo/app:v1@sha256:${'a'.repeat(64)}`, { name: 'repo/app', tag: 'v1', digest: `sha256:${'a'.repeat(64)}` }],
  ])('parses %s', (reference, expected) => {
    expect(parseImageReference(reference)).toEqual(expected);
  });

  it('treats Docker Hub short names as their full names', () => {
    expect(canonicalImageName('nginx')).toBe('docker.io/library/nginx');
    expect(canonicalImageName('bitnami/redis')).toBe('docker.io/bitnami/redis');
    expect(canonicalImageName('ghcr.io/x/y')).toBe('ghcr.io/x/y');
  });
});

describe('substituteImages', () => {
  const digestRef = `123456789012.dkr.ecr.us-east-1.amazonaws.com/notes@sha256:${'b'.repeat(64)}`;

  it('pins by digest in containers and initContainers of every workload kind, leaving the input untouched', () => {
    const manifests = loadManifests(['k8s/app.yaml', 'k8s/extra/job.yaml'], { cwd: dir });
    const { manifests: out, changes } = substituteImages(manifests, [digestRef, 'docker.io/library/nginx:1.28']);
    const images = out
      .flatMap((m) => podSpecsOf(m.object))
      .flatMap((s) => [...(s.initContainers ?? []), ...s.containers].map((c) => `${c.name}=${c.image}`));
    expect(images).toEqual([`migrate=${digestRef}`, `app=${digestRef}`, 'proxy=docker.io/library/nginx:1.28', `task=${digestRef}`]);
    expect(changes).toHaveLength(4);
    expect((manifests[0]!.object as Deployment).spec.template.spec!.containers[0]!.image).toContain(':1.0');
  });

  it('refuses an image name that no manifest uses, listing the ones they do', () => {
    const manifests = loadManifests(['k8s/app.yaml'], { cwd: dir });
    const run = () => substituteImages(manifests, ['123456789012.dkr.ecr.us-east-1.amazonaws.com/notez:2.0']);
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(/no container in the manifests uses ".*\/notez".*use: 123456789012.dkr.ecr.us-east-1.amazonaws.com\/notes, nginx/);
  });

  it('lets a manifest image without a registry stand for that repository in the pushed registry', () => {
    const placeholder: Manifest = {
      source: { file: 'app.yaml', line: 1, document: 1 },
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'web', image: 'team/web' },
                { name: 'other', image: 'ghcr.io/team/web:1' },
              ],
            },
          },
        },
      },
    };
    const pushed = `123456789012.dkr.ecr.us-east-1.amazonaws.com/team/web@sha256:${'c'.repeat(64)}`;
    const { manifests: out, changes } = substituteImages([placeholder], [pushed]);
    const containers = (out[0]!.object as Deployment).spec.template.spec!.containers;
    // An image that names another registry is a different image, and stays.
    expect(containers.map((c) => c.image)).toEqual([pushed, 'ghcr.io/team/web:1']);
    expect(changes).toEqual([{ kind: 'Deployment', name: 'web', container: 'web', from: 'team/web', to: pushed }]);
    expect(() => substituteImages([placeholder], ['123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2'])).toThrow(
      /no container in the manifests uses/,
    );
  });

  it('refuses a manifest image without a registry that two given registries could both fill', () => {
    const manifest: Manifest = {
      source: { file: 'k8s/web.yaml', line: 1, document: 1 },
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'shop' },
        spec: { template: { spec: { containers: [{ name: 'web', image: 'web' }] } } },
      },
    };
    const run = () => substituteImages([manifest], ['a.example.com/web:1', 'b.example.com/web:2'], 'images');
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(
      /^Input "images": container "web" of Deployment "shop" in k8s\/web\.yaml uses "web", which names no registry, and "a\.example\.com\/web:1" and "b\.example\.com\/web:2" both have the repository "web": which one to deploy is ambiguous/,
    );
    expect(() => substituteImages([manifest], ['a.example.com/web:1', 'b.example.com/web:2'])).toThrow(
      expect.objectContaining({ input: 'images' }),
    );
    // One registry, or the same reference twice, is no choice to make.
    expect(substituteImages([manifest], ['a.example.com/web:1', 'a.example.com/web:1']).changes.map((c) => c.to)).toEqual([
      'a.example.com/web:1',
    ]);
  });

  it('refuses a reference without tag or digest, and a malformed digest', () => {
    const manifests = loadManifests(['k8s/app.yaml'], { cwd: dir });
    expect(() => substituteImages(manifests, ['nginx'])).toThrow(/no tag or digest/);
    expect(() => substituteImages(manifests, ['nginx@sha256:123'])).toThrow(/malformed digest/);
  });
});

describe('applyNamespace', () => {
  it('fills in the target namespace', () => {
    const manifests = loadManifests(['k8s/app.yaml'], { cwd: dir });
    const out = applyNamespace(manifests, 'shop');
    expect(out.map((m) => m.object.metadata.namespace)).toEqual(['shop', 'shop']);
  });

  it('refuses an object that declares another namespace, naming it, its file and both namespaces', () => {
    const manifests = loadManifests(['k8s/app.yaml'], { cwd: dir });
    manifests[1]!.object.metadata.namespace = 'kube-system';
    const refusal = (() => {
      try {
        applyNamespace(manifests, 'shop', { input: 'namespace', from: "the kubeconfig context's namespace" });
      } catch (error) {
        return error as Error;
      }
    })();
    expect(refusal).toBeInstanceOf(ConfigurationError);
    expect(refusal?.message).toMatch(
      new RegExp(
        `^Input "namespace": ${manifests[1]!.object.kind} "${manifests[1]!.object.metadata.name}" at .*k8s/app\\.yaml:\\d+ \\(document 2\\) declares namespace "kube-system", but this run deploys to namespace "shop" \\(from the kubeconfig context's namespace\\)`,
      ),
    );
  });

  it('refuses cluster-scoped kinds rather than apply them outside the namespace', () => {
    const manifests = loadManifests(['k8s/app.yaml'], { cwd: dir });
    const ns = { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, source: manifests[0]!.source };
    expect(() => applyNamespace([...manifests, ns], 'shop')).toThrow(/Namespace "shop" at .* is cluster-scoped/);
  });
});
