#!/usr/bin/env node
// Interop check: the official MCP TypeScript SDK against the weather example
// over Streamable HTTP.
//
//   node ts_client.mjs --prefix DIR --sdk client|sdk [--mode auto|legacy]
//                      [--expect-era stateless|session] URL
//
// --prefix is the npm prefix holding the SDK (node_modules/...); --sdk picks
// the package: `client` = @modelcontextprotocol/client (2.x),
// `sdk` = @modelcontextprotocol/sdk (1.x). --mode is the 2.x client's
// versionNegotiation mode (its own default is 'legacy'). Every HTTP exchange
// is logged through a wrapping fetch, so the output shows the era used.
// Exits non-zero when any check fails.
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  options: {
    prefix: { type: 'string' },
    sdk: { type: 'string', default: 'client' },
    mode: { type: 'string', default: 'auto' },
    'expect-era': { type: 'string' },
  },
  allowPositionals: true,
});
const url = positionals[0];
if (!url || !opts.prefix) {
  console.error('usage: ts_client.mjs --prefix DIR --sdk client|sdk [--mode auto|legacy] [--expect-era E] URL');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(opts.prefix), 'package.json'));

let Client, StreamableHTTPClientTransport, pkgName;
if (opts.sdk === 'client') {
  pkgName = '@modelcontextprotocol/client';
  ({ Client, StreamableHTTPClientTransport } = require(pkgName));
} else {
  pkgName = '@modelcontextprotocol/sdk';
  ({ Client } = require(`${pkgName}/client/index.js`));
  ({ StreamableHTTPClientTransport } = require(`${pkgName}/client/streamableHttp.js`));
}
const pkgVersion = JSON.parse(
  (await import('node:fs')).readFileSync(
    path.join(path.resolve(opts.prefix), 'node_modules', pkgName, 'package.json'),
    'utf8',
  ),
).version;
const isV2 = opts.sdk === 'client';
const label = `ts ${pkgName} ${pkgVersion}` + (isV2 ? ` (versionNegotiation=${opts.mode})` : '');

const EXPECTED_TOOLS = ['analyze_text', 'convert_units', 'get_weather', 'health_check'];
const TEMPLATE = 'weather://forecast/{city}';

// ------------------------------------------------------------ HTTP log
const httpLog = [];
const loggingFetch = async (input, init = {}) => {
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  let rpc = [];
  if (typeof init.body === 'string') {
    try {
      const msg = JSON.parse(init.body);
      rpc = (Array.isArray(msg) ? msg : [msg]).map(
        (m) => m.method ?? ('result' in m || 'error' in m ? '<response>' : '?'),
      );
    } catch {
      rpc = ['<unparsed>'];
    }
  }
  const entry = {
    http: init.method ?? (input instanceof Request ? input.method : 'GET'),
    rpc,
    protocolVersion: headers.get('mcp-protocol-version'),
    mcpMethod: headers.get('mcp-method'),
    session: headers.get('mcp-session-id'),
  };
  httpLog.push(entry);
  const res = await fetch(input, init);
  entry.status = res.status;
  entry.contentType = (res.headers.get('content-type') ?? '').split(';')[0];
  entry.sessionOut = res.headers.get('mcp-session-id');
  return res;
};

// ------------------------------------------------------------ checks
const results = [];
async function check(name, fn) {
  try {
    results.push([name, true, (await fn()) ?? '']);
  } catch (e) {
    results.push([name, false, `${e?.constructor?.name ?? 'Error'}: ${e?.message ?? e}`]);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
const textOf = (content) => (content ?? []).map((c) => c.text ?? '').join('');

console.log(`== ${label} -> ${url}`);
let client;
try {
  const clientOptions = { capabilities: {} };
  if (isV2) clientOptions.versionNegotiation = { mode: opts.mode };
  client = new Client({ name: 'mcp-rs-interop', version: '1.0.0' }, clientOptions);
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: loggingFetch });
  await client.connect(transport);
  const era = typeof client.getProtocolEra === 'function' ? client.getProtocolEra() : '(no getProtocolEra in 1.x)';
  const version =
    typeof client.getNegotiatedProtocolVersion === 'function'
      ? client.getNegotiatedProtocolVersion()
      : transport.protocolVersion;
  console.log(`  negotiated protocol version: ${version} — SDK era: ${era}`);

  await check('tools/list: the four tools', async () => {
    const res = await client.listTools();
    const names = res.tools.map((t) => t.name).sort();
    assert(JSON.stringify(names) === JSON.stringify(EXPECTED_TOOLS), `tools ${names}`);
    return names.join(', ');
  });
  await check('tools/call convert_units 100 C->F contains 212', async () => {
    const res = await client.callTool({ name: 'convert_units', arguments: { value: 100, from: 'celsius', to: 'fahrenheit' } });
    const text = textOf(res.content);
    assert(!res.isError, `isError: ${text}`);
    assert(text.includes('212'), `text ${JSON.stringify(text)} lacks 212`);
    return JSON.stringify(text);
  });
  await check('tools/call get_weather Paris (structured)', async () => {
    const res = await client.callTool({ name: 'get_weather', arguments: { city: 'Paris' } });
    assert(!res.isError, `isError: ${textOf(res.content)}`);
    assert(res.structuredContent && typeof res.structuredContent === 'object', 'no structuredContent');
    return `structuredContent keys ${Object.keys(res.structuredContent).sort()}`;
  });
  await check('tools/call analyze_text (structured stats)', async () => {
    const res = await client.callTool({ name: 'analyze_text', arguments: { text: 'It rains. Take an umbrella!' } });
    const s = res.structuredContent ?? {};
    assert(s.words === 5 && s.sentences === 2, `stats ${JSON.stringify(s)}`);
    return JSON.stringify(s);
  });
  await check('tools/call health_check', async () => {
    const res = await client.callTool({ name: 'health_check', arguments: {} });
    const text = textOf(res.content);
    assert(text.startsWith('ok'), `text ${JSON.stringify(text)}`);
    return JSON.stringify(text);
  });
  await check('resources/templates/list has weather://forecast/{city}', async () => {
    const res = await client.listResourceTemplates();
    const uris = res.resourceTemplates.map((t) => t.uriTemplate);
    assert(uris.includes(TEMPLATE), `templates ${uris}`);
    return uris.join(', ');
  });
  await check('resources/read weather://forecast/Paris: JSON, 5 days', async () => {
    const res = await client.readResource({ uri: 'weather://forecast/Paris' });
    assert(res.contents.length === 1, `${res.contents.length} contents`);
    const item = res.contents[0];
    assert(item.mimeType === 'application/json', `mimeType ${item.mimeType}`);
    const data = JSON.parse(item.text);
    assert(data.city === 'Paris', `city ${data.city}`);
    assert(Array.isArray(data.days) && data.days.length === 5, `${data.days?.length} days`);
    return `${data.days.length} days for ${data.city}`;
  });
  await check('resources/read weather://cities', async () => {
    const res = await client.readResource({ uri: 'weather://cities' });
    const cities = JSON.parse(res.contents[0].text);
    assert(cities.includes('Paris') && cities.includes('Tokyo'), `cities ${cities}`);
    return `${cities.length} cities`;
  });
  await check("completion/complete city 'Pa' -> Paris", async () => {
    const res = await client.complete({
      ref: { type: 'ref/resource', uri: TEMPLATE },
      argument: { name: 'city', value: 'Pa' },
    });
    assert(res.completion.values.includes('Paris'), `values ${res.completion.values}`);
    return `values ${JSON.stringify(res.completion.values)}`;
  });
  await check('prompts/get plan_trip city=Tokyo', async () => {
    const res = await client.getPrompt({ name: 'plan_trip', arguments: { city: 'Tokyo' } });
    const text = res.messages?.[0]?.content?.text ?? '';
    assert(text.includes('Tokyo'), `prompt text ${JSON.stringify(text)}`);
    return JSON.stringify(text.slice(0, 60) + '…');
  });
  await client.close();
} catch (e) {
  console.log(`  ${e?.stack ?? e}`);
  results.push(['connect and close', false, `${e?.constructor?.name ?? 'Error'}: ${e?.message ?? e}`]);
  try {
    await client?.close();
  } catch {}
}

// Era evidence from the wire.
const posts = httpLog.filter((e) => e.http === 'POST');
const sentVersions = [...new Set(posts.map((e) => e.protocolVersion).filter(Boolean))].sort();
const rpc = posts.flatMap((e) => e.rpc);
console.log(`  MCP-Protocol-Version headers sent: ${JSON.stringify(sentVersions.length ? sentVersions : ['(none)'])}`);
console.log(`  first JSON-RPC methods sent: ${JSON.stringify(rpc.slice(0, 4))}`);
const era = rpc.includes('initialize')
  ? 'session'
  : rpc.includes('server/discover') || sentVersions.includes('2026-07-28')
    ? 'stateless'
    : 'unknown';
console.log(`  era on the wire: ${era}`);
if (opts['expect-era']) results.push([`era is ${opts['expect-era']}`, era === opts['expect-era'], `saw ${era}`]);
console.log("  HTTP exchanges seen by the SDK's fetch:");
for (const e of httpLog) {
  console.log(
    `    ${e.http.padEnd(6)} ${(e.rpc.join(',') || '-').padEnd(28)} MCP-Protocol-Version=${e.protocolVersion} ` +
      `Mcp-Method=${e.mcpMethod} Mcp-Session-Id=${e.session ? 'yes' : 'no'} -> ${e.status} ${e.contentType ?? ''}` +
      (e.sessionOut ? ' (session id issued)' : ''),
  );
}
let failed = 0;
for (const [name, ok, detail] of results) {
  if (!ok) failed++;
  console.log(`  [${ok ? 'PASS' : 'FAIL'}] ${name}: ${detail}`);
}
console.log(`${label}: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed || !results.length ? 1 : 0);
