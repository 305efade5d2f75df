#!/usr/bin/env node
// Wire comparison of our MCP Apps server with the reference one
// (@modelcontextprotocol/server-basic-vanillajs, an HTTP server on $PORT):
// the same official client reads, from each, the app tool in tools/list, the
// UI resource in resources/read and resources/list, and the server's
// capabilities; the shapes are printed as a table, field by field.
//
//   node wire_check.mjs --prefix DIR --ours http://127.0.0.1:P/mcp
//        [--reference http://127.0.0.1:Q/mcp] [--modes auto,legacy]
//
// Without --reference the reference server is started here (free port) and
// stopped at the end. Exits 1 when a field the reference has, and that a host
// needs, is missing on ours (or has another type).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    prefix: { type: 'string' },
    ours: { type: 'string' },
    reference: { type: 'string' },
    modes: { type: 'string', default: 'auto,legacy' },
  },
});
if (!opt.prefix || !opt.ours) {
  console.error('usage: wire_check.mjs --prefix DIR --ours MCP_URL [--reference MCP_URL]');
  process.exit(2);
}
const prefix = path.resolve(opt.prefix);
const require = createRequire(path.join(prefix, 'package.json'));
const { Client, StreamableHTTPClientTransport } = require('@modelcontextprotocol/client');
const UI = 'io.modelcontextprotocol/ui';
const MIME = 'text/html;profile=mcp-app';
const TIMEOUT = 15_000;
const withTimeout = (p, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), TIMEOUT))]);

// What a host needs (SEP-1865): these must be on ours wherever the reference has them.
const REQUIRED = [
  /^tool\._meta$/,
  /^tool\._meta\.ui$/,
  /^tool\._meta\.ui\.resourceUri$/,
  /^tool\._meta\["ui\/resourceUri"\]$/,
  /^tool\.(name|inputSchema)$/,
  /^read\.contents\[0\]\.(uri|mimeType|text)$/,
  /^read\.contents\[0\]\._meta\.ui\.csp/,
  /^list\.(uri|mimeType|name)$/,
];

// ------------------------------------------------------------ reference server
let refProc = null;
async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}
async function startReference() {
  const port = await freePort();
  const bin = path.join(prefix, 'node_modules/@modelcontextprotocol/server-basic-vanillajs/dist/index.js');
  refProc = spawn(process.execPath, [bin], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  await withTimeout(new Promise((resolve, reject) => {
    refProc.stdout.on('data', (d) => String(d).includes('listening') && resolve());
    refProc.on('exit', (c) => reject(new Error(`reference server exited (${c})`)));
  }), 'reference server start');
  return `http://127.0.0.1:${port}/mcp`;
}

// ------------------------------------------------------------ shapes
const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);
// path -> "type" (or "type = value" for the values a host acts on)
function flatten(obj, base, out, depth = 0, shown = []) {
  for (const [k, v] of Object.entries(obj ?? {})) {
    const p = base + key(k);
    const t = typeOf(v);
    out[p] = shown.some((re) => re.test(p)) ? `${t} = ${JSON.stringify(v).slice(0, 40)}` : t;
    if (t === 'object' && depth < 3 && !/inputSchema|outputSchema|annotations/.test(k)) flatten(v, p, out, depth + 1, shown);
  }
  return out;
}
const SHOWN = [/resourceUri/, /mimeType$/, /visibility$/, /\.uri$/, /prefersBorder$/, /\.csp\.\w+$/];

async function snapshot(url, mode) {
  const client = new Client({ name: 'mcp-rs-apps-wire-check', version: '1.0.0' }, {
    capabilities: { extensions: { [UI]: { mimeTypes: [MIME] } } },
    versionNegotiation: { mode },
  });
  await withTimeout(client.connect(new StreamableHTTPClientTransport(new URL(url))), `connect ${url}`);
  try {
    const out = {};
    out['server.era'] = `string = ${JSON.stringify(client.getProtocolEra?.())}`;
    const ext = client.getServerCapabilities()?.extensions?.[UI];
    out[`server.capabilities.extensions["${UI}"]`] = ext === undefined ? undefined : typeOf(ext);
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t._meta?.ui?.resourceUri || t._meta?.['ui/resourceUri']);
    if (!tool) throw new Error(`${url}: no tool with _meta.ui.resourceUri`);
    out['tool.name'] = `string = ${JSON.stringify(tool.name)}`;
    for (const k of ['title', 'description', 'inputSchema', 'outputSchema', 'annotations']) if (k in tool) out[`tool.${k}`] = typeOf(tool[k]);
    flatten(tool._meta, 'tool._meta', out, 0, SHOWN);
    out['tool._meta'] = typeOf(tool._meta);
    const uri = tool._meta?.ui?.resourceUri ?? tool._meta?.['ui/resourceUri'];
    out['tool: legacy key equals _meta.ui.resourceUri'] = String(tool._meta?.['ui/resourceUri'] === tool._meta?.ui?.resourceUri);
    out['tools/list: app-only tools (visibility ["app"])'] = JSON.stringify(
      tools.filter((t) => JSON.stringify(t._meta?.ui?.visibility) === '["app"]').map((t) => t.name));

    const read = await client.readResource({ uri });
    out['read.contents'] = `array (${read.contents.length})`;
    const c0 = read.contents[0] ?? {};
    for (const [k, v] of Object.entries(c0)) out[`read.contents[0]${key(k)}`] = k === 'text' ? `string (${v.length} chars)` : typeOf(v);
    out['read.contents[0].uri'] = `string = ${JSON.stringify(c0.uri)}`;
    out['read.contents[0].mimeType'] = `${typeOf(c0.mimeType)} = ${JSON.stringify(c0.mimeType)}`;
    flatten(c0._meta, 'read.contents[0]._meta', out, 0, SHOWN);
    out['read: text is an HTML document'] = String(/<html[\s>]/i.test(c0.text ?? '') && /<script[\s>]/i.test(c0.text ?? ''));

    const { resources } = await client.listResources();
    const entry = resources.find((r) => r.uri === uri);
    if (entry) {
      for (const [k, v] of Object.entries(entry)) out[`list${key(k)}`] = typeOf(v);
      out['list.uri'] = `string = ${JSON.stringify(entry.uri)}`;
      if ('mimeType' in entry) out['list.mimeType'] = `string = ${JSON.stringify(entry.mimeType)}`;
      flatten(entry._meta, 'list._meta', out, 0, SHOWN);
    } else out['resources/list entry'] = 'absent';
    return out;
  } finally {
    await client.close().catch(() => {});
  }
}

// ------------------------------------------------------------ compare
const baseType = (s) => (s === undefined ? undefined : s.split(/ = | \(/)[0]);
let failures = 0;
try {
  const refUrl = opt.reference ?? (await startReference());
  for (const mode of opt.modes.split(',')) {
    const ref = await snapshot(refUrl, mode);
    const ours = await snapshot(opt.ours, mode);
    const rows = [];
    for (const p of [...new Set([...Object.keys(ref), ...Object.keys(ours)])]) {
      const r = ref[p], o = ours[p];
      let verdict;
      const required = REQUIRED.some((re) => re.test(p));
      if (p.includes(':')) verdict = r === o ? 'same' : 'differs (info)';
      else if (r === undefined) verdict = 'ours only';
      else if (o === undefined) verdict = required ? 'MISSING (needed by hosts)' : 'missing (optional)';
      else if (baseType(r) !== baseType(o)) verdict = required ? 'TYPE DIFFERS (needed by hosts)' : 'type differs';
      else verdict = r === o ? 'same' : 'same type';
      if (/^(MISSING|TYPE)/.test(verdict)) failures++;
      rows.push([p, r ?? '-', o ?? '-', verdict]);
    }
    // Values every host relies on, whatever the reference does.
    const must = [
      ['ours: _meta.ui.resourceUri is a ui:// URI', /^string = "ui:\/\//.test(ours['tool._meta.ui.resourceUri'] ?? '')],
      ['ours: legacy key ui/resourceUri equals it', ours['tool: legacy key equals _meta.ui.resourceUri'] === 'true'],
      [`ours: resource mimeType is ${MIME}`, ours['read.contents[0].mimeType'] === `string = ${JSON.stringify(MIME)}`],
      ['ours: resource text is an HTML document', ours['read: text is an HTML document'] === 'true'],
    ];
    const w = [0, 1, 2, 3].map((i) => Math.min(60, Math.max(...rows.map((r) => String(r[i]).length), 9)));
    const fmt = (r) => r.map((c, i) => String(c).slice(0, 60).padEnd(w[i])).join(' | ');
    console.log(`\nwire comparison (${mode}): reference ${refUrl} vs ours ${opt.ours}`);
    console.log(fmt(['field', 'reference', 'ours', 'verdict']));
    console.log(w.map((n) => '-'.repeat(n)).join('-|-'));
    for (const r of rows) console.log(fmt(r));
    for (const r of rows.filter((r) => /^(MISSING|TYPE)/.test(r[3]))) console.log(`FAIL [wire] ${mode}: ${r[0]}: ${r[3]}`);
    for (const [name, ok] of must) {
      console.log(`${ok ? 'ok  ' : 'FAIL'} [wire] ${mode}: ${name}`);
      if (!ok) failures++;
    }
  }
} catch (e) {
  console.log(`FAIL [wire] ${e.stack ?? e}`);
  failures++;
} finally {
  if (refProc) refProc.kill();
}
console.log(`${failures ? 'FAILED' : 'PASSED'} [wire] comparison with the reference server: ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
