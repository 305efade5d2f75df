//! The OAuth scenarios (`auth/…`): the client meets a server that answers
//! 401, discovers its authorization server, registers (or uses the
//! credentials in `MCP_CONFORMANCE_CONTEXT`), consents headlessly and
//! retries with the token; then lists and calls the tools, which may ask
//! for more scope.

use super::Scenario;
use quickmcp_client::auth::{ClientCredentials, ClientMetadata, FetchRedirect, OAuth};
use serde_json::{Value, json};

/// The client ID metadata document the suite's authorization servers accept.
const METADATA_DOCUMENT: &str = "https://conformance-test.local/client-metadata.json";

pub async fn run(scenario: &Scenario) -> Result<(), Box<dyn std::error::Error>> {
    let context: Value = std::env::var("MCP_CONFORMANCE_CONTEXT")
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let mut oauth = OAuth::builder()
        .client_metadata(ClientMetadata {
            client_name: "mcp-rs-conformance-client".into(),
            redirect_uri: "http://localhost:3000/callback".into(),
            ..ClientMetadata::default()
        })
        .client_metadata_document(METADATA_DOCUMENT)
        .on_authorize(FetchRedirect::default());
    if let Some(client_id) = context["client_id"].as_str() {
        let client = match context["client_secret"].as_str() {
            Some(secret) => ClientCredentials::confidential(client_id, secret),
            None => ClientCredentials::public(client_id),
        };
        oauth = oauth.pre_registered(client, context["issuer"].as_str());
    }
    let client = scenario.builder().authorizer(oauth.build()).connect_http(&scenario.url).await?;
    for tool in client.list_tools().await? {
        let name = tool["name"].as_str().unwrap_or_default();
        client.call_tool(name, json!({})).await?;
    }
    client.close().await;
    Ok(())
}
