//! The client the official conformance suite drives:
//! `conformance client --command "target/debug/examples/conformance_client" --scenario NAME`.
//! It reads the scenario from `MCP_CONFORMANCE_SCENARIO`, the revision from
//! `MCP_CONFORMANCE_PROTOCOL_VERSION` and the server's URL from its
//! argument, and does what the scenario expects of a client. Each family of
//! scenarios has a module of its own.

mod auth;
mod auth_ext;
mod core;
mod skills;
mod tools;

use quickmcp_client::{Client, ClientBuilder, Era};

/// What the suite told this run.
pub struct Scenario {
    /// The server's URL (the only argument).
    pub url: String,
    /// `MCP_CONFORMANCE_SCENARIO`, e.g. `tools_call` or `auth/metadata-default`.
    pub name: String,
    /// `MCP_CONFORMANCE_PROTOCOL_VERSION` (empty when not set).
    pub revision: String,
}

impl Scenario {
    fn from_env() -> Result<Self, Box<dyn std::error::Error>> {
        Ok(Self {
            url: std::env::args().nth(1).ok_or("usage: conformance_client URL")?,
            name: std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default(),
            revision: std::env::var("MCP_CONFORMANCE_PROTOCOL_VERSION").unwrap_or_default(),
        })
    }

    /// A client builder named for the suite and pinned to the revision's era.
    pub fn builder(&self) -> ClientBuilder {
        let builder = Client::builder().client_info("mcp-rs-conformance-client", "0.1.0");
        match self.revision.as_str() {
            "2026-07-28" => builder.era(Era::Stateless),
            "" => builder,
            _ => builder.era(Era::Session),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scenario = Scenario::from_env()?;
    match scenario.name.as_str() {
        "http-custom-headers" | "http-invalid-tool-headers" | "json-schema-2020-12-preservation" => {
            tools::run(&scenario).await
        }
        name if auth_ext::handles(name) => auth_ext::run(&scenario).await,
        name if name.starts_with("auth/") => auth::run(&scenario).await,
        name if name.starts_with("sep-2640-client-") => skills::run(&scenario).await,
        _ => core::run(&scenario).await,
    }
}
