"""A server written with the official Python SDK, for mcp-client's interop
checks (.ci/interop/client.sh): mcp 2.x's MCPServer (the renamed FastMCP),
or mcp 1.x's FastMCP when that is the SDK installed.

    python_server.py --stdio           # standard input and output
    python_server.py --port PORT       # Streamable HTTP at http://127.0.0.1:PORT/mcp

With mcp 2.x its tools ask the client through the SDK's resolvers
(`Elicit`, `Sample`, `ListRoots`): a mid-call request in the 2025-11-25
era, an `input_required` round in the 2026-07-28 era. With mcp 1.x
(2025-11-25 only) they ask through the request's `Context`.
"""

import argparse
from typing import Annotated

from pydantic import BaseModel

try:
    from mcp.server.mcpserver import Elicit, ListRoots, MCPServer, Resolve, Sample
    from mcp_types import CreateMessageResult, ListRootsResult, SamplingMessage, TextContent

    SDK2 = True
    server = MCPServer("python-interop", instructions="The Python SDK's side of mcp-client's interop checks.")
except ImportError:
    from mcp.server.fastmcp import Context, FastMCP
    from mcp.types import SamplingMessage, TextContent

    SDK2 = False
    server = FastMCP("python-interop", instructions="The Python SDK's side of mcp-client's interop checks.")


class Weather(BaseModel):
    city: str
    celsius: float


class Name(BaseModel):
    name: str


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two integers."""
    return a + b


@server.tool()
def weather(city: str) -> Weather:
    """Structured output: a fixed temperature for the city."""
    return Weather(city=city, celsius=21.5)


def haiku_prompt(topic: str):
    return SamplingMessage(role="user", content=TextContent(type="text", text=f"A haiku about {topic}"))


def sampled_text(sampled) -> str:
    return f"model {sampled.model} wrote: {getattr(sampled.content, 'text', sampled.content)}"


if SDK2:

    def ask_name() -> Elicit[Name]:
        return Elicit("What is your name?", Name)

    @server.tool()
    def greet(name: Annotated[Name, Resolve(ask_name)]) -> str:
        """Asks the user's name (elicitation), then greets them."""
        return f"Hello, {name.name}!"

    def sample_haiku(topic: str) -> Sample:
        return Sample([haiku_prompt(topic)], max_tokens=50)

    @server.tool()
    def haiku(topic: str, sampled: Annotated[CreateMessageResult, Resolve(sample_haiku)]) -> str:
        """Asks the client's model for a haiku (sampling)."""
        return sampled_text(sampled)

    def fetch_roots() -> ListRoots:
        return ListRoots()

    @server.tool()
    def roots(found: Annotated[ListRootsResult, Resolve(fetch_roots)]) -> str:
        """Lists the client's roots."""
        return " ".join(str(root.uri) for root in found.roots)

else:

    @server.tool()
    async def greet(ctx: Context) -> str:
        """Asks the user's name (elicitation), then greets them."""
        answer = await ctx.elicit("What is your name?", Name)
        if answer.action != "accept":
            raise ValueError(f"the name was not given ({answer.action})")
        return f"Hello, {answer.data.name}!"

    @server.tool()
    async def haiku(topic: str, ctx: Context) -> str:
        """Asks the client's model for a haiku (sampling)."""
        return sampled_text(await ctx.session.create_message(messages=[haiku_prompt(topic)], max_tokens=50))

    @server.tool()
    async def roots(ctx: Context) -> str:
        """Lists the client's roots."""
        found = await ctx.session.list_roots()
        return " ".join(str(root.uri) for root in found.roots)


@server.resource("config://interop")
def config() -> str:
    """A static resource."""
    return "interop=true"


@server.resource("greeting://{name}")
def greeting(name: str) -> str:
    """A resource template."""
    return f"Hello, {name}, from a template"


@server.prompt()
def review(code: str) -> str:
    """A prompt with one argument."""
    return f"Please review this code:\n{code}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdio", action="store_true")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.stdio:
        server.run()
    elif SDK2:
        server.run("streamable-http", host="127.0.0.1", port=args.port)
    else:
        server.settings.host, server.settings.port = "127.0.0.1", args.port
        server.run("streamable-http")
