import { ConfigurationError } from '../core/errors';
import type { Container, KubeObject, PodSpec } from '../kube/types';
import type { Manifest } from './parse';

export interface ImageReference {
  /** Registry and repository, without tag or digest: how images are matched. */
  name: string;
  tag?: string;
  /** "sha256:…" */
  digest?: string;
}

/** Split "registry:5000/team/app:1.2@sha256:…" into name, tag and digest. A port is not a tag. */
export function parseImageReference(reference: string): ImageReference {
  let rest = reference.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, tag, digest };
}

/**
 * The name as a registry sees it, so "nginx", "library/nginx" and
 * "docker.io/library/nginx" all match each other.
 */
export function canonicalImageName(name: string): string {
  if (registryOf(name)) return name;
  return name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
}

/** The registry host of an image name, when it names one ("123.dkr.ecr…/app" → "123.dkr.ecr…"). */
function registryOf(name: string): string | undefined {
  const [first, ...rest] = name.split('/');
  return rest.length > 0 && (first!.includes('.') || first!.includes(':') || first === 'localhost') ? first : undefined;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Pod specs inside an object, by kind: where containers live. */
export function podSpecsOf(object: KubeObject): PodSpec[] {
  const spec = object.spec as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  switch (object.kind) {
    case 'Pod':
      return spec ? [spec as PodSpec] : [];
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return spec?.template?.spec ? [spec.template.spec as PodSpec] : [];
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template?.spec ? [spec.jobTemplate.spec.template.spec as PodSpec] : [];
    default:
      return [];
  }
}

function containersOf(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

interface WantedImage {
  reference: string;
  key: string;
  /** The repository path without the registry, when the reference names a registry. */
  repository?: string;
}

/**
 * The given image a manifest image without a registry ("web") stands for: the one of that repository
 * path. Two of it from different registries ("a.example.com/web:1", "b.example.com/web:2") leave the
 * choice to their order, so that is refused, naming both and where the manifest uses the path.
 */
function onlyRepositoryMatch(
  wanted: WantedImage[],
  name: string,
  where: { manifest: Manifest; object: KubeObject; container: Container; input: string },
): WantedImage | undefined {
  const candidates = wanted.filter((image) => image.repository === name);
  const references = [...new Set(candidates.map((image) => image.reference))];
  if (references.length > 1) {
    const { manifest, object, container, input } = where;
    throw new ConfigurationError(
      `Input "${input}": container "${container.name}" of ${object.kind ?? 'object'} "${object.metadata.name ?? ''}" in ${manifest.source.file} ` +
        `uses "${container.image}", which names no registry, and ${references.map((reference) => JSON.stringify(reference)).join(' and ')} ` +
        `both have the repository "${name}": which one to deploy is ambiguous. Keep one of them in "${input}", or name the registry in the manifest's image.`,
      input,
    );
  }
  return candidates[0];
}

export interface ImageChange {
  kind: string;
  name: string;
  container: string;
  from: string;
  to: string;
}

/**
 * Put the given images into the manifests, matching by image name (registry
 * and repository, without tag or digest), in containers and initContainers of
 * every workload kind. A manifest image that names no registry ("flask-app",
 * "team/web") also matches that repository in the given image's registry, so
 * manifests need not hard-code the account and region of ECR. A reference with a digest pins by digest. Returns new
 * manifests (the input is not changed) and what changed. An image whose name
 * is in no manifest is a ConfigurationError: a typo would otherwise deploy the
 * old image and "pass".
 */
export function substituteImages(
  manifests: Manifest[],
  images: string[],
  input = 'images',
): { manifests: Manifest[]; changes: ImageChange[] } {
  const wanted = images.map((reference): WantedImage => {
    const parsed = parseImageReference(reference);
    if (!parsed.name || (!parsed.tag && !parsed.digest)) {
      throw new ConfigurationError(
        `Input "${input}": "${reference}" has no tag or digest. Give "repository:tag" or "repository@sha256:<digest>".`,
        input,
      );
    }
    if (parsed.digest && !DIGEST.test(parsed.digest)) {
      throw new ConfigurationError(
        `Input "${input}": "${reference}" has a malformed digest. A digest is "sha256:" followed by 64 lowercase hex digits.`,
        input,
      );
    }
    const registry = registryOf(parsed.name);
    return {
      reference: reference.trim(),
      key: canonicalImageName(parsed.name),
      // "flask-app" in a manifest stands for whichever registry the pipeline pushed flask-app to.
      repository: registry ? parsed.name.slice(registry.length + 1) : undefined,
    };
  });
  const changes: ImageChange[] = [];
  const used = new Set<string>();
  const updated = manifests.map((manifest) => {
    const object = structuredClone(manifest.object);
    for (const spec of podSpecsOf(object)) {
      for (const container of containersOf(spec)) {
        if (!container.image) continue;
        const name = parseImageReference(container.image).name;
        const current = canonicalImageName(name);
        const match =
          wanted.find((image) => image.key === current) ??
          (registryOf(name) ? undefined : onlyRepositoryMatch(wanted, name, { manifest, object, container, input }));
        if (!match) continue;
        used.add(match.key);
        if (container.image !== match.reference) {
          changes.push({
            kind: object.kind ?? '',
            name: object.metadata.name ?? '',
            container: container.name,
            from: container.image,
            to: match.reference,
          });
          container.image = match.reference;
        }
      }
    }
    return { object, source: manifest.source };
  });
  const unused = wanted.filter((image) => !used.has(image.key));
  if (unused.length > 0) {
    const present = [
      ...new Set(manifests.flatMap((m) => podSpecsOf(m.object).flatMap(containersOf)).map((c) => parseImageReference(c.image ?? '').name)),
    ].filter(Boolean);
    throw new ConfigurationError(
      `Input "${input}": no container in the manifests uses ${unused.map((image) => `"${parseImageReference(image.reference).name}"`).join(', ')}. ` +
        `Images are matched by name without tag, and a manifest image without a registry ("team/web") also matches that same repository in the pushed registry; the manifests use: ${present.join(', ') || 'no images'}. ` +
        `To name a different repository per environment, point the manifests at a kustomize overlay whose "images:" sets newName (e.g. name: web, newName: team/qa/web).`,
      input,
    );
  }
  return { manifests: updated, changes };
}
