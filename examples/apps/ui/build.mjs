#!/usr/bin/env node
// Bundles forecast.html + forecast.css + forecast.js (with the ext-apps App
// class) into ONE self-contained page, examples/apps/forecast.html, which the
// apps example embeds with include_str!. Run from anywhere:
//
//   node examples/apps/ui/build.mjs           # rebuild examples/apps/forecast.html
//   node examples/apps/ui/build.mjs --check   # exit 1 if the committed page is stale
//
// The npm packages (package-lock.json here) are installed with `npm ci` into
// .ci/cache/apps-ui, never inside the source tree.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ui = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(ui, '../../..');
const out = path.join(root, 'examples/apps/forecast.html');
const cache = path.join(root, '.ci/cache/apps-ui');
const check = process.argv.includes('--check');

// ---- npm ci into the cache, again only when the lock file changed
const lock = fs.readFileSync(path.join(ui, 'package-lock.json'), 'utf8');
const stamp = path.join(cache, 'node_modules/.lock-stamp');
if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== lock) {
  fs.mkdirSync(cache, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(ui, f), path.join(cache, f));
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: cache, stdio: 'inherit' });
  fs.writeFileSync(stamp, lock);
}
const esbuild = createRequire(path.join(cache, 'package.json'))('esbuild');

// ---- bundle
// zod (under the MCP SDK) re-exports all of its ~50 message locales through a
// namespace, which defeats tree shaking; the page only needs English.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`)
        ? { path: path.join(path.dirname(args.importer), '../locales/en.js'), namespace: 'zod-locales' }
        : undefined);
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};
const common = { bundle: true, minify: true, write: false, legalComments: 'none', logLevel: 'warning' };
const js = (await esbuild.build({
  ...common,
  entryPoints: [path.join(ui, 'forecast.js')],
  format: 'iife',
  target: 'es2022',
  platform: 'browser',
  nodePaths: [path.join(cache, 'node_modules')],
  plugins: [zodEnglishOnly],
})).outputFiles[0].text.trim();
const css = (await esbuild.build({ ...common, entryPoints: [path.join(ui, 'forecast.css')] })).outputFiles[0].text.trim();

// An inline script must not contain "</script" or "<!--" (esbuild escapes them in
// strings; anything else would be a bug worth knowing about).
if (/<\/script|<!--/i.test(js)) throw new Error('bundled JS contains </script or <!--: cannot inline it');

const template = fs.readFileSync(path.join(ui, 'forecast.html'), 'utf8');
const swap = (text, tag, by) => {
  if (!text.includes(tag)) throw new Error(`forecast.html lacks ${tag}`);
  return text.replace(tag, () => by);
};
let html = template
  .replace(/\n\s*/g, '\n') // drop indentation; the page stays readable enough
  .trim();
html = swap(html, '<link rel="stylesheet" href="./forecast.css">', `<style>${css}</style>`);
html = swap(html, '<script type="module" src="./forecast.js"></script>', `<script>${js}</script>`);
html =
  '<!-- GENERATED FILE, do not edit: built from examples/apps/ui/ (forecast.html, forecast.css, forecast.js).\n' +
  '     Rebuild from the repository root with: node examples/apps/ui/build.mjs -->\n' +
  html + '\n';

if (check) {
  const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  if (current !== html) {
    console.error(`${path.relative(root, out)} is stale: run node examples/apps/ui/build.mjs`);
    process.exit(1);
  }
  console.log(`${path.relative(root, out)} is up to date (${html.length} bytes)`);
} else {
  fs.writeFileSync(out, html);
  console.log(`wrote ${path.relative(root, out)} (${html.length} bytes, script ${js.length})`);
}
