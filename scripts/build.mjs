// Bundles every action entry (actions/<name>/index.ts, and the root release action) into dist/<name>/
// with @vercel/ncc. The output is committed; scripts/check-dist.mjs rebuilds and diffs it.
import ncc from '@vercel/ncc';
import { minify } from 'terser';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
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
  const { code, assets, stats } = await ncc(entry, {
    minify: true,
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
  writeFileSync(join(outDir, 'licenses.txt'), licenseText(stats));
  const bytes = statSync(join(outDir, 'index.js')).size;
  console.log(
    `${relative(root, outDir)}/index.js  ${(bytes / 1024).toFixed(0)} KiB  ${((performance.now() - started) / 1000).toFixed(1)}s`,
  );
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

/**
 * The licenses of every package in the bundle and its chunks. ncc's own `license` option lists only the
 * packages of code-split chunks, so the list is built from the compilation's modules instead.
 */
function licenseText(stats) {
  const packageDirs = new Set();
  for (const module of stats.compilation.modules) {
    const resource = module.resource;
    if (!resource?.includes('/node_modules/')) continue;
    const at = resource.lastIndexOf('/node_modules/') + '/node_modules/'.length;
    const parts = resource.slice(at).split('/');
    packageDirs.add(resource.slice(0, at) + parts.slice(0, parts[0].startsWith('@') ? 2 : 1).join('/'));
  }
  const entries = new Map();
  for (const dir of packageDirs) {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(dir).find((file) => /^(licen[cs]e|copying)(\.|$)/i.test(file));
    const text = licenseFile ? readFileSync(join(dir, licenseFile), 'utf8').trim() : '';
    entries.set(`${manifest.name}@${manifest.version}`, `${manifest.name}\n${manifest.license ?? 'UNKNOWN'}\n${text}`);
  }
  return (
    [...entries.keys()]
      .sort()
      .map((key) => entries.get(key))
      .join('\n\n') + '\n'
  );
}

const list = entries();
if (list.length === 0) {
  console.error(only.length ? `No action named ${only.join(', ')} under actions/.` : 'No actions/<name>/index.ts found.');
  process.exit(1);
}
for (const item of list) await bundle(item);
