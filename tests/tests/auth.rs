//! The OAuth resource server over real HTTP, one row per case: each token
//! (or its absence) gets the status and `WWW-Authenticate` challenge the
//! MCP authorization specification gives, and refused requests leave no
//! session behind. A stand-in issuer on loopback serves its metadata, its
//! JWKS (rotated mid-test) and an introspection endpoint.

use axum::routing::{get, post};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mcp_integration_tests::{HttpClient, logged_while, spawn};
use quickmcp::auth::{Claims, Principal, RequireScopes};
use quickmcp::prelude::*;
use quickmcp::server::ServerBuilder;
use quickmcp_axum::McpRouter;
use quickmcp_axum::auth::{Auth, AuthConfig, IntrospectionVerifier, JwtVerifier};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const RESOURCE: &str = "https://mcp.test/mcp";
const METADATA: &str = "https://mcp.test/.well-known/oauth-protected-resource/mcp";

/// Says who is calling.
#[tool]
async fn whoami(principal: Principal) -> String {
    principal.subject().to_owned()
}

#[derive(serde::Deserialize)]
struct Team {
    team: String,
}

/// The caller's team, from a claim of its token.
#[tool]
async fn my_team(Claims(claims): Claims<Team>) -> String {
    claims.team
}

/// Writes a note (needs `notes:write`).
#[tool(scopes("notes:write"))]
async fn write_note(text: String) -> String {
    format!("wrote {text}")
}

/// A private note (needs `notes:read:private`).
#[resource("notes://private", scopes("notes:read:private"))]
async fn private_note() -> String {
    "secret".into()
}

/// A prompt for writers (needs `notes:write`).
#[prompt(scopes("notes:write"))]
async fn draft() -> String {
    "Draft a note.".into()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/fixtures/auth/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn jwk(name: &str) -> Value {
    serde_json::from_str(&fixture(&format!("{name}.jwk.json"))).unwrap()
}

/// The stand-in issuer: metadata, a JWKS that can be swapped, and RFC 7662
/// introspection of two opaque tokens.
struct Issuer {
    url: String,
    jwks: Arc<RwLock<Value>>,
    fetches: Arc<AtomicUsize>,
    /// While set, the JWKS is answered 503 (the issuer is down).
    down: Arc<AtomicBool>,
}

async fn issuer() -> Issuer {
    let jwks = Arc::new(RwLock::new(json!({"keys": [jwk("rsa-1"), jwk("ec-1"), jwk("ed-1")]})));
    let fetches = Arc::new(AtomicUsize::new(0));
    let down = Arc::new(AtomicBool::new(false));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (keys, count, base, is_down) = (jwks.clone(), fetches.clone(), url.clone(), down.clone());
    let iss = url.clone();
    let app = axum::Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(move || async move { axum::Json(json!({"issuer": base, "jwks_uri": format!("{base}/jwks")})) }),
        )
        .route(
            "/jwks",
            get(move || async move {
                count.fetch_add(1, Ordering::SeqCst);
                match is_down.load(Ordering::SeqCst) {
                    true => Err(axum::http::StatusCode::SERVICE_UNAVAILABLE),
                    false => Ok(axum::Json(keys.read().unwrap().clone())),
                }
            }),
        )
        .route(
            "/introspect",
            post(move |body: String| async move {
                let active = |iss: &str| json!({"active": true, "sub": "opaque-user", "scope": "notes:write", "aud": RESOURCE, "iss": iss});
                let answer = match body.split('&').find_map(|pair| pair.strip_prefix("token=")) {
                    Some("opaque-good") => active(&iss),
                    Some("opaque-foreign") => active("https://other-issuer.example"),
                    _ => json!({"active": false}),
                };
                axum::Json(answer)
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Issuer { url, jwks, fetches, down }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Claims that pass, changed by `edit`.
fn claims(issuer: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut claims = json!({"iss": issuer, "aud": RESOURCE, "sub": "alice", "exp": now() + 600, "scope": "notes:read", "team": "blue"});
    edit(&mut claims);
    claims
}

fn sign(claims: &Value, alg: Algorithm, kid: &str, key: &EncodingKey) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

/// Signed with `rsa-1`, its header typed `typ` (`None`: no `typ`).
fn sign_typed(claims: &Value, typ: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    header.typ = typ.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &rsa("rsa-1")).unwrap()
}

fn rsa(name: &str) -> EncodingKey {
    EncodingKey::from_rsa_pem(fixture(&format!("{name}.pem")).as_bytes()).unwrap()
}

fn b64(json: &Value) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
}

/// The notes server: declared scopes and nothing else (no middleware).
fn notes(configure: impl FnOnce(ServerBuilder) -> ServerBuilder) -> Server {
    let builder = Server::builder("auth", "0")
        .tools(tools![whoami, my_team, write_note])
        .resources(resources![private_note])
        .prompts(prompts![draft]);
    configure(builder).build()
}

/// The notes server behind `verifier`: `.auth(..)` is all it takes for
/// the declared scopes to be enforced.
async fn protected(verifier: impl quickmcp_axum::auth::TokenVerifier) -> (Server, String) {
    protected_with(verifier, |builder| builder).await
}

async fn protected_with(
    verifier: impl quickmcp_axum::auth::TokenVerifier,
    configure: impl FnOnce(ServerBuilder) -> ServerBuilder,
) -> (Server, String) {
    let server = notes(configure);
    let mut config = AuthConfig::new("unused", RESOURCE);
    config.scopes_supported = vec!["notes:read".into(), "notes:write".into()];
    let auth = Auth::new(config, verifier);
    let url = spawn(McpRouter::new(server.clone()).auth(auth).into_router()).await;
    (server, url)
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}})
}

/// Status, `WWW-Authenticate` and body of an `initialize` with `authorization`.
async fn attempt(url: &str, authorization: Option<&str>) -> (u16, String, reqwest::Response) {
    let client = HttpClient::new(format!("{url}/mcp"));
    let mut request = client.post_builder().body(initialize().to_string());
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    let challenge =
        response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (response.status().as_u16(), challenge, response)
}

#[tokio::test]
async fn every_token_gets_the_answer_the_specification_gives() {
    let issuer = issuer().await;
    let mut config = AuthConfig::new(&issuer.url, RESOURCE);
    config.leeway = Duration::from_secs(5);
    let verifier = JwtVerifier::new(&config).refresh_at_most_every(Duration::ZERO);
    let (server, url) = protected(verifier).await;
    let iss = issuer.url.clone();
    let good = sign(&claims(&iss, |_| {}), Algorithm::RS256, "rsa-1", &rsa("rsa-1"));
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "kid": "rsa-1"})), b64(&claims(&iss, |_| {})));
    let public_pem = fixture("rsa-1.pem"); // HS/RS confusion: an HMAC keyed with the RSA key's bytes
    let confused =
        sign(&claims(&iss, |_| {}), Algorithm::HS256, "rsa-1", &EncodingKey::from_secret(public_pem.as_bytes()));
    let ec = EncodingKey::from_ec_pem(fixture("ec-1.pem").as_bytes()).unwrap();
    let ed = EncodingKey::from_ed_pem(fixture("ed-1.pem").as_bytes()).unwrap();

    let rows: Vec<(&str, Option<String>, u16, &str)> = vec![
        ("no token", None, 401, ""),
        ("another scheme", Some("Basic dXNlcjpwdw==".into()), 401, ""),
        ("malformed header", Some("Bearer".into()), 400, "invalid_request"),
        ("not a JWT", Some("abc.def".into()), 401, "invalid_token"),
        (
            "expired",
            Some(sign(&claims(&iss, |c| c["exp"] = json!(now() - 3600)), Algorithm::RS256, "rsa-1", &rsa("rsa-1"))),
            401,
            "invalid_token",
        ),
        (
            "not yet valid",
            Some(sign(&claims(&iss, |c| c["nbf"] = json!(now() + 3600)), Algorithm::RS256, "rsa-1", &rsa("rsa-1"))),
            401,
            "invalid_token",
        ),
        (
            "wrong issuer",
            Some(sign(
                &claims(&iss, |c| c["iss"] = json!("https://evil.example")),
                Algorithm::RS256,
                "rsa-1",
                &rsa("rsa-1"),
            )),
            401,
            "invalid_token",
        ),
        (
            "wrong audience",
            Some(sign(
                &claims(&iss, |c| c["aud"] = json!("https://other.example/mcp")),
                Algorithm::RS256,
                "rsa-1",
                &rsa("rsa-1"),
            )),
            401,
            "invalid_token",
        ),
        (
            "no subject",
            Some(sign(
                &claims(&iss, |c| {
                    c.as_object_mut().unwrap().remove("sub");
                }),
                Algorithm::RS256,
                "rsa-1",
                &rsa("rsa-1"),
            )),
            401,
            "invalid_token",
        ),
        (
            "bad signature",
            Some(sign(&claims(&iss, |_| {}), Algorithm::RS256, "rsa-1", &rsa("rsa-2"))),
            401,
            "invalid_token",
        ),
        ("alg none", Some(none), 401, "invalid_token"),
        ("HS/RS confusion", Some(confused), 401, "invalid_token"),
        (
            "unknown kid",
            Some(sign(&claims(&iss, |_| {}), Algorithm::RS256, "rsa-2", &rsa("rsa-2"))),
            401,
            "invalid_token",
        ),
        ("typed as an ID token", Some(sign_typed(&claims(&iss, |_| {}), Some("id_token"))), 401, "invalid_token"),
        ("typed as a logout token", Some(sign_typed(&claims(&iss, |_| {}), Some("logout+jwt"))), 401, "invalid_token"),
        ("untyped", Some(sign_typed(&claims(&iss, |c| c["sub"] = json!("u")), None)), 200, ""),
        ("typed at+jwt", Some(sign_typed(&claims(&iss, |c| c["sub"] = json!("a")), Some("at+jwt"))), 200, ""),
        ("ES256", Some(sign(&claims(&iss, |_| {}), Algorithm::ES256, "ec-1", &ec)), 200, ""),
        ("EdDSA", Some(sign(&claims(&iss, |_| {}), Algorithm::EdDSA, "ed-1", &ed)), 200, ""),
        ("good token", Some(good.clone()), 200, ""),
    ];
    let mut sessions = 0;
    for (case, token, status, error) in rows {
        let authorization =
            token.map(|t| if t.starts_with("Basic") || t == "Bearer" { t } else { format!("Bearer {t}") });
        let (got, challenge, response) = attempt(&url, authorization.as_deref()).await;
        assert_eq!(got, status, "{case}: {challenge}");
        if status == 200 {
            sessions += 1;
            assert!(response.headers().contains_key("mcp-session-id"), "{case}");
            continue;
        }
        assert!(challenge.starts_with(&format!("Bearer resource_metadata=\"{METADATA}\"")), "{case}: {challenge}");
        assert!(challenge.contains("scope=\"notes:read notes:write\""), "{case}: {challenge}");
        match error {
            "" => assert!(!challenge.contains("error="), "{case}: {challenge}"),
            error => assert!(challenge.contains(&format!("error=\"{error}\"")), "{case}: {challenge}"),
        }
        assert!(!challenge.contains(&good), "{case}: no token in the challenge");
        assert_eq!(server.session_count().await.unwrap(), sessions, "{case}: no session left behind");
    }

    // The issuer rotates in a new key: a token signed with it is accepted after one refetch.
    issuer.jwks.write().unwrap()["keys"].as_array_mut().unwrap().push(jwk("rsa-2"));
    let rotated = sign(&claims(&iss, |_| {}), Algorithm::RS256, "rsa-2", &rsa("rsa-2"));
    let fetched = issuer.fetches.load(Ordering::SeqCst);
    assert_eq!(attempt(&url, Some(&format!("Bearer {rotated}"))).await.0, 200, "rotation");
    assert_eq!(issuer.fetches.load(Ordering::SeqCst), fetched + 1, "one refetch for the new key");
    for _ in 0..5 {
        assert_eq!(attempt(&url, Some(&format!("Bearer {rotated}"))).await.0, 200);
    }
    assert_eq!(issuer.fetches.load(Ordering::SeqCst), fetched + 1, "verified tokens and known keys are not refetched");
}

#[tokio::test]
async fn unknown_keys_refetch_the_jwks_at_most_once_per_interval() {
    let issuer = issuer().await;
    let config = AuthConfig::new(&issuer.url, RESOURCE);
    let (_, url) = protected(JwtVerifier::new(&config)).await;
    for n in 0..5 {
        let forged = sign(&claims(&issuer.url, |_| {}), Algorithm::RS256, &format!("made-up-{n}"), &rsa("rsa-2"));
        assert_eq!(attempt(&url, Some(&format!("Bearer {forged}"))).await.0, 401);
    }
    assert_eq!(issuer.fetches.load(Ordering::SeqCst), 1, "made-up key ids cannot flood the issuer");
}

#[tokio::test]
async fn scopes_identity_and_session_owners() {
    let issuer = issuer().await;
    let config = AuthConfig::new(&issuer.url, RESOURCE);
    let (server, url) = protected(JwtVerifier::new(&config)).await;
    let alice = sign(&claims(&issuer.url, |_| {}), Algorithm::RS256, "rsa-1", &rsa("rsa-1"));
    let bob = sign(&claims(&issuer.url, |c| c["sub"] = json!("bob")), Algorithm::RS256, "rsa-1", &rsa("rsa-1"));
    let (_, _, response) = attempt(&url, Some(&format!("Bearer {alice}"))).await;
    let session = response.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let call = |token: &str, name: &str, arguments: Value| {
        let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": name, "arguments": arguments}});
        HttpClient::new(format!("{url}/mcp"))
            .post_with(&[("authorization", &format!("Bearer {token}")), ("mcp-session-id", &session)])
            .body(body.to_string())
            .send()
    };

    let me = call(&alice, "whoami", json!({})).await.unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.unwrap()["result"]["content"][0]["text"], "alice", "the tool sees the subject");

    let team = call(&alice, "my_team", json!({})).await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(team["result"]["content"][0]["text"], "blue", "claims typed by the tool");

    let refused = call(&alice, "write_note", json!({"text": "x"})).await.unwrap();
    assert_eq!(refused.status(), 403, "missing scope");
    let challenge = refused.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.starts_with(&format!("Bearer resource_metadata=\"{METADATA}\"")), "{challenge}");
    assert!(
        challenge.contains("scope=\"notes:write\"") && challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert_eq!(refused.json::<Value>().await.unwrap()["error"]["code"], -32003);

    let hijack = call(&bob, "whoami", json!({})).await.unwrap();
    assert_eq!(hijack.status(), 404, "another principal cannot use alice's session");
    assert_eq!(server.session_count().await.unwrap(), 1);

    let writer = sign(
        &claims(&issuer.url, |c| {
            c["sub"] = json!("carol");
            c["scope"] = json!("notes:write");
        }),
        Algorithm::RS256,
        "rsa-1",
        &rsa("rsa-1"),
    );
    let (_, _, response) = attempt(&url, Some(&format!("Bearer {writer}"))).await;
    let mut client = HttpClient::new(format!("{url}/mcp"));
    client.session = Some(response.headers()["mcp-session-id"].to_str().unwrap().to_owned());
    let list = client
        .post_with(&[("authorization", &format!("Bearer {alice}"))])
        .body(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 404, "the writer's session is the writer's");
    let (_, _, response) = attempt(&url, Some(&format!("Bearer {alice}"))).await;
    let mut alices = HttpClient::new(format!("{url}/mcp"));
    alices.session = Some(response.headers()["mcp-session-id"].to_str().unwrap().to_owned());
    let list: Value = alices
        .post_with(&[("authorization", &format!("Bearer {alice}"))])
        .body(json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}).to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> =
        list["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["whoami", "my_team"], "lists hide what the caller may not use");
}

#[tokio::test]
async fn protected_resource_metadata_is_served_at_both_paths() {
    let issuer = issuer().await;
    let config = AuthConfig::new(&issuer.url, RESOURCE);
    let (_, url) = protected(JwtVerifier::new(&config)).await;
    for path in ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"] {
        let response = reqwest::get(format!("{url}{path}")).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let metadata: Value = response.json().await.unwrap();
        assert_eq!(metadata["resource"], RESOURCE);
        assert_eq!(metadata["authorization_servers"], json!(["unused"]));
        assert_eq!(metadata["scopes_supported"], json!(["notes:read", "notes:write"]));
    }
}

#[tokio::test]
async fn opaque_tokens_are_introspected() {
    let issuer = issuer().await;
    let verifier = IntrospectionVerifier::new(format!("{}/introspect", issuer.url), RESOURCE);
    let (server, url) = protected(verifier).await;
    assert_eq!(attempt(&url, Some("Bearer opaque-good")).await.0, 200, "active");
    let (status, challenge, _) = attempt(&url, Some("Bearer opaque-revoked")).await;
    assert_eq!((status, challenge.contains("error=\"invalid_token\"")), (401, true), "inactive");
    assert_eq!(server.session_count().await.unwrap(), 1);
}

#[tokio::test]
async fn scopes_on_resources_and_prompts_and_in_the_stateless_era() {
    let issuer = issuer().await;
    let config = AuthConfig::new(&issuer.url, RESOURCE);
    let (server, url) = protected(JwtVerifier::new(&config)).await;
    let alice = sign(&claims(&issuer.url, |_| {}), Algorithm::RS256, "rsa-1", &rsa("rsa-1"));
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
    });
    let stateless = |method: &'static str, name: &'static str, params: Value| {
        let body = json!({"jsonrpc": "2.0", "id": 5, "method": method, "params": params});
        HttpClient::new(format!("{url}/mcp"))
            .post_with(&[
                ("authorization", &format!("Bearer {alice}")),
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", method),
                ("mcp-name", name),
            ])
            .body(body.to_string())
            .send()
    };
    let cases = [
        ("resources/read", "notes://private", json!({"uri": "notes://private", "_meta": meta}), "notes:read:private"),
        ("prompts/get", "draft", json!({"name": "draft", "_meta": meta}), "notes:write"),
        (
            "tools/call",
            "write_note",
            json!({"name": "write_note", "arguments": {"text": "x"}, "_meta": meta}),
            "notes:write",
        ),
    ];
    for (method, name, params, scope) in cases {
        let refused = stateless(method, name, params).await.unwrap();
        let status = refused.status();
        let challenge =
            refused.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        assert_eq!(status, 403, "{method}: {}", refused.text().await.unwrap());
        assert!(challenge.contains(&format!("scope=\"{scope}\"")), "{method}: {challenge}");
    }
    let me =
        stateless("tools/call", "whoami", json!({"name": "whoami", "arguments": {}, "_meta": meta})).await.unwrap();
    assert_eq!(me.json::<Value>().await.unwrap()["result"]["content"][0]["text"], "alice");
    assert_eq!(server.session_count().await.unwrap(), 0, "the stateless era opens no sessions");
}

#[tokio::test]
async fn a_failed_key_fetch_is_a_503_and_tokens_verify_as_soon_as_the_issuer_is_back() {
    let issuer = issuer().await;
    issuer.down.store(true, Ordering::SeqCst);
    let config = AuthConfig::new(&issuer.url, RESOURCE);
    let (_, url) = protected(JwtVerifier::new(&config)).await;
    let good = format!("Bearer {}", sign(&claims(&issuer.url, |_| {}), Algorithm::RS256, "rsa-1", &rsa("rsa-1")));
    for attempt_number in 0..3 {
        let (status, challenge, response) = attempt(&url, Some(&good)).await;
        assert_eq!(
            status, 503,
            "attempt {attempt_number}: the issuer is down, the token is not known bad: {challenge}"
        );
        assert_eq!(response.headers()["retry-after"], "1");
        let body: Value = response.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("the token issuer does not answer"), "{message}");
    }
    assert_eq!(issuer.fetches.load(Ordering::SeqCst), 1, "failed fetches are retried after a backoff, not per request");

    issuer.down.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(attempt(&url, Some(&good)).await.0, 200, "the issuer is back: its tokens verify within the backoff");
    assert_eq!(issuer.fetches.load(Ordering::SeqCst), 2);

    let unknown = sign(&claims(&issuer.url, |_| {}), Algorithm::RS256, "made-up", &rsa("rsa-2"));
    let (status, challenge, _) = attempt(&url, Some(&format!("Bearer {unknown}"))).await;
    assert_eq!(status, 401, "a key the issuer's current keys lack is unknown: {challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert_eq!(issuer.fetches.load(Ordering::SeqCst), 2, "no refetch within the refresh interval after a success");
}

#[tokio::test]
async fn with_rfc_9068_required_only_at_jwt_tokens_pass() {
    let issuer = issuer().await;
    let mut config = AuthConfig::new(&issuer.url, RESOURCE);
    config.require_at_jwt = true;
    let (_, url) = protected(JwtVerifier::new(&config)).await;
    let iss = issuer.url.clone();
    for (typ, status) in [
        (Some("at+jwt"), 200),
        (Some("application/at+jwt"), 200),
        (Some("JWT"), 401),
        (Some("id_token"), 401),
        (None, 401),
    ] {
        let token = sign_typed(&claims(&iss, |_| {}), typ);
        let (got, challenge, _) = attempt(&url, Some(&format!("Bearer {token}"))).await;
        assert_eq!(got, status, "{typ:?}: {challenge}");
        if status == 401 {
            assert!(challenge.contains("not typed at+jwt"), "{typ:?}: {challenge}");
        }
    }
}

#[tokio::test]
async fn an_introspection_answer_from_another_issuer_is_refused() {
    let issuer = issuer().await;
    let verifier = IntrospectionVerifier::new(format!("{}/introspect", issuer.url), RESOURCE).issuer(&issuer.url);
    let (server, url) = protected(verifier).await;
    assert_eq!(attempt(&url, Some("Bearer opaque-good")).await.0, 200, "the configured issuer");
    let (status, challenge, _) = attempt(&url, Some("Bearer opaque-foreign")).await;
    assert_eq!(status, 401, "{challenge}");
    assert!(challenge.contains("from another issuer"), "{challenge}");
    assert_eq!(server.session_count().await.unwrap(), 1);
}

/// A `tools/call` of `name` over a fresh session, as `token` (none: no
/// `Authorization`); the status and the body.
async fn call_tool(url: &str, token: Option<&str>, name: &str, arguments: Value) -> (u16, Value) {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let auth: Vec<(&str, &str)> = bearer.iter().map(|b| ("authorization", b.as_str())).collect();
    let mut client = HttpClient::new(format!("{url}/mcp"));
    let response = client.post_with(&auth).body(initialize().to_string()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    client.session = Some(response.headers()["mcp-session-id"].to_str().unwrap().to_owned());
    let body =
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": name, "arguments": arguments}});
    let response = client.post_with(&auth).body(body.to_string()).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn without_authentication_the_router_names_the_scopes_nothing_enforces() {
    let mut router = None;
    let log = logged_while(|| router = Some(McpRouter::new(notes(|b| b)).into_router()));
    for expected in [
        "WARN",
        "tool `write_note` (notes:write)",
        "resource `notes://private` (notes:read:private)",
        "prompt `draft` (notes:write)",
        "McpRouter::auth",
        "MCP_AUTH_ISSUER",
    ] {
        assert!(log.contains(expected), "{expected:?} in {log}");
    }
    let url = spawn(router.unwrap()).await;
    let (status, body) = call_tool(&url, None, "write_note", json!({"text": "x"})).await;
    assert_eq!((status, &body["result"]["content"][0]["text"]), (200, &json!("wrote x")), "no auth: no confusing 403");

    let plain = Server::builder("plain", "0").tools(tools![whoami]).build();
    assert!(logged_while(|| drop(McpRouter::new(plain).into_router::<()>())).is_empty(), "nothing to say");
    let issuer = issuer().await;
    let config = AuthConfig::new(&issuer.url, RESOURCE);
    let auth = Auth::new(config.clone(), JwtVerifier::new(&config));
    let log = logged_while(|| drop(McpRouter::new(notes(|b| b)).auth(auth).into_router::<()>()));
    assert!(!log.contains("McpRouter::auth"), "with auth, scopes are enforced: {log}");
}

#[tokio::test]
async fn require_scopes_also_refuses_callers_without_a_principal() {
    let url = spawn(McpRouter::new(notes(|b| b.middleware(RequireScopes::new()))).into_router()).await;
    let (status, body) = call_tool(&url, None, "write_note", json!({"text": "x"})).await;
    assert_eq!((status, &body["error"]["code"]), (403, &json!(-32003)), "{body}");
    assert_eq!(call_tool(&url, None, "my_team", json!({})).await.0, 200, "what declares no scope is not refused");
}

#[tokio::test]
async fn lists_can_show_what_the_caller_may_not_use_and_calls_still_refuse_it() {
    let issuer = issuer().await;
    let config = AuthConfig::new(&issuer.url, RESOURCE);
    let (_, url) = protected_with(JwtVerifier::new(&config), |b| b.show_scoped_in_lists(true)).await;
    let alice = sign(&claims(&issuer.url, |_| {}), Algorithm::RS256, "rsa-1", &rsa("rsa-1"));
    let mut client = HttpClient::with_bearer(format!("{url}/mcp"), &alice);
    client.initialize().await;
    let list = &client.request(3, "tools/list", json!({})).await[0];
    let names: Vec<&str> =
        list["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["whoami", "my_team", "write_note"]);
    assert_eq!(call_tool(&url, Some(&alice), "write_note", json!({"text": "x"})).await.0, 403);
}
