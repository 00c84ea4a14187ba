import { readFileSync } from 'node:fs';
import { maskSecret } from '../core/log';
import type { KubeClientOptions, TokenProvider } from './client';
import type { KubeconfigCredentials } from './kubeconfig';

/**
 * KubeClient options for kubeconfig credentials. Token files are re-read on
 * refresh, as they rotate. Other ways to authenticate (EKS) plug in a
 * TokenProvider of their own where the actions compose cluster access.
 */
export function clientOptionsFromKubeconfig(credentials: KubeconfigCredentials): KubeClientOptions {
  let token: TokenProvider | undefined;
  if (credentials.token) {
    const value = credentials.token;
    token = () => value;
  } else if (credentials.tokenFile) {
    const file = credentials.tokenFile;
    let cached: string | undefined;
    token = (forceRefresh) => {
      if (forceRefresh || cached === undefined) {
        cached = readFileSync(file, 'utf8').trim();
        maskSecret(cached);
      }
      return cached;
    };
  }
  return {
    server: credentials.server,
    ca: credentials.ca,
    cert: credentials.cert,
    key: credentials.key,
    token,
    insecureSkipTlsVerify: credentials.insecureSkipTlsVerify,
    tlsServerName: credentials.tlsServerName,
  };
}
