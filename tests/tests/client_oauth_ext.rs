//! `quickmcp-client`'s machine-to-machine grants and DPoP against token
//! endpoints on real sockets: what each request carries, the nonce retry,
//! and that a refusal is final.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mcp_integration_tests::spawn;
use quickmcp_client::auth::metadata::AuthorizationServerMetadata;
use quickmcp_client::auth::{
    Assertion, ClientAssertion, ClientAuth, ClientCredentials, Dpop, Grant, GrantContext, IdentityProvider,
    MachineGrant, Tokens,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A test client key (PKCS#8, P-256) and its public half.
const CLIENT_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSSVniM1RqqjF29jo
Mt4a2TmRWIAKzZbmE+97Umiii4ChRANCAASCmrhoPFAkc/UIBh3m2cBNN9Jo5r0h
AudvGh+NDX4g4VsbRVag4bj2wkcrWeBTaGUrWMNHcZ/YVkgGESMADE0I
-----END PRIVATE KEY-----
";
const CLIENT_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgpq4aDxQJHP1CAYd5tnATTfSaOa9
IQLnbxofjQ1+IOFbG0VWoOG49sJHK1ngU2hlK1jDR3Gf2FZIBhEjAAxNCA==
-----END PUBLIC KEY-----
";

/// An `application/x-www-form-urlencoded` body, decoded.
fn form(body: &str) -> HashMap<String, String> {
    let decode = |s: &str| {
        let bytes = s.replace('+', " ").into_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    body.split('&').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (decode(k), decode(v))).collect()
}

/// The claims of a DPoP proof, checked against the key in its own header.
fn dpop_claims(headers: &HeaderMap) -> Value {
    let proof = headers.get("dpop").expect("a DPoP proof").to_str().unwrap();
    let header = jsonwebtoken::decode_header(proof).unwrap();
    assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
    let key = DecodingKey::from_jwk(header.jwk.as_ref().unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(proof, &key, &validation).unwrap().claims
}

/// Runs `grant` against the authorization server `issuer` (its token
/// endpoint at `/token`) for `resource` and `scope`.
async fn obtain(
    grant: &MachineGrant,
    issuer: &str,
    resource: Option<&str>,
    scope: Option<&str>,
    dpop: Option<&Dpop>,
) -> Result<Tokens, quickmcp_client::ClientError> {
    let server = AuthorizationServerMetadata {
        issuer: issuer.to_owned(),
        token_endpoint: Some(format!("{issuer}/token")),
        ..AuthorizationServerMetadata::default()
    };
    let http = reqwest::Client::new();
    let context = GrantContext {
        http: &http,
        server: &server,
        discovered: true,
        resource,
        scope,
        client: None,
        proof: dpop.map(|d| d as &dyn quickmcp_client::auth::proof::Proof),
    };
    grant.obtain(&context).await
}

fn json_answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

#[tokio::test]
async fn client_credentials_with_a_jwt_assertion_and_a_dpop_nonce_get_a_bound_token() {
    let seen = Arc::new(Mutex::new(Vec::<(HeaderMap, HashMap<String, String>)>::new()));
    let record = seen.clone();
    let base = spawn(axum::Router::new().route(
        "/token",
        post(move |headers: HeaderMap, body: String| {
            let record = record.clone();
            async move {
                let claims = dpop_claims(&headers);
                record.lock().unwrap().push((headers, form(&body)));
                if claims.get("nonce").is_none() {
                    let mut answer = json_answer(StatusCode::BAD_REQUEST, json!({"error": "use_dpop_nonce"}));
                    answer.headers_mut().insert("dpop-nonce", "nonce-1".parse().unwrap());
                    return answer;
                }
                json_answer(StatusCode::OK, json!({"access_token": "bound", "token_type": "DPoP", "expires_in": 60}))
            }
        }),
    ))
    .await;
    let token_url = format!("{base}/token");
    let dpop = Dpop::generate().unwrap();
    let grant = MachineGrant::ClientCredentials {
        auth: ClientAuth::PrivateKeyJwt(ClientAssertion::from_pem("robot", CLIENT_KEY, "ES256").unwrap()),
    };
    let token = obtain(&grant, &base, Some("http://mcp.example/mcp"), Some("read"), Some(&dpop)).await.unwrap();
    assert_eq!((token.access_token.as_str(), token.token_type.as_str()), ("bound", "DPoP"));

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "one refusal for the nonce, one retry");
    let (headers, body) = &seen[1];
    let proof = dpop_claims(headers);
    assert_eq!((proof["htm"].as_str(), proof["htu"].as_str()), (Some("POST"), Some(token_url.as_str())));
    assert_eq!(proof["nonce"], "nonce-1");
    assert!(proof.get("ath").is_none(), "no token is presented to the token endpoint");
    assert_ne!(dpop_claims(&seen[0].0)["jti"], proof["jti"], "the retry has a fresh proof");
    assert_eq!(body["grant_type"], "client_credentials");
    assert_eq!((body["scope"].as_str(), body["resource"].as_str()), ("read", "http://mcp.example/mcp"));
    assert_eq!(body["client_assertion_type"], "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[&base]);
    validation.set_issuer(&["robot"]);
    let key = DecodingKey::from_ec_pem(CLIENT_PUBLIC_KEY.as_bytes()).unwrap();
    let assertion = jsonwebtoken::decode::<Value>(&body["client_assertion"], &key, &validation).unwrap().claims;
    assert_eq!(assertion["sub"], "robot");
}

#[tokio::test]
async fn a_refused_workload_assertion_is_reported_and_not_retried() {
    let count = Arc::new(Mutex::new(0));
    let counter = count.clone();
    let base = spawn(axum::Router::new().route(
        "/token",
        post(move |body: String| {
            let counter = counter.clone();
            async move {
                *counter.lock().unwrap() += 1;
                let body = form(&body);
                assert_eq!(body["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer");
                assert_eq!((body["assertion"].as_str(), body["client_id"].as_str()), ("workload.jwt", "w"));
                json_answer(StatusCode::BAD_REQUEST, json!({"error": "invalid_grant", "error_description": "expired"}))
            }
        }),
    ))
    .await;
    let file = std::env::temp_dir().join(format!("mcp-client-wif-{}.jwt", std::process::id()));
    std::fs::write(&file, "workload.jwt\n").unwrap();
    let grant = MachineGrant::JwtBearer {
        assertion: Assertion::File(file.clone()),
        auth: ClientAuth::Registered(ClientCredentials::public("w")),
    };
    let error = obtain(&grant, &base, None, None, None).await.unwrap_err().to_string();
    let _ = std::fs::remove_file(file);
    assert!(error.contains("invalid_grant expired"), "{error}");
    assert_eq!(*count.lock().unwrap(), 1);
}

#[tokio::test]
async fn enterprise_managed_authorization_exchanges_the_id_token_then_presents_the_id_jag() {
    let idp = spawn(axum::Router::new().route(
        "/token",
        post(|body: String| async move {
            let body = form(&body);
            assert_eq!(body["grant_type"], "urn:ietf:params:oauth:grant-type:token-exchange");
            assert_eq!(body["subject_token"], "id-token");
            assert_eq!(body["subject_token_type"], "urn:ietf:params:oauth:token-type:id_token");
            assert_eq!(body["requested_token_type"], "urn:ietf:params:oauth:token-type:id-jag");
            assert_eq!(body["resource"], "http://mcp.example/mcp");
            assert_eq!(body["client_id"], "idp-client");
            let id_jag = format!("jag-for-{}", body["audience"]);
            json_answer(
                StatusCode::OK,
                json!({"access_token": id_jag, "issued_token_type": "urn:ietf:params:oauth:token-type:id-jag", "token_type": "N_A"}),
            )
        }),
    ))
    .await;
    let authorization_server = spawn(axum::Router::new().route(
        "/token",
        post(|headers: HeaderMap, body: String| async move {
            let body = form(&body);
            assert_eq!(headers["authorization"], "Basic YXBwOnMlM0FjcmV0");
            assert_eq!(body["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer");
            json_answer(
                StatusCode::OK,
                json!({"access_token": format!("at-{}", body["assertion"]), "token_type": "Bearer"}),
            )
        }),
    ))
    .await;
    let grant = MachineGrant::EnterpriseManaged {
        idp: IdentityProvider {
            issuer: idp.clone(),
            token_endpoint: format!("{idp}/token"),
            auth: ClientAuth::Registered(ClientCredentials::public("idp-client")),
            id_token: "id-token".into(),
        },
        auth: ClientAuth::Registered(ClientCredentials::confidential("app", "s:cret")),
    };
    let token = obtain(&grant, &authorization_server, Some("http://mcp.example/mcp"), None, None).await.unwrap();
    assert_eq!(token.access_token, format!("at-jag-for-{authorization_server}"));
}

/// What the DPoP-protected weather server saw.
#[derive(Default)]
struct Seen {
    /// The thumbprint of the key the token endpoint bound the token to.
    bound_to: Option<String>,
    /// `use_dpop_nonce` refusals sent by the MCP endpoint.
    nonce_challenges: usize,
    /// The `jti` of every proof presented to the MCP endpoint.
    jtis: Vec<String>,
    /// The `Authorization` schemes presented.
    schemes: Vec<String>,
}

/// The weather example behind DPoP: protected-resource and authorization
/// server metadata, a token endpoint binding tokens to the proof's key, and
/// an MCP endpoint that checks every proof and asks for a nonce once.
async fn dpop_weather(seen: Arc<Mutex<Seen>>) -> String {
    let guard = seen.clone();
    let protected = mcp_examples::weather::app(quickmcp_axum::McpConfig::default()).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let seen = guard.clone();
            async move {
                let host = request.headers()["host"].to_str().unwrap().to_owned();
                let metadata = format!("http://{host}/.well-known/oauth-protected-resource/mcp");
                let Some(authorization) = request.headers().get("authorization") else {
                    let challenge = format!(r#"DPoP resource_metadata="{metadata}""#);
                    return (StatusCode::UNAUTHORIZED, [("www-authenticate", challenge)]).into_response();
                };
                let (scheme, token) = authorization.to_str().unwrap().split_once(' ').unwrap();
                let proof = dpop_claims(request.headers());
                let header = jsonwebtoken::decode_header(request.headers()["dpop"].to_str().unwrap()).unwrap();
                let thumbprint = header.jwk.unwrap().thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256);
                {
                    let mut seen = seen.lock().unwrap();
                    seen.schemes.push(scheme.to_owned());
                    seen.jtis.push(proof["jti"].as_str().unwrap().to_owned());
                    assert_eq!(seen.bound_to.as_deref(), Some(thumbprint.as_str()), "the key the token is bound to");
                }
                assert_eq!(token, "bound-token");
                assert_eq!(proof["ath"], quickmcp_client::auth::dpop::token_hash(token));
                assert_eq!(proof["htm"], request.method().as_str());
                assert_eq!(proof["htu"], format!("http://{host}/mcp"));
                if proof["nonce"] != "rs-nonce" {
                    seen.lock().unwrap().nonce_challenges += 1;
                    let challenge = format!(r#"DPoP error="use_dpop_nonce", resource_metadata="{metadata}""#);
                    let headers = [("www-authenticate", challenge), ("dpop-nonce", "rs-nonce".to_owned())];
                    return (StatusCode::UNAUTHORIZED, headers).into_response();
                }
                next.run(request).await
            }
        },
    ));
    let bind = seen.clone();
    let authorization = axum::Router::new()
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            axum::routing::get(|headers: HeaderMap| async move {
                let base = format!("http://{}", headers["host"].to_str().unwrap());
                axum::Json(json!({"resource": format!("{base}/mcp"), "authorization_servers": [base]}))
            }),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            axum::routing::get(|headers: HeaderMap| async move {
                let base = format!("http://{}", headers["host"].to_str().unwrap());
                axum::Json(json!({
                    "issuer": base,
                    "token_endpoint": format!("{base}/token"),
                    "grant_types_supported": ["client_credentials"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                    "dpop_signing_alg_values_supported": ["ES256"],
                }))
            }),
        )
        .route(
            "/token",
            post(move |headers: HeaderMap, body: String| {
                let seen = bind.clone();
                async move {
                    let proof = dpop_claims(&headers);
                    assert!(proof.get("ath").is_none());
                    assert_eq!(form(&body)["grant_type"], "client_credentials");
                    let header = jsonwebtoken::decode_header(headers["dpop"].to_str().unwrap()).unwrap();
                    let thumbprint = header.jwk.unwrap().thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256);
                    seen.lock().unwrap().bound_to = Some(thumbprint);
                    json_answer(StatusCode::OK, json!({"access_token": "bound-token", "token_type": "DPoP"}))
                }
            }),
        );
    format!("{}/mcp", spawn(protected.merge(authorization)).await)
}

#[tokio::test]
async fn a_dpop_client_binds_its_token_proves_every_request_and_follows_the_server_nonce() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let url = dpop_weather(seen.clone()).await;
    let grant = MachineGrant::ClientCredentials {
        auth: ClientAuth::Registered(ClientCredentials::confidential("robot", "secret")),
    };
    let oauth = quickmcp_client::auth::OAuth::builder().grant(grant).proof(Dpop::generate().unwrap()).build();
    let client = quickmcp_client::Client::builder().authorizer(oauth).connect_http(&url).await.unwrap();
    assert!(client.list_tools().await.unwrap().iter().any(|t| t["name"] == "get_weather"));
    let weather = client.call_tool("get_weather", json!({"city": "Paris"})).await.unwrap();
    assert!(!weather.is_error, "{weather:?}");
    client.close().await;

    let seen = seen.lock().unwrap();
    assert_eq!(seen.nonce_challenges, 1, "the nonce, once given, is in every later proof");
    assert!(seen.schemes.iter().all(|s| s == "DPoP"), "{:?}", seen.schemes);
    let mut jtis = seen.jtis.clone();
    jtis.sort();
    jtis.dedup();
    assert_eq!(jtis.len(), seen.jtis.len(), "a fresh proof for every request");
    assert!(seen.jtis.len() >= 4, "{}", seen.jtis.len());
}
