#!/usr/bin/env node
// Browser test of an MCP Apps server: the test host (host/, bundled here with
// esbuild) runs in headless Chromium, connects the official client to the
// server, renders the tool's UI resource in a sandboxed iframe under the CSP
// built from its _meta, and bridges it with AppBridge. Run by run.sh:
//
//   node browser_test.mjs --prefix DIR --url http://127.0.0.1:PORT/mcp
//        [--kind ours|reference] [--modes auto,legacy] [--host-port N]
//        [--chromium /usr/bin/chromium] [--artifacts DIR] [--update-docs]
//
// --prefix holds node_modules (npm ci of this folder's package.json).
// --kind ours (default): the apps example (get_weather + forecast page), with
// checks (a)-(f) below; reference: server-basic-vanillajs (get-time page).
// Prints one line per check ("ok ..." / "FAIL ..."), exits 1 on any failure.
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const { values: opt } = parseArgs({
  options: {
    prefix: { type: 'string' },
    url: { type: 'string' },
    kind: { type: 'string', default: 'ours' },
    modes: { type: 'string', default: 'auto,legacy' },
    'host-port': { type: 'string', default: '0' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    artifacts: { type: 'string', default: path.join(root, '.ci/cache/artifacts') },
    'update-docs': { type: 'boolean', default: false },
    theme: { type: 'string', default: 'light' },
  },
});
if (!opt.prefix || !opt.url) {
  console.error('usage: browser_test.mjs --prefix DIR --url MCP_URL [--kind ours|reference] ...');
  process.exit(2);
}
const prefix = path.resolve(opt.prefix);
const require = createRequire(path.join(prefix, 'package.json'));
const esbuild = require('esbuild');
const puppeteer = require('puppeteer-core');
const { Client, StreamableHTTPClientTransport } = require('@modelcontextprotocol/client');

const ours = opt.kind === 'ours';
const label = ours ? 'apps' : 'reference';
const serverUrl = new URL(opt.url);
const healthUrl = new URL(ours ? '/health' : '/mcp', serverUrl).href; // any same-server URL
const TIMEOUT = 20_000;

let failures = 0;
const check = (name, ok, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} [${label}] ${name}${detail ? ` — ${detail}` : ''}`);
  if (!ok) failures++;
  return ok;
};
const withTimeout = (p, ms, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout (${ms} ms): ${what}`)), ms))]);

// ------------------------------------------------------------ host page
const hostDir = path.join(prefix, 'host-build');
fs.mkdirSync(hostDir, { recursive: true });
await esbuild.build({
  entryPoints: [path.join(here, 'host/host.js')],
  outfile: path.join(hostDir, 'host.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  nodePaths: [path.join(prefix, 'node_modules')],
  logLevel: 'warning',
});
fs.copyFileSync(path.join(here, 'host/index.html'), path.join(hostDir, 'index.html'));

const server = http.createServer((req, res) => {
  const name = new URL(req.url, 'http://x').pathname.replace(/^\/+/, '') || 'index.html';
  const file = path.join(hostDir, path.basename(name));
  if (!fs.existsSync(file)) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': file.endsWith('.html') ? 'text/html' : 'text/javascript' });
  res.end(fs.readFileSync(file));
});
await new Promise((resolve) => server.listen(Number(opt['host-port']), '127.0.0.1', resolve));
const hostOrigin = `http://127.0.0.1:${server.address().port}`;

// ------------------------------------------------------------ helpers
async function directClient() {
  const c = new Client({ name: 'mcp-rs-apps-direct', version: '1.0.0' }, {
    capabilities: { extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: ['text/html;profile=mcp-app'] } } },
    versionNegotiation: { mode: 'legacy' },
  });
  await withTimeout(c.connect(new StreamableHTTPClientTransport(serverUrl)), TIMEOUT, 'direct connect');
  return c;
}

// The get_weather call count from /metrics: the lines naming get_weather of one
// counter (a *_total metric if there is one), summed over their labels.
async function weatherCalls() {
  const text = await (await fetch(new URL('/metrics', serverUrl))).text();
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#') && l.includes('get_weather'));
  const name = (l) => l.split(/[{\s]/)[0];
  const names = [...new Set(lines.map(name))];
  const metric = names.find((n) => n.endsWith('_total')) ?? names.find((n) => n.endsWith('_count')) ?? names[0];
  if (!metric) return { metric: "(no line naming get_weather yet)", count: 0 };
  const count = lines.filter((l) => name(l) === metric).reduce((s, l) => s + Number(l.trim().split(/\s+/).at(-1)), 0);
  return { metric, count };
}

const sameDays = (bars, days) =>
  bars.length === days.length &&
  bars.every((b, i) => b.weekday === days[i].weekday && Number(b.high) === days[i].high && Number(b.low) === days[i].low);

const readBars = (frame) =>
  frame.$$eval('#chart rect.bar', (rs) => rs.map((r) => ({ weekday: r.dataset.weekday, high: r.dataset.high, low: r.dataset.low })));

// From inside the app's iframe: a tools/call sent as raw JSON-RPC over
// postMessage, as a misbehaving app could; resolves with the host's reply.
const rawAppCall = (frame, name) =>
  frame.evaluate(
    (name) =>
      new Promise((resolve) => {
        const id = 'raw-' + Math.random();
        addEventListener('message', function on(e) {
          if (e.data?.id !== id) return;
          removeEventListener('message', on);
          resolve(e.data);
        });
        parent.postMessage({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } }, '*');
        setTimeout(() => resolve({ timeout: true }), 5000);
      }),
    name,
  );

// ------------------------------------------------------------ one era
async function runMode(browser, mode) {
  const page = await browser.newPage();
  await page.setViewport({ width: 600, height: 700, deviceScaleFactor: 2 });
  const consoleLines = [];
  page.on('console', (m) => m.type() !== 'debug' && consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  const q = new URLSearchParams({ url: serverUrl.href, mode, theme: opt.theme });
  if (!ours) q.set('tool', 'get-time'), q.set('args', '{}');
  const tag = `${mode}`;
  try {
    await page.goto(`${hostOrigin}/index.html?${q}`, { timeout: TIMEOUT });
    await page.waitForFunction(() => ['ready', 'failed'].includes(window.__host?.phase), { timeout: TIMEOUT }).catch(() => {});
    const st = await page.evaluate(() => ({
      phase: __host.phase, error: __host.error, era: __host.era, toolNames: __host.toolNames,
      ui: __host.serverUiExtension, csp: __host.csp, result: __host.toolResult, resourceUri: __host.resourceUri,
      tools: Object.fromEntries([...__host.tools].map(([k, v]) => [k, v._meta ?? null])),
    }));
    if (!check(`${tag}: host connected, called the tool, rendered ${st.resourceUri ?? 'the UI resource'} and the app initialized`,
      st.phase === 'ready', st.phase === 'ready' ? `era ${st.era}` : `phase ${st.phase}: ${st.error}`)) {
      const log = await page.evaluate(() => __host.log.join('\n')).catch(() => '');
      console.log(log.split('\n').map((l) => `      host: ${l}`).join('\n'));
      return;
    }
    if (ours) {
      check(`${tag}: protocol era`, st.era === (mode === 'auto' ? 'modern' : 'legacy'), `${st.era}`);
      check(`${tag}: server declares the extension io.modelcontextprotocol/ui`, st.ui !== null && typeof st.ui === 'object');
      check(`${tag}: tools/list shows the app-only list_cities to a client declaring the extension`,
        JSON.stringify(st.tools.list_cities?.ui?.visibility) === '["app"]', JSON.stringify(st.tools.list_cities ?? null));
    }
    const frame = await (await page.$('iframe#app')).contentFrame();
    const cspInFrame = await frame.evaluate(() => {
      const first = document.head?.firstElementChild;
      return first?.getAttribute('http-equiv') === 'Content-Security-Policy' ? first.content : null;
    });
    check(`${tag}: iframe is sandboxed (allow-scripts only) with the CSP from _meta.ui.csp as its first head element`,
      cspInFrame === st.csp && (await page.$eval('iframe#app', (f) => f.getAttribute('sandbox'))) === 'allow-scripts',
      st.csp);

    const direct = await directClient();
    try {
      if (ours) await oursChecks(page, frame, st, direct, tag);
      else await referenceChecks(page, frame, st, tag);
    } finally {
      await direct.close().catch(() => {});
    }

    // Self-contained: nothing the page loaded or ran broke the CSP (no network
    // fetch, no eval) before the probe below.
    const early = consoleLines.filter((l) => /Content Security Policy/i.test(l));
    check(`${tag}: the page loaded and ran with no CSP violation (self-contained)`, early.length === 0, early.slice(0, 2).join(' | '));

    // (d) CSP: the app may not reach an undeclared origin; the host page may.
    // Both fetches are mode 'no-cors' so CORS cannot be what stops them: a
    // reachable URL then resolves (opaque response), so the app's rejection
    // together with its connect-src violation event is the CSP's doing.
    const inFrame = await frame.evaluate(async (u) => {
      const violations = [];
      addEventListener('securitypolicyviolation', (e) => violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));
      let outcome;
      try {
        outcome = `resolved (${(await fetch(u, { mode: 'no-cors' })).type})`;
      } catch (e) {
        outcome = `rejected: ${e.message}`;
      }
      await new Promise((r) => setTimeout(r, 100));
      return { outcome, violations };
    }, healthUrl);
    const fromHost = await page.evaluate(async (u) => {
      const res = {};
      try {
        res.noCors = `resolved (${(await fetch(u, { mode: 'no-cors' })).type})`;
      } catch (e) {
        res.noCors = `rejected: ${e.message}`;
      }
      try {
        res.cors = `status ${(await fetch(u)).status}`;
      } catch (e) {
        res.cors = `rejected: ${e.message} (no CORS headers on this URL?)`;
      }
      return res;
    }, healthUrl);
    const blocked = inFrame.outcome.startsWith('rejected') &&
      inFrame.violations.some((v) => v.directive === 'connect-src' && healthUrl.startsWith(v.blocked));
    check(`${tag}: (d) CSP blocks the app's fetch of undeclared ${healthUrl} (connect-src violation)`, blocked, JSON.stringify(inFrame));
    check(`${tag}: (d) the same fetch from the host page goes through`, fromHost.noCors.startsWith('resolved'), fromHost.noCors);
    console.log(`info [${label}] ${tag}: a CORS-mode fetch of it from the host page (${hostOrigin}): ${fromHost.cors}`);

    const sizes = await page.evaluate(() => __host.sizes);
    check(`${tag}: the app sent ui/notifications/size-changed`, sizes.length > 0, JSON.stringify(sizes.at(-1)));
  } catch (e) {
    check(`${tag}: unexpected error`, false, e.stack ?? String(e));
  } finally {
    if (failures) {
      const log = await page.evaluate(() => window.__host?.log?.join('\n') ?? '').catch(() => '');
      if (log) console.log(log.split('\n').map((l) => `      host: ${l}`).join('\n'));
      if (consoleLines.length) console.log(consoleLines.slice(-20).map((l) => `      console: ${l}`).join('\n'));
    }
    await page.close().catch(() => {});
  }
}

async function screenshot(page, name) {
  fs.mkdirSync(opt.artifacts, { recursive: true });
  const file = path.join(opt.artifacts, name);
  await (await page.$('#frame-box')).screenshot({ path: file });
  check(`screenshot ${path.relative(root, file)}`, fs.statSync(file).size > 1000);
  return file;
}

async function oursChecks(page, frame, st, direct, tag) {
  // (a) one bar per day, carrying the tool result's values
  const days = st.result?.structuredContent?.days ?? [];
  await frame.waitForFunction((n) => document.querySelectorAll('#chart rect.bar').length === n && n > 0,
    { timeout: TIMEOUT }, days.length).catch(() => {});
  const bars = await readBars(frame);
  check(`${tag}: (a) chart has one rect.bar per day with the tool result's high/low`, days.length === 7 && sameDays(bars, days),
    `${bars.length} bars for ${days.length} days of ${st.result?.structuredContent?.city}`);

  // (b) the city buttons come from list_cities, called by the app through the bridge
  const listed = (await direct.callTool({ name: 'list_cities', arguments: {} })).structuredContent?.cities ?? [];
  await frame.waitForSelector('#cities button', { timeout: TIMEOUT }).catch(() => {});
  const buttons = await frame.$$eval('#cities button', (bs) => bs.map((b) => b.dataset.city));
  const appCalls = await page.evaluate(() => __host.appCalls.map((c) => `${c.name}:${c.outcome}`));
  check(`${tag}: (b) city buttons are list_cities' result, fetched by the app via the bridge`,
    listed.length > 1 && JSON.stringify(buttons) === JSON.stringify(listed) && appCalls.includes('list_cities:ok'),
    `buttons ${JSON.stringify(buttons)}, app calls ${JSON.stringify(appCalls)}`);
  // (e) a screenshot of the first chart, with the city buttons
  const shot = await screenshot(page, `apps-${tag}${opt.theme === "dark" ? "-dark" : ""}.png`);
  if (tag === "auto" && opt.theme !== "dark" && opt["update-docs"]) updateDocs(shot);

  const target = listed.find((c) => c !== st.result?.structuredContent?.city) ?? 'London';
  const expected = (await direct.callTool({ name: 'get_weather', arguments: { city: target } })).structuredContent;
  const before = await weatherCalls();
  await frame.click(`#cities button[data-city="${target}"]`);
  await frame.waitForFunction((days) => {
    const rs = [...document.querySelectorAll('#chart rect.bar')];
    return rs.length === days.length && rs.every((r, i) => Number(r.dataset.high) === days[i].high && Number(r.dataset.low) === days[i].low);
  }, { timeout: TIMEOUT }, expected.days).catch(() => {});
  const after = await readBars(frame);
  const heading = await frame.$eval('#city', (h) => h.textContent);
  const last = await page.evaluate(() => __host.appCalls.at(-1));
  check(`${tag}: (b) clicking ${target} makes the app call get_weather via the bridge and redraw with its values`,
    sameDays(after, expected.days) && heading.startsWith(target) && last?.name === 'get_weather' &&
      last.arguments.city === target && last.outcome === 'ok' && !sameDays(after, days),
    `heading "${heading}", last app call ${JSON.stringify({ name: last?.name, arguments: last?.arguments, outcome: last?.outcome })}`);

  // (c) the server counted that call
  const afterCount = await weatherCalls();
  check(`${tag}: (c) /metrics get_weather count went up by the click`, afterCount.count === before.count + 1,
    `${before.metric}: ${before.count} -> ${afterCount.count}`);

  // (f) the host refuses app calls to tools not visible to apps
  await page.evaluate(() => __host.tools.set('model_only_probe', { name: 'model_only_probe', _meta: { ui: { visibility: ['model'] } } }));
  const reply = await rawAppCall(frame, 'model_only_probe');
  const rejected = await page.evaluate(() => __host.appCalls.at(-1));
  check(`${tag}: (f) host rejects an app's tools/call of a tool whose visibility lacks "app"`,
    !!reply.error && rejected?.name === 'model_only_probe' && rejected.outcome === 'rejected', JSON.stringify(reply.error ?? reply));
}

async function referenceChecks(page, frame, st, tag) {
  const time = st.result?.structuredContent?.time;
  await frame.waitForFunction((t) => document.getElementById('server-time')?.textContent === t, { timeout: TIMEOUT }, time).catch(() => {});
  const shown = await frame.$eval('#server-time', (e) => e.textContent);
  check(`${tag}: (a) the page shows the tool result the host sent`, !!time && shown === time, shown);
  await screenshot(page, `apps-reference-${tag}.png`);
  await new Promise((r) => setTimeout(r, 20)); // a later timestamp
  await frame.click('#get-time-btn');
  await page.waitForFunction(() => __host.appCalls.some((c) => c.name === 'get-time' && c.outcome !== 'pending'), { timeout: TIMEOUT }).catch(() => {});
  const call = await page.evaluate(() => __host.appCalls.find((c) => c.name === 'get-time'));
  const newTime = call?.result?.structuredContent?.time;
  await frame.waitForFunction((t) => document.getElementById('server-time')?.textContent === t, { timeout: TIMEOUT }, newTime).catch(() => {});
  const shown2 = await frame.$eval('#server-time', (e) => e.textContent);
  check(`${tag}: (b) a click makes the app call get-time via the bridge and show the new result`,
    call?.outcome === 'ok' && shown2 === newTime, `${shown} -> ${shown2}`);
  await page.evaluate(() => __host.tools.set('model_only_probe', { name: 'model_only_probe', _meta: { ui: { visibility: ['model'] } } }));
  const reply = await rawAppCall(frame, 'model_only_probe');
  check(`${tag}: (f) host rejects an app's tools/call of a tool whose visibility lacks "app"`, !!reply.error, JSON.stringify(reply.error ?? reply));
}

function updateDocs(file) {
  const dest = path.join(root, 'docs/images/apps-forecast.png');
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(file, dest);
  console.log(`info [${label}] wrote ${path.relative(root, dest)}`);
}

// ------------------------------------------------------------ main
const browser = await puppeteer.launch({
  executablePath: opt.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  protocolTimeout: 30_000,
  timeout: 30_000,
});
try {
  for (const mode of opt.modes.split(',')) await runMode(browser, mode);
} finally {
  await browser.close().catch(() => {});
  server.close();
}
console.log(`${failures ? 'FAILED' : 'PASSED'} [${label}] browser test: ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
