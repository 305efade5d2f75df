#!/usr/bin/env python3
"""The bridge acceptance's client (.ci/interop/bridge.sh): the official MCP
Python SDK (1.x or 2.x) against @modelcontextprotocol/server-everything
served by `mcp-proxy --stdio` over Streamable HTTP, with a bearer token.

    bridge_client.py URL TOKEN [--mode auto|legacy]

Lists and calls the upstream's tools, lists and reads its resources, and
answers the sampling request its `trigger-sampling-request` tool sends
(through the bridge, back to this client). One line per check; exits
non-zero when any failed. `--mode` (2.x only): auto tries the 2026-07-28
era first, legacy speaks 2025-11-25; 1.x speaks 2025-11-25.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import traceback
from contextlib import asynccontextmanager
from importlib.metadata import version as dist_version

MAJOR = int(dist_version("mcp").split(".")[0])
if MAJOR >= 2:
    import httpx2 as httpx
else:
    import httpx

import mcp.types as types

SAMPLED = "a reply from the bridge test's model"


async def answer_sampling(context, params):
    return types.CreateMessageResult(
        role="assistant", content=types.TextContent(type="text", text=SAMPLED), model="bridge-ci"
    )


@asynccontextmanager
async def connect(url: str, token: str, mode: str):
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(30.0, read=60.0)) as hc:
        from mcp.client.streamable_http import streamable_http_client

        if MAJOR >= 2:
            from mcp import Client

            transport = streamable_http_client(url, http_client=hc)
            async with Client(transport, mode=mode, sampling_callback=answer_sampling) as client:
                era = "2026-07-28" if client.session.discover_result is not None else "2025-11-25"
                yield client, era
        else:
            from mcp import ClientSession

            async with streamable_http_client(url, http_client=hc) as (read, write, _):
                async with ClientSession(read, write, sampling_callback=answer_sampling) as session:
                    init = await session.initialize()
                    yield session, init.protocolVersion


def text_of(result) -> str:
    return "".join(getattr(c, "text", "") or "" for c in result.content)


def is_error(result) -> bool:
    return bool(result.is_error if MAJOR >= 2 else result.isError)


async def run(url: str, token: str, mode: str) -> int:
    results: list[tuple[str, bool, str]] = []

    async def check(name, body):
        try:
            results.append((name, True, await body() or ""))
        except Exception as e:  # noqa: BLE001 - every failure is reported
            results.append((name, False, traceback.format_exception_only(type(e), e)[-1].strip()))

    async with connect(url, token, mode) as (client, era):
        results.append(("connected through the bridge", True, f"protocol {era}"))

        async def tools():
            names = {t.name for t in (await client.list_tools()).tools}
            wanted = {"echo", "get-sum", "trigger-sampling-request"}
            assert wanted <= names, f"{sorted(wanted - names)} missing from {sorted(names)}"
            return f"{len(names)} tools"

        async def echo():
            res = await client.call_tool("echo", {"message": "through the bridge"})
            assert not is_error(res) and "through the bridge" in text_of(res), text_of(res)
            return repr(text_of(res))

        async def get_sum():
            res = await client.call_tool("get-sum", {"a": 2, "b": 40})
            assert not is_error(res) and "42" in text_of(res), text_of(res)
            return repr(text_of(res))

        async def resources():
            listed = (await client.list_resources()).resources
            assert listed, "no resources"
            uri = str(listed[0].uri)
            if MAJOR >= 2:
                read = await client.read_resource(uri)
            else:
                from pydantic import AnyUrl

                read = await client.read_resource(AnyUrl(uri))
            assert read.contents and str(read.contents[0].uri) == uri, f"{read!r}"
            return f"{len(listed)} listed, read {uri}"

        async def sampling():
            res = await client.call_tool("trigger-sampling-request", {"prompt": "a haiku", "maxTokens": 20})
            assert not is_error(res), text_of(res)
            assert SAMPLED in text_of(res), f"our answer is not in {text_of(res)!r}"
            return "the upstream got our sampling answer"

        await check("tools/list", tools)
        await check("tools/call echo", echo)
        await check("tools/call get-sum", get_sum)
        await check("resources/list + resources/read", resources)
        await check("sampling request from the upstream answered", sampling)

    for name, ok, detail in results:
        print(f"  {'ok  ' if ok else 'FAIL'}  python mcp {MAJOR}.x ({era}): {name}: {detail}")
    return 0 if all(ok for _, ok, _ in results) else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--mode", default="auto", choices=["auto", "legacy"])
    args = parser.parse_args()
    try:
        return asyncio.run(run(args.url, args.token, args.mode))
    except Exception as e:  # noqa: BLE001 - a failed connection is a failed check
        print(f"  FAIL  python mcp {MAJOR}.x ({args.mode}): {traceback.format_exception_only(type(e), e)[-1].strip()}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
