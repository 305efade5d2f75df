//! The fixtures' tools over standard input and output: the child process
//! the client's stdio transport is tested against.

use mcp_integration_tests::fixtures::{add, nap, readme};
use quickmcp::prelude::*;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    Server::builder("stdio-fixture", "0")
        .tools(tools![add, nap])
        .resources(resources![readme])
        .build()
        .serve_stdio()
        .await
}
