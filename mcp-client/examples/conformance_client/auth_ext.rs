//! The OAuth extensions' scenarios (`ext-auth`): client credentials with a
//! JWT or a secret, enterprise-managed authorization, workload identity
//! (JWT bearer) and DPoP. `MCP_CONFORMANCE_CONTEXT` carries the
//! credentials: the client id and its key or secret, the IdP and the
//! user's ID token, the workload's JWT.

use super::Scenario;
use quickmcp_client::auth::{
    Assertion, ClientAssertion, ClientAuth, ClientCredentials, ClientMetadata, Dpop, FetchRedirect, IdentityProvider,
    MachineGrant, OAuth, OAuthBuilder,
};
use serde_json::{Value, json};

/// The scenarios this module plays.
pub fn handles(name: &str) -> bool {
    matches!(
        name,
        "auth/client-credentials-jwt"
            | "auth/client-credentials-basic"
            | "auth/enterprise-managed-authorization"
            | "auth/wif-jwt-bearer"
            | "auth/dpop"
            | "auth/dpop-nonce"
    )
}

fn text<'a>(context: &'a Value, key: &str) -> Result<&'a str, String> {
    context[key].as_str().ok_or_else(|| format!("MCP_CONFORMANCE_CONTEXT has no {key}"))
}

/// The OAuth set-up a scenario asks for.
fn oauth(scenario: &str, context: &Value) -> Result<OAuthBuilder, Box<dyn std::error::Error>> {
    let secret = || -> Result<ClientAuth, String> {
        Ok(ClientAuth::Registered(ClientCredentials::confidential(
            text(context, "client_id")?,
            text(context, "client_secret")?,
        )))
    };
    let grant = match scenario {
        "auth/client-credentials-jwt" => MachineGrant::ClientCredentials {
            auth: ClientAuth::PrivateKeyJwt(ClientAssertion::from_pem(
                text(context, "client_id")?,
                text(context, "private_key_pem")?,
                context["signing_algorithm"].as_str().unwrap_or("ES256"),
            )?),
        },
        "auth/client-credentials-basic" => MachineGrant::ClientCredentials { auth: secret()? },
        "auth/enterprise-managed-authorization" => MachineGrant::EnterpriseManaged {
            idp: IdentityProvider {
                issuer: text(context, "idp_issuer")?.to_owned(),
                token_endpoint: text(context, "idp_token_endpoint")?.to_owned(),
                auth: ClientAuth::Registered(ClientCredentials::public(text(context, "idp_client_id")?)),
                id_token: text(context, "idp_id_token")?.to_owned(),
            },
            auth: secret()?,
        },
        "auth/wif-jwt-bearer" => MachineGrant::JwtBearer {
            assertion: Assertion::Jwt(text(context, "valid_jwt")?.to_owned()),
            auth: ClientAuth::Registered(ClientCredentials::public(text(context, "client_id")?)),
        },
        // DPoP: the authorization code flow, its tokens bound to a key.
        _ => {
            return Ok(OAuth::builder()
                .client_metadata(ClientMetadata {
                    client_name: "mcp-rs-conformance-client".into(),
                    redirect_uri: "http://localhost:3000/callback".into(),
                    ..ClientMetadata::default()
                })
                .on_authorize(FetchRedirect::default())
                .proof(Dpop::generate()?));
        }
    };
    Ok(OAuth::builder().grant(grant))
}

pub async fn run(scenario: &Scenario) -> Result<(), Box<dyn std::error::Error>> {
    let context: Value = std::env::var("MCP_CONFORMANCE_CONTEXT")
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let oauth = oauth(&scenario.name, &context)?.build();
    let client = scenario.builder().authorizer(oauth).connect_http(&scenario.url).await?;
    for tool in client.list_tools().await? {
        let name = tool["name"].as_str().unwrap_or_default();
        client.call_tool(name, json!({})).await?;
    }
    client.close().await;
    Ok(())
}
