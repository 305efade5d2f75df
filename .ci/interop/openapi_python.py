#!/usr/bin/env python3
"""Interop check: the official MCP Python SDK (1.x or 2.x) calling tools
made from OpenAPI documents (tests/src/bin/openapi_fixture_server.rs): the
Petstore 3.0 document (called in process) and a 3.1 library document with
`$ref`, `oneOf`, path + query + header + body parameters and a name
collision (called over HTTP).

    openapi_python.py URL [--mode auto|legacy] [--expect-era stateless|session]

The SDK checks each structuredContent against the tool's outputSchema
itself. Exits non-zero when any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import traceback
from contextlib import asynccontextmanager
from importlib.metadata import version as dist_version

MAJOR = int(dist_version("mcp").split(".")[0])

EXPECTED_TOOLS = {"listPets", "createPets", "showPetById", "add_book", "searchBooks", "delete_books_id", "categoryTree"}


@asynccontextmanager
async def connect(url: str, mode: str):
    if MAJOR >= 2:
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        async with Client(streamable_http_client(url), mode=mode) as client:
            era = "stateless" if client.session.discover_result is not None else "session"
            yield client, era
    else:
        from mcp import ClientSession
        from mcp.client.streamable_http import streamable_http_client

        async with streamable_http_client(url) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session, "session"


def field(obj, snake: str, camel: str):
    return getattr(obj, snake) if MAJOR >= 2 else getattr(obj, camel)


def text_of(result) -> str:
    return "".join(getattr(c, "text", "") or "" for c in result.content)


async def call(client, name: str, arguments: dict, error: bool = False):
    result = await client.call_tool(name, arguments)
    is_error = field(result, "is_error", "isError")
    assert bool(is_error) == error, f"{name}: isError={is_error}: {text_of(result)!r}"
    return result


async def run(client) -> list[tuple[str, bool, str]]:
    results = []

    async def check(name, step):
        try:
            results.append((name, True, await step() or ""))
        except Exception as e:  # noqa: BLE001 - every failure is reported
            results.append((name, False, traceback.format_exception_only(type(e), e)[-1].strip()))

    async def tools():
        listed = await client.list_tools()
        names = {t.name for t in listed.tools}
        assert names == EXPECTED_TOOLS, f"{sorted(names)}"
        add = next(t for t in listed.tools if t.name == "add_book")
        properties = set(field(add, "input_schema", "inputSchema")["properties"])
        assert {"authorId", "body_authorId", "format"} <= properties, f"{sorted(properties)}"
        return ", ".join(sorted(names))

    async def petstore():
        created = await call(client, "createPets", {"id": 1, "name": "Rex", "tag": "dog"})
        assert text_of(created) == "201 Created", text_of(created)
        listed = await call(client, "listPets", {"limit": 10})
        structured = field(listed, "structured_content", "structuredContent")
        assert structured == {"result": [{"id": 1, "name": "Rex", "tag": "dog"}]}, structured
        shown = await call(client, "showPetById", {"petId": "1"})
        assert field(shown, "structured_content", "structuredContent")["name"] == "Rex"
        missing = await call(client, "showPetById", {"petId": "404"}, error=True)
        assert "404 Not Found" in text_of(missing), text_of(missing)
        return "create, list, show, 404"

    async def library():
        added = await call(client, "add_book", {
            "authorId": 3, "body_authorId": "p-3", "title": "Odes", "notify": True, "X-Request-Id": "py",
            "format": {"kind": "print", "pages": 120},
        })
        book = field(added, "structured_content", "structuredContent")
        assert book["authorId"] == 3 and book["publisherAuthorId"] == "p-3", book
        assert book["tags"] == ["notified", "request:py"], book
        found = await call(client, "searchBooks", {"tags": ["notified", "request:py"]})
        assert [b["title"] for b in field(found, "structured_content", "structuredContent")["result"]] == ["Odes"]
        tree = await call(client, "categoryTree", {})
        assert field(tree, "structured_content", "structuredContent")["name"] == "all"
        await call(client, "add_book", {"authorId": 3, "title": "x", "format": {"kind": "scroll"}}, error=True)
        return "add (collision, oneOf, header, query), search (exploded array), recursive output"

    async def template():
        uri = "library://books/1"
        if MAJOR < 2:
            from pydantic import AnyUrl

            uri = AnyUrl(uri)
        read = await client.read_resource(uri)
        book = json.loads(read.contents[0].text)
        assert book["title"] == "Odes", book
        return "library://books/{id}"

    await check("tools/list", tools)
    await check("petstore (3.0, in process)", petstore)
    await check("library (3.1, over HTTP)", library)
    await check("resource template", template)
    return results


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--mode", default="auto")
    parser.add_argument("--expect-era", choices=["stateless", "session"])
    args = parser.parse_args()
    async with connect(args.url, args.mode) as (client, era):
        print(f"mcp {dist_version('mcp')}: {era} era")
        results = await run(client)
    failed = 0
    if args.expect_era and era != args.expect_era:
        results.append(("era", False, f"{era}, expected {args.expect_era}"))
    for name, ok, detail in results:
        print(f"  {'PASS' if ok else 'FAIL'} {name}: {detail}")
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
