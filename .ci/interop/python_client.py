#!/usr/bin/env python3
"""Interop check: the official MCP Python SDK (`mcp`, 1.x or 2.x) against the
weather example over Streamable HTTP.

    python_client.py URL [--mode auto|legacy] [--expect-era stateless|session] [--auth]

With --auth the server is the auth example (weather behind OAuth): first a
request without a token must get 401 with a `resource_metadata` URL that
resolves to protected-resource metadata, then the client takes a token from
the example's development issuer, sends it on every request and calls the
scoped `whoami` tool and the mounted `weather_get_weather`.

Every HTTP exchange is logged through an httpx event hook (method, JSON-RPC
method, MCP-Protocol-Version, Mcp-Session-Id, status), so the output shows
which protocol era the SDK negotiated. Exits non-zero when any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import traceback
from contextlib import asynccontextmanager
from importlib.metadata import version as dist_version

MCP_VERSION = dist_version("mcp")
MAJOR = int(MCP_VERSION.split(".")[0])

if MAJOR >= 2:
    import httpx2 as httpx  # the 2.x line ships on httpx2
else:
    import httpx

import mcp.types as types

EXPECTED_TOOLS = {"get_weather", "convert_units", "analyze_text", "health_check"}
TEMPLATE = "weather://forecast/{city}"

# ---------------------------------------------------------------- HTTP log

HTTP_LOG: list[dict] = []


def _jsonrpc_methods(body: bytes) -> list[str]:
    try:
        msg = json.loads(body)
    except Exception:
        return []
    msgs = msg if isinstance(msg, list) else [msg]
    out = []
    for m in msgs:
        if isinstance(m, dict):
            out.append(m.get("method") or ("<response>" if "result" in m or "error" in m else "?"))
    return out


async def _on_request(request) -> None:
    try:
        body = request.content
    except Exception:
        body = b""
    entry = {
        "http": request.method,
        "rpc": _jsonrpc_methods(body) if body else [],
        "protocol_version": request.headers.get("mcp-protocol-version"),
        "mcp_method": request.headers.get("mcp-method"),
        "session": request.headers.get("mcp-session-id"),
    }
    HTTP_LOG.append(entry)
    request.extensions["interop_log"] = entry


async def _on_response(response) -> None:
    entry = response.request.extensions.get("interop_log")
    if entry is not None:
        entry["status"] = response.status_code
        entry["content_type"] = response.headers.get("content-type", "").split(";")[0]
        entry["session_out"] = response.headers.get("mcp-session-id")


def print_http_log() -> None:
    print("  HTTP exchanges seen by the SDK's httpx client:")
    for e in HTTP_LOG:
        rpc = ",".join(e["rpc"]) or "-"
        print(
            f"    {e['http']:6} {rpc:28} MCP-Protocol-Version={e['protocol_version']} "
            f"Mcp-Method={e['mcp_method']} Mcp-Session-Id={'yes' if e['session'] else 'no'} "
            f"-> {e.get('status')} {e.get('content_type', '')}"
            + (" (session id issued)" if e.get("session_out") else "")
        )


AUTH_HEADERS: dict[str, str] = {}


def http_client():
    return httpx.AsyncClient(
        timeout=httpx.Timeout(30.0, read=60.0),
        headers=AUTH_HEADERS,
        event_hooks={"request": [_on_request], "response": [_on_response]},
    )


# ---------------------------------------------------------------- SDK glue


class Facade:
    """The handful of calls the checks need, identical across SDK majors."""

    def __init__(self, impl, protocol_version: str, era_note: str):
        self.impl = impl
        self.protocol_version = protocol_version
        self.era_note = era_note

    async def list_tools(self):
        return await self.impl.list_tools()

    async def call_tool(self, name, args):
        return await self.impl.call_tool(name, args)

    async def read_resource(self, uri):
        if MAJOR >= 2:
            return await self.impl.read_resource(uri)
        from pydantic import AnyUrl

        return await self.impl.read_resource(AnyUrl(uri))

    async def list_resource_templates(self):
        return await self.impl.list_resource_templates()

    async def complete(self, uri_template, name, value):
        ref = types.ResourceTemplateReference(type="ref/resource", uri=uri_template)
        return await self.impl.complete(ref=ref, argument={"name": name, "value": value})

    async def get_prompt(self, name, args):
        return await self.impl.get_prompt(name, args)


@asynccontextmanager
async def connect_stdio(command: str, mode: str):
    """The server as a subprocess (`COMMAND --stdio`), over its stdin/stdout."""
    from mcp import StdioServerParameters

    params = StdioServerParameters(command=command, args=["--stdio"])
    if MAJOR >= 2:
        from mcp import Client

        async with Client(params, mode=mode) as client:
            session = client.session
            note = ("stateless era via server/discover" if session.discover_result is not None
                    else "session era via initialize")
            yield Facade(client, client.protocol_version, note)
    else:
        from mcp import ClientSession
        from mcp.client.stdio import stdio_client

        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                yield Facade(session, init.protocolVersion, "session era via initialize")


@asynccontextmanager
async def connect(url: str, mode: str):
    async with http_client() as hc:
        if MAJOR >= 2:
            from mcp import Client
            from mcp.client.streamable_http import streamable_http_client

            async with Client(streamable_http_client(url, http_client=hc), mode=mode) as client:
                session = client.session
                if session.discover_result is not None:
                    note = f"stateless era via server/discover (supportedVersions={session.discover_result.supported_versions})"
                elif session.initialize_result is not None:
                    note = "session era via initialize"
                else:
                    note = "era unknown (neither discover nor initialize result)"
                yield Facade(client, client.protocol_version, note)
        else:
            from mcp import ClientSession
            from mcp.client.streamable_http import streamable_http_client

            async with streamable_http_client(url, http_client=hc) as (read, write, get_session_id):
                async with ClientSession(read, write) as session:
                    init = await session.initialize()
                    note = f"session era via initialize (Mcp-Session-Id={'present' if get_session_id() else 'absent'})"
                    yield Facade(session, init.protocolVersion, note)


# ---------------------------------------------------------------- checks


def text_of(content_list) -> str:
    return "".join(getattr(c, "text", "") or "" for c in content_list)


async def run_checks(c: Facade) -> list[tuple[str, bool, str]]:
    results: list[tuple[str, bool, str]] = []

    async def check(name, fn):
        try:
            detail = await fn()
            results.append((name, True, detail or ""))
        except Exception as e:  # noqa: BLE001 - every failure is reported
            tb = traceback.format_exception_only(type(e), e)[-1].strip()
            results.append((name, False, tb))

    async def tools_list():
        res = await c.list_tools()
        names = {t.name for t in res.tools}
        assert names == EXPECTED_TOOLS, f"tools {sorted(names)} != {sorted(EXPECTED_TOOLS)}"
        return ", ".join(sorted(names))

    async def convert_units():
        res = await c.call_tool("convert_units", {"value": 100, "from": "celsius", "to": "fahrenheit"})
        is_error = getattr(res, "is_error", None) if MAJOR >= 2 else res.isError
        text = text_of(res.content)
        assert not is_error, f"isError: {text!r}"
        assert "212" in text, f"text {text!r} lacks 212"
        return repr(text)

    async def get_weather():
        res = await c.call_tool("get_weather", {"city": "Paris"})
        structured = res.structured_content if MAJOR >= 2 else res.structuredContent
        is_error = getattr(res, "is_error", None) if MAJOR >= 2 else res.isError
        assert not is_error, f"isError: {text_of(res.content)!r}"
        assert isinstance(structured, dict), f"structuredContent {structured!r}"
        return f"structuredContent keys {sorted(structured)}"

    async def analyze_text():
        res = await c.call_tool("analyze_text", {"text": "It rains. Take an umbrella!"})
        structured = res.structured_content if MAJOR >= 2 else res.structuredContent
        assert isinstance(structured, dict), f"structuredContent {structured!r}"
        assert structured.get("words") == 5 and structured.get("sentences") == 2, f"stats {structured!r}"
        return f"stats {structured!r}"

    async def health_check():
        res = await c.call_tool("health_check", {})
        text = text_of(res.content)
        assert text.startswith("ok"), f"text {text!r}"
        return repr(text)

    async def templates():
        res = await c.list_resource_templates()
        if MAJOR >= 2:
            uris = [t.uri_template for t in res.resource_templates]
        else:
            uris = [t.uriTemplate for t in res.resourceTemplates]
        assert TEMPLATE in uris, f"{TEMPLATE} not in {uris}"
        return ", ".join(uris)

    async def read_forecast():
        res = await c.read_resource("weather://forecast/Paris")
        assert len(res.contents) == 1, f"{len(res.contents)} contents"
        item = res.contents[0]
        mime = item.mime_type if MAJOR >= 2 else item.mimeType
        assert mime == "application/json", f"mimeType {mime!r}"
        data = json.loads(item.text)
        assert data.get("city") == "Paris", f"city {data.get('city')!r}"
        assert len(data.get("days", [])) == 5, f"{len(data.get('days', []))} days"
        return f"{len(data['days'])} days for {data['city']}"

    async def read_cities():
        res = await c.read_resource("weather://cities")
        cities = json.loads(res.contents[0].text)
        assert "Paris" in cities and "Tokyo" in cities, f"cities {cities!r}"
        return f"{len(cities)} cities"

    async def complete_city():
        res = await c.complete(TEMPLATE, "city", "Pa")
        values = res.completion.values
        assert "Paris" in values, f"values {values!r}"
        return f"values {values!r}"

    async def plan_trip():
        res = await c.get_prompt("plan_trip", {"city": "Tokyo"})
        assert res.messages, "no messages"
        text = res.messages[0].content.text
        assert "Tokyo" in text, f"prompt text {text!r}"
        return repr(text[:60] + "…")

    await check("tools/list: the four tools", tools_list)
    await check("tools/call convert_units 100 C->F contains 212", convert_units)
    await check("tools/call get_weather Paris (structured)", get_weather)
    await check("tools/call analyze_text (structured stats)", analyze_text)
    await check("tools/call health_check", health_check)
    await check("resources/templates/list has weather://forecast/{city}", templates)
    await check("resources/read weather://forecast/Paris: JSON, 5 days", read_forecast)
    await check("resources/read weather://cities", read_cities)
    await check("completion/complete city 'Pa' -> Paris", complete_city)
    await check("prompts/get plan_trip city=Tokyo", plan_trip)
    return results


async def run_auth_checks(c: Facade) -> list[tuple[str, bool, str]]:
    results: list[tuple[str, bool, str]] = []

    async def check(name, fn):
        try:
            detail = await fn()
            results.append((name, True, detail))
        except Exception as e:  # noqa: BLE001
            results.append((name, False, f"{type(e).__name__}: {e}"))

    async def tools_list():
        names = {t.name for t in (await c.list_tools()).tools}
        assert {"whoami", "weather_get_weather"} <= names, names
        assert "clear_cache" not in names, "listed without weather:admin"
        return ", ".join(sorted(names))

    async def whoami():
        text = text_of((await c.call_tool("whoami", {})).content)
        assert text.startswith("interop"), text
        return text

    async def weather():
        result = await c.call_tool("weather_get_weather", {"city": "Paris"})
        assert "Paris" in text_of(result.content), result
        return "ok"

    await check("tools/list with a token (scoped tools hidden)", tools_list)
    await check("tools/call whoami sees the token's subject", whoami)
    await check("tools/call weather_get_weather (mounted)", weather)
    return results


async def auth_preflight(url: str) -> tuple[list[tuple[str, bool, str]], str | None]:
    """401 without a token, the metadata it names, and a development token."""
    results = []
    base = url.rsplit("/mcp", 1)[0]
    async with httpx.AsyncClient(timeout=10.0) as hc:
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
        refused = await hc.post(url, json=body, headers=headers)
        challenge = refused.headers.get("www-authenticate", "")
        ok = refused.status_code == 401 and 'resource_metadata="' in challenge
        results.append(("no token: 401 with resource_metadata", ok, f"{refused.status_code} {challenge}"))
        if ok:
            metadata_url = challenge.split('resource_metadata="', 1)[1].split('"', 1)[0]
            metadata = (await hc.get(metadata_url)).json()
            ok = metadata.get("resource") == url and metadata.get("authorization_servers")
            results.append(("the metadata URL resolves to protected-resource metadata", bool(ok), json.dumps(metadata)))
        answer = await hc.get(f"{base}/dev-issuer/token", params={"sub": "interop", "scope": "weather:read"})
        token = answer.json().get("access_token")
        results.append(("a token from the development issuer", bool(token), f"{answer.status_code}"))
    return results, token


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--mode", default="auto", help="2.x Client mode: auto (default) or legacy")
    ap.add_argument("--expect-era", choices=["stateless", "session"], help="fail unless this era was used")
    ap.add_argument("--auth", action="store_true", help="the server is the auth example (see above)")
    ap.add_argument("--stdio", action="store_true", help="url is a server binary to start with --stdio")
    args = ap.parse_args()

    label = f"python mcp {MCP_VERSION}" + (f" (mode={args.mode})" if MAJOR >= 2 else "")
    print(f"== {label} -> {args.url}")
    results: list[tuple[str, bool, str]] = []
    stdio_era = "unknown"
    if args.auth:
        results, token = await auth_preflight(args.url)
        if token:
            AUTH_HEADERS["authorization"] = f"Bearer {token}"
    try:
        connection = connect_stdio(args.url, args.mode) if args.stdio else connect(args.url, args.mode)
        async with connection as c:
            print(f"  negotiated protocol version: {c.protocol_version} — {c.era_note}")
            stdio_era = "stateless" if "stateless" in c.era_note else "session"
            results += await (run_auth_checks(c) if args.auth else run_checks(c))
    except BaseException as e:  # noqa: BLE001 - connection failures are a failed check too
        for line in traceback.format_exception(e):
            print("  " + line.rstrip())
        results.append(("connect and close", False, f"{type(e).__name__}: {e}"))

    # Era evidence from the wire.
    posts = [e for e in HTTP_LOG if e["http"] == "POST"]
    sent_versions = sorted({e["protocol_version"] for e in posts if e["protocol_version"]})
    rpc = [m for e in posts for m in e["rpc"]]
    print(f"  MCP-Protocol-Version headers sent: {sent_versions or ['(none)']}")
    print(f"  first JSON-RPC methods sent: {rpc[:4]}")
    if args.stdio:
        era = stdio_era  # no HTTP to watch: what the session negotiated
    elif "initialize" in rpc:
        era = "session"
    elif "server/discover" in rpc or "2026-07-28" in sent_versions:
        era = "stateless"
    else:
        era = "unknown"
    print(f"  era on the wire: {era}")
    if args.expect_era:
        results.append((f"era is {args.expect_era}", era == args.expect_era, f"saw {era}"))
    print_http_log()

    failed = 0
    for name, ok, detail in results:
        failed += not ok
        print(f"  [{'PASS' if ok else 'FAIL'}] {name}: {detail}")
    print(f"{label}: {len(results) - failed} passed, {failed} failed")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
