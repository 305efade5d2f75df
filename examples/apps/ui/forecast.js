// The MCP Apps view of the `apps` example: a week of weather as an SVG bar
// chart. The host hands it the result of the `get_weather` call it was opened
// for; the city buttons come from the app-only `list_cities` tool, and a click
// calls `get_weather` again through the host. Bundled by build.mjs into
// ../forecast.html (one self-contained file the server embeds).
import { App, applyDocumentTheme, applyHostStyleVariables } from '@modelcontextprotocol/ext-apps';

const SVG = 'http://www.w3.org/2000/svg';
const W = 420, H = 220, TOP = 24, BOTTOM = 44; // chart box and the room for labels
const $ = (id) => document.getElementById(id);

let shownCity = null; // the city the chart shows
const app = new App({ name: 'weather-forecast', version: '1.0.0' }, {}, { autoResize: true });

function setStatus(message, isError = false) {
  $('status').textContent = message;
  $('status').classList.toggle('error', isError);
}

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

// The forecast in a CallToolResult: structuredContent, else the JSON text.
function forecastOf(result) {
  const text = result?.content?.find((c) => c.type === 'text')?.text;
  if (result?.isError) throw new Error(text || 'the tool failed');
  let data = result?.structuredContent;
  if (!data && text) data = JSON.parse(text);
  if (!data || !Array.isArray(data.days)) throw new Error('no forecast in the tool result');
  return data;
}

function draw({ city, units, days }) {
  const unit = units === 'fahrenheit' ? '°F' : '°C';
  const fmt = (t) => `${Math.round(t)}°`;
  shownCity = city;
  $('city').textContent = `${city} · 7 days (${unit})`;
  const chart = $('chart');
  chart.replaceChildren();
  const grad = svg('linearGradient', { id: 'temp', x1: 0, y1: 0, x2: 0, y2: 1 });
  grad.append(svg('stop', { offset: 0, 'stop-color': 'var(--bar-top)', style: 'stop-color:var(--bar-top)' }),
    svg('stop', { offset: 1, 'stop-color': 'var(--bar-bottom)', style: 'stop-color:var(--bar-bottom)' }));
  const defs = svg('defs', {});
  defs.append(grad);
  chart.append(defs);

  const lo = Math.min(...days.map((d) => d.low)) - 2;
  const hi = Math.max(...days.map((d) => d.high)) + 2;
  const y = (t) => TOP + ((hi - t) / (hi - lo)) * (H - TOP - BOTTOM);
  const slot = W / days.length;
  days.forEach((d, i) => {
    const x = i * slot + slot / 2;
    const bar = svg('rect', {
      class: 'bar', x: x - slot * 0.3, y: y(d.high), width: slot * 0.6,
      height: Math.max(2, y(d.low) - y(d.high)), rx: 4,
      'data-weekday': d.weekday, 'data-high': d.high, 'data-low': d.low,
    });
    bar.append(svg('title', {}, `${d.date}: ${d.conditions}, ${d.low} to ${d.high}${unit}`));
    chart.append(
      bar,
      svg('text', { class: 'high', x, y: y(d.high) - 6 }, fmt(d.high)),
      svg('text', { class: 'low', x, y: y(d.low) + 15 }, fmt(d.low)),
      svg('text', { class: 'weekday', x, y: H - 6 }, d.weekday),
    );
  });
  for (const b of $('cities').children) b.setAttribute('aria-pressed', String(b.dataset.city === city));
}

function show(result) {
  try {
    draw(forecastOf(result));
    setStatus('');
  } catch (e) {
    setStatus(e.message, true);
  }
}

async function pick(city) {
  setStatus(`Loading ${city}…`);
  try {
    show(await app.callServerTool({ name: 'get_weather', arguments: { city } }));
  } catch (e) {
    setStatus(`get_weather failed: ${e.message}`, true);
  }
}

async function loadCities() {
  const result = await app.callServerTool({ name: 'list_cities', arguments: {} });
  if (result.isError) throw new Error(result.content?.[0]?.text || 'the tool failed');
  const cities = result.structuredContent?.cities ?? [];
  $('cities').replaceChildren(...cities.map((city) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.city = city;
    b.textContent = city;
    b.setAttribute('aria-pressed', String(city === shownCity));
    b.addEventListener('click', () => pick(city));
    return b;
  }));
}

function applyContext(ctx) {
  if (ctx?.theme) applyDocumentTheme(ctx.theme);
  if (ctx?.styles?.variables) applyHostStyleVariables(ctx.styles.variables);
}

// Handlers first, then connect (ui/initialize); the host sends the tool
// input and result once the app has initialized.
app.ontoolinput = ({ arguments: args }) => {
  if (args?.city) setStatus(`Loading ${args.city}…`);
};
app.ontoolresult = show;
app.onhostcontextchanged = applyContext;
app.onerror = (e) => setStatus(String(e?.message ?? e), true);

app.connect().then(
  () => {
    applyContext(app.getHostContext());
    loadCities().catch((e) => setStatus(`list_cities failed: ${e.message}`, true));
  },
  (e) => setStatus(`could not connect to the host: ${e.message}`, true),
);
