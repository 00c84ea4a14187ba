import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import type { Deployment, KubeObject } from '../kube/types';
import { MAX_MANIFEST_BYTES } from './budget';
import { loadManifests, podSpecsOf, substituteImages } from './index';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, labels: { app: web } }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      initContainers: [{ name: migrate, image: web }]
      containers:
        - { name: web, image: "web:1.0" }
        - { name: proxy, image: "nginx:1.27" }
`;
const service = `apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
`;
const pdb = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: web }
spec: { minAvailable: 1, selector: { matchLabels: { app: web } } }
`;

let dir: string;
function write(path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}
function load(...patterns: string[]) {
  return loadManifests(patterns, { cwd: dir });
}
function refusal(patterns: string[]): string {
  try {
    load(...patterns);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}
const images = (object: KubeObject) =>
  podSpecsOf(object).flatMap((s) => [...(s.initContainers ?? []), ...s.containers].map((c) => c.image));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kustomize-'));
  write('base/deployment.yaml', deployment);
  write('base/service.yaml', service);
  write('base/pdb.yaml', pdb);
  write(
    'base/kustomization.yaml',
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [service.yaml, deployment.yaml]\n',
  );
});

describe('a folder with a kustomization.yaml', () => {
  it('renders its resources in the order listed, never the Kustomization itself', () => {
    const manifests = load('base');
    expect(manifests.map((m) => `${m.object.kind}/${m.object.metadata.name}`)).toEqual(['Service/web', 'Deployment/web']);
    expect(manifests[1]!.source).toMatchObject({ file: join(dir, 'base/deployment.yaml'), line: 1, document: 1 });
  });

  it('counts the files it lists, with the ones named beside it, against one size limit', () => {
    const filler = (name: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata:\n  blob: "${'x'.repeat(MAX_MANIFEST_BYTES / 2)}"\n`;
    write('big.yaml', filler('big'));
    write('base/blob.yaml', filler('blob'));
    write('base/kustomization.yaml', 'resources: [service.yaml, blob.yaml]\n');
    expect(refusal(['big.yaml', 'base'])).toMatch(
      /^Input "manifests": the 4 manifest file\(s\) hold 4\.0 MiB, more than the 4\.0 MiB a deploy reads \(the largest is base\/blob\.yaml\)\./,
    );
  });

  it('is rendered when the kustomization file itself is named, too', () => {
    expect(load('base/kustomization.yaml').map((m) => m.object.kind)).toEqual(['Service', 'Deployment']);
  });

  it('renders an overlay over its base: images, namespace and labels of both levels', () => {
    write(
      'overlays/qa/kustomization.yaml',
      [
        'resources: [../../base, extra.yaml]',
        'namespace: shop-qa',
        'commonLabels: { team: shop }',
        'labels:',
        '  - pairs: { env: qa }',
        '  - pairs: { tier: web }',
        '    includeTemplates: true',
        'images:',
        '  - { name: web, newName: team/qa/web }',
        '  - { name: nginx, newTag: "1.28" }',
        '  - { name: unused, newTag: "2" }',
      ].join('\n'),
    );
    write('overlays/qa/extra.yaml', pdb);
    const manifests = load('overlays/qa');
    expect(manifests.map((m) => m.object.kind)).toEqual(['Service', 'Deployment', 'PodDisruptionBudget']);
    expect(manifests.map((m) => m.object.metadata.namespace)).toEqual(['shop-qa', 'shop-qa', 'shop-qa']);
    const [svc, deploy, budget] = manifests.map((m) => m.object) as [KubeObject, Deployment, KubeObject];
    expect(images(deploy)).toEqual(['team/qa/web', 'team/qa/web:1.0', 'nginx:1.28']);
    // commonLabels: metadata, templates and selectors; labels: metadata, and templates only when asked.
    expect(deploy.metadata.labels).toEqual({ app: 'web', team: 'shop', env: 'qa', tier: 'web' });
    expect(deploy.spec.template.metadata!.labels).toEqual({ app: 'web', team: 'shop', tier: 'web' });
    expect(deploy.spec.selector).toEqual({ matchLabels: { app: 'web', team: 'shop' } });
    expect((svc.spec as { selector: unknown }).selector).toEqual({ app: 'web', team: 'shop' });
    expect((budget.spec as { selector: unknown }).selector).toEqual({ matchLabels: { app: 'web', team: 'shop' } });
  });

  it('adds labels to selectors with includeSelectors, and creates no selector kustomize would not', () => {
    write(
      'job.yaml',
      'apiVersion: batch/v1\nkind: Job\nmetadata: { name: once }\nspec: { template: { spec: { containers: [{ name: x, image: x:1 }] } } }\n',
    );
    write('kustomization.yaml', 'resources: [base, job.yaml]\nlabels: [{ pairs: { env: qa }, includeSelectors: true }]\n');
    const [svc, deploy, job] = load('.').map((m) => m.object) as [KubeObject, Deployment, KubeObject];
    expect((svc.spec as { selector: unknown }).selector).toEqual({ app: 'web', env: 'qa' });
    expect(deploy.spec.template.metadata!.labels).toEqual({ app: 'web', env: 'qa' });
    expect((job.spec as { selector?: unknown; template: { metadata: unknown } }).selector).toBeUndefined();
    expect((job.spec as { template: { metadata: unknown } }).template.metadata).toEqual({ labels: { env: 'qa' } });
  });

  it('pins a digest from images, which wins over a tag', () => {
    const digest = `sha256:${'d'.repeat(64)}`;
    write(
      'kustomization.yaml',
      `resources: [base]\nimages: [{ name: web, newName: registry.local/web, newTag: v2, digest: "${digest}" }]\n`,
    );
    const deploy = load('.').find((m) => m.object.kind === 'Deployment')!.object;
    expect(images(deploy)).toEqual([`registry.local/web@${digest}`, `registry.local/web@${digest}`, 'nginx:1.27']);
  });

  it('lets the release match the environment repository the overlay names, and no other', () => {
    write('qa/kustomization.yaml', 'resources: [../base]\nimages: [{ name: web, newName: flightdeck/qa/web }]\n');
    const pushed = `123456789012.dkr.ecr.us-east-1.amazonaws.com/flightdeck/qa/web@sha256:${'e'.repeat(64)}`;
    const { manifests } = substituteImages(load('qa'), [pushed]);
    expect(images(manifests.find((m) => m.object.kind === 'Deployment')!.object)).toEqual([pushed, pushed, 'nginx:1.27']);
    // The base names only "web": the QA repository's image does not match it by its last path segment.
    expect(() => substituteImages(load('base'), [pushed])).toThrow(
      /no container in the manifests uses ".*\/flightdeck\/qa\/web".*kustomize overlay/,
    );
    const production = `123456789012.dkr.ecr.us-east-1.amazonaws.com/flightdeck/production/web@sha256:${'e'.repeat(64)}`;
    expect(() => substituteImages(load('qa'), [production])).toThrow(/no container in the manifests uses/);
  });
});

describe('what is refused, with what to pass instead', () => {
  it('lists every field it does not render at once, and says how to render it', () => {
    write('kustomization.yaml', 'resources: [base]\nnamePrefix: x-\npatches: []\nimages: [{ name: web }, { newTag: "1" }]\n');
    const message = refusal(['.']);
    expect(message).toMatch(
      /^Input "manifests": kustomization.yaml cannot be rendered: it uses "namePrefix", "patches", which Flightdeck does not render; /,
    );
    expect(message).toContain('"images[0]" changes nothing: give newName, newTag or digest');
    expect(message).toContain('"images[1]" has no name');
    expect(message).toContain('render the folder yourself ("kubectl kustomize . > rendered.yaml") and pass that file as "manifests"');
  });

  it('refuses a Kustomization document taken in as a manifest file, or matched by a glob', () => {
    write('loose.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [base]\n');
    expect(refusal(['loose.yaml'])).toMatch(
      /loose\.yaml:1 \(document 1\) is a kustomize Kustomization, not a Kubernetes object\. Pass its folder/,
    );
    expect(refusal(['base/*.yaml'])).toMatch(
      /the glob "base\/\*\.yaml" matches base\/kustomization\.yaml\. Pass the folder .* \(e\.g\. "base"\)/,
    );
  });

  it.each([
    ['a remote resource', 'resources: ["https://github.com/org/repo//k8s?ref=v1"]', /lists the remote resource/],
    ['a file outside its folder', 'resources: [../outside.yaml]', /lists the file "\.\.\/outside\.yaml", outside its folder/],
    [
      'a folder without a kustomization',
      'resources: [../plain]',
      /plain is listed as a kustomize resource but holds no kustomization\.yaml/,
    ],
    ['a missing resource', 'resources: [nope.yaml]', /lists "nope\.yaml", which does not exist/],
    ['a Component', 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [../base]', /its kind is "Component"/],
    ['no resources', 'namespace: x', /it lists no resources/],
    ['a bad digest', 'resources: [../base]\nimages: [{ name: web, digest: "sha256:12" }]', /"images\[0\]\.digest" must be "sha256:"/],
    ['a number label', 'resources: [../base]\ncommonLabels: { version: 2 }', /"commonLabels" must map label names to string values/],
  ])('refuses %s', (_what, kustomization, message) => {
    write('outside.yaml', service);
    write('plain/service.yaml', service);
    write('k/kustomization.yaml', kustomization);
    expect(refusal(['k'])).toMatch(message);
  });

  it('refuses a cycle and the same object twice', () => {
    write('a/kustomization.yaml', 'resources: [../b]\n');
    write('b/kustomization.yaml', 'resources: [../a]\n');
    expect(refusal(['a'])).toMatch(/the kustomizations form a cycle: a -> b -> a/);
    write('twice/kustomization.yaml', 'resources: [../base, svc.yaml]\n');
    write('twice/svc.yaml', service);
    expect(refusal(['twice'])).toMatch(/Service "web" comes twice, from base\/service\.yaml:1 \(document 1\) and twice\/svc\.yaml:1/);
  });

  it('refuses a namespace over role bindings whose ServiceAccount subjects kustomize would move', () => {
    write(
      'rb/binding.yaml',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: b }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: r }\nsubjects: [{ kind: ServiceAccount, name: ci }]\n',
    );
    write('rb/kustomization.yaml', 'resources: [binding.yaml]\nnamespace: shop\n');
    expect(refusal(['rb'])).toMatch(/sets a namespace over RoleBinding "b" .* whose ServiceAccount subjects kustomize would move too/);
  });
});

describe("the sample app's overlays", () => {
  const root = join(import.meta.dirname, '../..');
  // Production builds nothing: it runs the digest QA pushed, from QA's repository.
  it.each(['qa', 'production'])('%s names the QA repository, over the base in its order', (env) => {
    const manifests = loadManifests([`examples/flask-app/k8s/overlays/${env}`], { cwd: root });
    expect(manifests.map((m) => `${m.object.kind}/${m.object.metadata.name}`)).toEqual([
      'Deployment/flask-app',
      'Service/flask-app',
      'Ingress/flask-app',
      'PodDisruptionBudget/flask-app',
    ]);
    expect(images(manifests[0]!.object)).toEqual(['flightdeck/qa/flask-app']);
    expect(manifests.every((m) => m.object.metadata.namespace === undefined)).toBe(true);
  });
});
