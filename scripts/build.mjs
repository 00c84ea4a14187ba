// Bundles every action entry (actions/<name>/index.ts, and the root release action) into dist/<name>/
// with @vercel/ncc. The output is committed; scripts/check-dist.mjs rebuilds and diffs it.
import ncc from '@vercel/ncc';
import { minify } from 'terser';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);

function entries() {
  const found = [];
  for (const name of readdirSync(join(root, 'actions')).sort()) {
    const entry = join(root, 'actions', name, 'index.ts');
    if (existsSync(entry)) found.push({ name, entry });
  }
  return found.filter(({ name }) => only.length === 0 || only.includes(name));
}

async function bundle({ name, entry }) {
  const started = performance.now();
  const { code, assets } = await ncc(entry, {
    minify: true,
    license: 'licenses.txt',
    sourceMap: false,
    quiet: true,
    target: 'es2023',
  });
  const outDir = join(root, 'dist', name);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'index.js'), code);
  for (const [file, asset] of Object.entries(assets)) {
    const target = join(outDir, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, isChunk(file) ? await minifyChunk(file, asset.source) : asset.source);
  }
  const bytes = statSync(join(outDir, 'index.js')).size;
  console.log(`${relative(root, outDir)}/index.js  ${(bytes / 1024).toFixed(0)} KiB  ${((performance.now() - started) / 1000).toFixed(1)}s`);
}

/** Code-split chunks (`<id>.index.js`, from dynamic imports) that ncc leaves unminified. */
function isChunk(file) {
  return /^\d+\.index\.js$/.test(file);
}

/** The same terser settings ncc applies to index.js: mangle only, keeping names for stack traces. */
async function minifyChunk(file, source) {
  const result = await minify(source.toString(), { module: true, compress: false, mangle: { keep_classnames: true, keep_fnames: true } });
  if (result.code === undefined) throw new Error(`terser returned nothing for ${file}`);
  return result.code;
}

const list = entries();
if (list.length === 0) {
  console.error(only.length ? `No action named ${only.join(', ')} under actions/.` : 'No actions/<name>/index.ts found.');
  process.exit(1);
}
for (const item of list) await bundle(item);
