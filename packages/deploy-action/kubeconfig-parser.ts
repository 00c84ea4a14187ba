import type * as Kubeconfig from '../kube/kubeconfig';

/**
 * The kubeconfig parser, and the YAML library it needs, loaded on demand: together they are most of
 * the deploy actions' bundles (~140 KiB), and a run refused for a bad input should not pay for them.
 * The input readers stay synchronous, so the kubeconfig is still checked with the other inputs and its
 * error reported with theirs: the entry loads the parser first, only when the kubeconfig input is set.
 */
let parser: typeof Kubeconfig | undefined;

export async function loadKubeconfigParser(): Promise<void> {
  parser ??= await import('../kube/kubeconfig');
}

/** The parser loadKubeconfigParser loaded; reading a kubeconfig input before that is a bug, not a user's mistake. */
export function kubeconfigParser(): typeof Kubeconfig {
  if (!parser) throw new Error('The kubeconfig input was read before loadKubeconfigParser() loaded its parser.');
  return parser;
}
