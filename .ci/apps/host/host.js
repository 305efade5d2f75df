// A minimal MCP Apps host for the browser test (.ci/apps/browser_test.mjs).
// Query: ?url=<MCP endpoint>&mode=auto|legacy[&tool=get_weather&args=<JSON>&theme=light|dark]
//
// It connects the official client to the server (declaring the UI extension),
// lists the tools, calls the tool, reads the UI resource the tool points at,
// renders it in a sandboxed iframe under the CSP built from the resource's
// _meta.ui.csp, and connects an AppBridge that relays the app's tools/call to
// the server, refusing tools whose visibility lacks "app". Its state is kept
// on window.__host for the test to read.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  AppBridge,
  PostMessageTransport,
  RESOURCE_MIME_TYPE,
  getToolUiResourceUri,
} from '@modelcontextprotocol/ext-apps/app-bridge';

const UI_EXTENSION = 'io.modelcontextprotocol/ui';
const q = new URLSearchParams(location.search);
const serverUrl = q.get('url');
const mode = q.get('mode') ?? 'auto';
const toolName = q.get('tool') ?? 'get_weather';
const toolArgs = JSON.parse(q.get('args') ?? '{"city":"Paris"}');
const theme = q.get('theme') === 'dark' ? 'dark' : 'light';

const state = (window.__host = {
  phase: 'starting',
  error: null,
  log: [],
  tools: new Map(), // name -> Tool, from tools/list
  appCalls: [], // every tools/call the app asked for: {name, arguments, outcome}
  sizes: [],
});
function log(line) {
  state.log.push(line);
  document.getElementById('log').textContent += line + '\n';
}

// CSP for the view, from the resource content's _meta.ui.csp (SEP-1865):
// nothing declared gives the spec's restrictive default.
function buildCsp(csp = {}) {
  const list = (xs) => (Array.isArray(xs) ? xs.filter((x) => typeof x === 'string' && /^[^\s;,'"]+$/.test(x)) : []);
  const res = list(csp.resourceDomains).join(' ');
  const connect = list(csp.connectDomains);
  const frames = list(csp.frameDomains);
  const bases = list(csp.baseUriDomains);
  const src = (base) => (res ? `${base} ${res}` : base);
  return [
    "default-src 'none'",
    `script-src ${src("'self' 'unsafe-inline'")}`,
    `style-src ${src("'self' 'unsafe-inline'")}`,
    `img-src ${src("'self' data:")}`,
    `font-src ${src("'self'")}`,
    `media-src ${src("'self' data:")}`,
    `connect-src ${connect.length ? connect.join(' ') : "'none'"}`,
    `frame-src ${frames.length ? frames.join(' ') : "'none'"}`,
    `base-uri ${bases.length ? bases.join(' ') : "'self'"}`,
  ].join('; ') + ';';
}

// The CSP goes in as the first element of <head>, before any script or style.
function withCsp(html, csp) {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${csp.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">`;
  if (/<head(\s[^>]*)?>/i.test(html)) return html.replace(/<head(\s[^>]*)?>/i, (m) => m + meta);
  if (/<html(\s[^>]*)?>/i.test(html)) return html.replace(/<html(\s[^>]*)?>/i, (m) => `${m}<head>${meta}</head>`);
  return `<head>${meta}</head>` + html;
}

async function main() {
  if (!serverUrl) throw new Error('missing ?url=');
  const client = new Client(
    { name: 'mcp-rs-apps-test-host', version: '1.0.0' },
    {
      capabilities: { extensions: { [UI_EXTENSION]: { mimeTypes: [RESOURCE_MIME_TYPE] } } },
      versionNegotiation: { mode },
    },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl)));
  state.era = client.getProtocolEra?.();
  state.serverCapabilities = client.getServerCapabilities();
  state.serverUiExtension = state.serverCapabilities?.extensions?.[UI_EXTENSION] ?? null;
  log(`connected (${mode}): era ${state.era}, server ${JSON.stringify(client.getServerVersion())}`);

  const { tools } = await client.listTools();
  for (const t of tools) state.tools.set(t.name, t);
  state.toolNames = tools.map((t) => t.name);
  log(`tools: ${state.toolNames.join(', ')}`);
  const tool = state.tools.get(toolName);
  if (!tool) throw new Error(`no tool ${toolName}`);
  const uri = getToolUiResourceUri(tool);
  if (!uri) throw new Error(`tool ${toolName} has no _meta.ui.resourceUri`);
  state.resourceUri = uri;

  state.phase = 'calling';
  const result = await client.callTool({ name: toolName, arguments: toolArgs });
  state.toolResult = result;
  log(`${toolName}(${JSON.stringify(toolArgs)}) -> isError=${!!result.isError}`);

  const read = await client.readResource({ uri });
  const content = read.contents.find((c) => c.uri === uri) ?? read.contents[0];
  if (content?.mimeType !== RESOURCE_MIME_TYPE) throw new Error(`resource ${uri} has mimeType ${content?.mimeType}`);
  const html = content.text ?? new TextDecoder().decode(Uint8Array.from(atob(content.blob), (c) => c.charCodeAt(0)));
  const uiMeta = content._meta?.ui ?? {};
  state.csp = buildCsp(uiMeta.csp);
  log(`resource ${uri}: ${html.length} chars, _meta.ui=${JSON.stringify(uiMeta)}`);
  log(`CSP: ${state.csp}`);

  const box = document.getElementById('frame-box');
  box.classList.toggle('no-border', uiMeta.prefersBorder === false);
  document.body.classList.toggle('dark', theme === 'dark');
  const iframe = document.createElement('iframe');
  iframe.id = 'app';
  iframe.setAttribute('sandbox', 'allow-scripts');
  iframe.title = `MCP App ${uri}`;
  iframe.srcdoc = withCsp(html, state.csp);
  box.append(iframe);

  const bridge = new AppBridge(
    client,
    { name: 'mcp-rs-apps-test-host', version: '1.0.0' },
    { serverTools: {}, serverResources: {}, logging: {}, sandbox: { csp: uiMeta.csp ?? {} } },
    {
      hostContext: {
        theme,
        displayMode: 'inline',
        availableDisplayModes: ['inline'],
        toolInfo: { tool },
        containerDimensions: { maxHeight: 800, width: 520 },
      },
    },
  );
  bridge.onsizechange = ({ height, width }) => {
    state.sizes.push({ height, width });
    if (height) iframe.style.height = `${Math.ceil(height)}px`;
  };
  bridge.onloggingmessage = (m) => log(`app log: ${JSON.stringify(m.data)}`);
  const initialized = new Promise((resolve) => (bridge.oninitialized = resolve));
  // Messages are accepted only from this iframe's window.
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  // Replace the bridge's plain relay (set by connect) with one that enforces
  // tool visibility: an app may only call tools whose _meta.ui.visibility
  // includes "app" (the default, when absent, is ["model", "app"]).
  bridge.oncalltool = async (params) => {
    const call = { name: params.name, arguments: params.arguments ?? {}, outcome: 'pending' };
    state.appCalls.push(call);
    const t = state.tools.get(params.name);
    const visibility = t?._meta?.ui?.visibility ?? ['model', 'app'];
    if (!t || !visibility.includes('app')) {
      call.outcome = 'rejected';
      log(`app tools/call ${params.name}: REJECTED (${t ? `visibility ${JSON.stringify(visibility)}` : 'unknown tool'})`);
      throw new Error(`tool ${params.name} is not available to apps`);
    }
    const r = await client.callTool(params);
    call.outcome = r.isError ? 'error' : 'ok';
    call.result = r;
    log(`app tools/call ${params.name}(${JSON.stringify(call.arguments)}) -> ${call.outcome}`);
    return r;
  };

  state.phase = 'waiting-for-app';
  await initialized;
  state.appVersion = bridge.getAppVersion();
  log(`app initialized: ${JSON.stringify(state.appVersion)}`);
  await bridge.sendToolInput({ arguments: toolArgs });
  await bridge.sendToolResult(result);
  state.phase = 'ready';
  log('tool input and result sent');
}

main().catch((e) => {
  state.phase = 'failed';
  state.error = String(e?.stack ?? e);
  log(`FAILED: ${state.error}`);
});
