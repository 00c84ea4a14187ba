// Rebuilds dist/ and fails when it differs from what is committed: actions run from the committed bundle,
// so a source change without a rebuild would ship stale code.
import { execFileSync } from 'node:child_process';

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', 'dist'], { encoding: 'utf8' });
if (status.trim() !== '') {
  console.error('dist/ does not match the sources. Run `npm run build` and commit dist/.\n' + status);
  try {
    execFileSync('git', ['--no-pager', 'diff', '--stat', '--', 'dist'], { stdio: 'inherit' });
  } catch {
    // the stat is a courtesy; the failure below is what matters
  }
  process.exit(1);
}
console.log('dist/ matches the sources.');
