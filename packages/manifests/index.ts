/**
 * packages/manifests — read the user's Kubernetes manifests and prepare them for a server-side apply:
 *   loadManifests(patterns, { cwd, input })   files, directories, globs; multi-document YAML; errors name file:line;
 *                                             a folder with a kustomization.yaml is rendered (resources, namespace,
 *                                             images, commonLabels, labels) or refused with what to pass instead
 *   requireDeployments(manifests, input)      the Deployments, or a ConfigurationError when there is none
 *   substituteImages(manifests, images, input) set images by repository name (containers + initContainers), pin digests
 *   applyNamespace(manifests, namespace, input) fill in the target namespace; a conflicting explicit one is an error
 */
export {
  loadManifests,
  parseManifestFile,
  resolveSources,
  requireDeployments,
  isDeployment,
  describeSource,
  type Manifest,
  type ManifestSource,
  type LoadOptions,
  type ManifestSourceEntry,
} from './load';
export { renderKustomization, KUSTOMIZATION_FILES } from './kustomize';
export { substituteImages, parseImageReference, canonicalImageName, podSpecsOf, type ImageReference, type ImageChange } from './images';
export { applyNamespace, isClusterScoped } from './namespace';
