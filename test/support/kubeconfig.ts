import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKubeconfig } from '../../packages/kube/kubeconfig';

/**
 * A valid kubeconfig file for tests of the input readers, which parse the kubeconfig with the
 * other inputs. Its server is loopback port 1 unless given: nothing listens there.
 */
export function writeTestKubeconfig(options: { server?: string; token?: string } = {}): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fd-kubeconfig-')), 'config');
  writeFileSync(
    path,
    buildKubeconfig({ name: 'test', server: options.server ?? 'https://127.0.0.1:1', token: options.token ?? 'test-token' }),
    { mode: 0o600 },
  );
  return path;
}
