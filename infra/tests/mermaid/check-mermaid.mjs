// Parses and renders every ```mermaid block of the given Markdown files in a
// real browser (Debian's chromium via puppeteer), with the same renderer that
// mermaid-cli uses, so a block that GitHub could not draw fails here.
//
// puppeteer and mermaid-cli resolve from the repository's node_modules (root
// package.json); no browser is downloaded: puppeteer-config.json names Debian's.
//
// Usage: node check-mermaid.mjs FILE.md [...]
// Prints one JSON line per block: {"file","line","kind","ok","error"}.
// Exit codes: 0 all blocks render, 1 a block failed, 2 bad usage or no browser.
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import puppeteer from 'puppeteer';
import { renderMermaid } from '@mermaid-js/mermaid-cli';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const configPath = process.env.MERMAID_PUPPETEER_CONFIG ?? path.join(here, 'puppeteer-config.json');

/** Every fenced mermaid block, with the 1-based line of its opening fence. */
export function mermaidBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  let open = null;
  lines.forEach((text, index) => {
    if (open === null && /^\s*```mermaid\s*$/.test(text)) {
      open = { line: index + 1, body: [] };
    } else if (open !== null && /^\s*```\s*$/.test(text)) {
      blocks.push({ line: open.line, definition: open.body.join('\n') });
      open = null;
    } else if (open !== null) {
      open.body.push(text);
    }
  });
  if (open !== null) blocks.push({ line: open.line, definition: null, unterminated: true });
  return blocks;
}

function fail(message) {
  console.error(`check-mermaid: ${message}`);
  process.exit(2);
}

const files = process.argv.slice(2);
if (files.length === 0) fail('give at least one Markdown file, e.g. docs/architecture.md');
for (const file of files) if (!fs.existsSync(file)) fail(`${file} does not exist`);

const launchOptions = JSON.parse(fs.readFileSync(configPath, 'utf8'));
if (!fs.existsSync(launchOptions.executablePath)) {
  fail(`no browser at ${launchOptions.executablePath} (from ${configPath}); install Debian's chromium`);
}

const browser = await puppeteer.launch(launchOptions);
let failures = 0;
try {
  for (const file of files) {
    for (const block of mermaidBlocks(fs.readFileSync(file, 'utf8'))) {
      const kind = block.definition?.trim().split(/\s/)[0] ?? '';
      const result = { file, line: block.line, kind, ok: true, error: null };
      if (block.unterminated) {
        Object.assign(result, { ok: false, error: 'the ```mermaid fence is never closed' });
      } else {
        try {
          const { data } = await renderMermaid(browser, block.definition, 'svg');
          if (!Buffer.from(data).toString('utf8').includes('<svg')) throw new Error('the renderer returned no SVG');
        } catch (error) {
          Object.assign(result, { ok: false, error: String(error?.message ?? error).split('\n').slice(0, 6).join('\n') });
        }
      }
      if (!result.ok) failures += 1;
      console.log(JSON.stringify(result));
    }
  }
} finally {
  await browser.close();
}
process.exit(failures === 0 ? 0 : 1);
