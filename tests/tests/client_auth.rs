//! `quickmcp-client`'s OAuth flow over real sockets: the weather example behind
//! a guard that wants tokens from a small authorization server served
//! beside it (metadata, registration, an authorization endpoint that
//! consents at once, a token endpoint that checks PKCE). The client
//! discovers, registers, consents headlessly, retries, steps up its scope,
//! and refuses a forged `iss`.

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use mcp_examples::weather;
use mcp_integration_tests::spawn;
use quickmcp_client::auth::{ClientMetadata, FetchRedirect, MemoryStore, OAuth, TokenStore};
use quickmcp_client::{Client, ClientError, Era};
use serde_json::{Value, json};
use sha2::Digest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The authorization server and the guard in front of the MCP endpoint.
#[derive(Default)]
struct Mock {
    base: OnceLock<String>,
    /// What `iss` the authorization endpoint sends (`None`: the right one).
    forged_iss: Option<String>,
    /// The scope `tools/call` needs.
    call_scope: &'static str,
    /// A scope the authorization server never grants.
    withheld: Option<&'static str>,
    /// Whether the protected-resource metadata is padded past the client's bound.
    huge_metadata: bool,
    registrations: Mutex<usize>,
    /// Each authorization request's query.
    authorizations: Mutex<Vec<HashMap<String, String>>>,
    /// Code → (challenge, scope).
    codes: Mutex<HashMap<String, (String, String)>>,
    /// Token → scope.
    tokens: Mutex<HashMap<String, String>>,
}

type Shared = Arc<Mock>;

impl Mock {
    fn base(&self) -> &str {
        self.base.get().map(String::as_str).unwrap_or_default()
    }

    fn issuer(&self) -> String {
        format!("{}/as", self.base())
    }

    fn resource_metadata(&self) -> String {
        format!("{}/.well-known/oauth-protected-resource/mcp", self.base())
    }
}

async fn protected_resource(State(mock): State<Shared>) -> Json<Value> {
    let padding = if mock.huge_metadata { "x".repeat(300 * 1024) } else { String::new() };
    Json(json!({
        "resource": format!("{}/mcp", mock.base()),
        "authorization_servers": [mock.issuer()],
        "scopes_supported": ["weather:read"],
        "padding": padding,
    }))
}

async fn server_metadata(State(mock): State<Shared>) -> Json<Value> {
    let issuer = mock.issuer();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "registration_endpoint": format!("{issuer}/register"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "authorization_response_iss_parameter_supported": true,
        "scopes_supported": ["weather:read", "weather:write", "offline_access"],
    }))
}

async fn register(State(mock): State<Shared>, Json(body): Json<Value>) -> Response {
    assert_eq!(body["token_endpoint_auth_method"], "client_secret_post", "{body}");
    assert_eq!(body["application_type"], "native", "{body}");
    *mock.registrations.lock().unwrap() += 1;
    (StatusCode::CREATED, Json(json!({"client_id": "client-1", "client_secret": "secret-1"}))).into_response()
}

async fn authorize(State(mock): State<Shared>, Query(query): Query<HashMap<String, String>>) -> Redirect {
    let code = format!("code-{}", mock.codes.lock().unwrap().len());
    let scope = query.get("scope").cloned().unwrap_or_default();
    mock.codes.lock().unwrap().insert(code.clone(), (query["code_challenge"].clone(), scope));
    let iss = mock.forged_iss.clone().unwrap_or_else(|| mock.issuer());
    let mut target = reqwest::Url::parse(&query["redirect_uri"]).unwrap();
    target.query_pairs_mut().append_pair("code", &code).append_pair("state", &query["state"]).append_pair("iss", &iss);
    mock.authorizations.lock().unwrap().push(query);
    Redirect::to(target.as_str())
}

async fn token(State(mock): State<Shared>, body: String) -> Response {
    let form: HashMap<String, String> =
        reqwest::Url::parse(&format!("http://form/?{body}")).unwrap().query_pairs().into_owned().collect();
    let refused =
        |why: &str| (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": why})));
    if (form.get("client_id").map(String::as_str), form.get("client_secret").map(String::as_str))
        != (Some("client-1"), Some("secret-1"))
    {
        return refused("client authentication").into_response();
    }
    assert_eq!(form.get("resource"), Some(&format!("{}/mcp", mock.base())));
    let Some((challenge, scope)) =
        mock.codes.lock().unwrap().remove(form.get("code").map(String::as_str).unwrap_or(""))
    else {
        return refused("unknown code").into_response();
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    if computed != challenge {
        return refused("PKCE").into_response();
    }
    let scope: Vec<&str> = scope.split(' ').filter(|s| Some(*s) != mock.withheld).collect();
    let scope = scope.join(" ");
    let token = format!("token-{}", mock.tokens.lock().unwrap().len());
    mock.tokens.lock().unwrap().insert(token.clone(), scope.clone());
    Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": scope})).into_response()
}

/// Lets a request through with a known token, and `tools/call` only with
/// the call scope; else 401 or 403 with a challenge.
async fn guard(State(mock): State<Shared>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let method = serde_json::from_slice::<Value>(&bytes).ok().and_then(|m| m["method"].as_str().map(str::to_owned));
    let presented =
        parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let scope = presented.and_then(|token| mock.tokens.lock().unwrap().get(token).cloned());
    let challenge = |status: StatusCode, extra: &str| {
        let mut headers = HeaderMap::new();
        let value = format!(r#"Bearer resource_metadata="{}"{extra}"#, mock.resource_metadata());
        headers.insert(header::WWW_AUTHENTICATE, value.parse().unwrap());
        (status, headers).into_response()
    };
    let Some(scope) = scope else {
        return challenge(StatusCode::UNAUTHORIZED, "");
    };
    if method.as_deref() == Some("tools/call") && !scope.split(' ').any(|s| s == mock.call_scope) {
        return challenge(
            StatusCode::FORBIDDEN,
            &format!(r#", error="insufficient_scope", scope="{}""#, mock.call_scope),
        );
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

async fn start(mock: Mock) -> (Shared, String) {
    let mock = Arc::new(mock);
    let protected =
        weather::app(quickmcp_axum::McpConfig::default()).layer(middleware::from_fn_with_state(mock.clone(), guard));
    let app = Router::new()
        .route("/.well-known/oauth-protected-resource/mcp", get(protected_resource))
        .route("/.well-known/oauth-authorization-server/as", get(server_metadata))
        .route("/as/register", post(register))
        .route("/as/authorize", get(authorize))
        .route("/as/token", post(token))
        .with_state(mock.clone())
        .merge(protected);
    let base = spawn(app).await;
    mock.base.set(base.clone()).unwrap();
    (mock, format!("{base}/mcp"))
}

fn oauth(store: Arc<MemoryStore>) -> OAuth {
    OAuth::builder()
        .client_metadata(ClientMetadata { client_name: "tests".into(), ..ClientMetadata::default() })
        .on_authorize(FetchRedirect::default())
        .store(SharedStore(store))
        .build()
}

/// A store the test can look into after the client used it.
struct SharedStore(Arc<MemoryStore>);

impl TokenStore for SharedStore {
    fn tokens<'a>(
        &'a self,
        resource: &'a str,
    ) -> futures_util::future::BoxFuture<'a, Result<Option<quickmcp_client::auth::Tokens>, ClientError>> {
        self.0.tokens(resource)
    }
    fn set_tokens<'a>(
        &'a self,
        resource: &'a str,
        tokens: Option<quickmcp_client::auth::Tokens>,
    ) -> futures_util::future::BoxFuture<'a, Result<(), ClientError>> {
        self.0.set_tokens(resource, tokens)
    }
    fn client<'a>(
        &'a self,
        issuer: &'a str,
    ) -> futures_util::future::BoxFuture<'a, Result<Option<quickmcp_client::auth::ClientCredentials>, ClientError>>
    {
        self.0.client(issuer)
    }
    fn set_client<'a>(
        &'a self,
        issuer: &'a str,
        client: quickmcp_client::auth::ClientCredentials,
    ) -> futures_util::future::BoxFuture<'a, Result<(), ClientError>> {
        self.0.set_client(issuer, client)
    }
}

#[tokio::test]
async fn the_client_logs_in_when_refused_then_steps_up_for_a_call() {
    for era in [Era::Stateless, Era::Session] {
        let (mock, url) = start(Mock { call_scope: "weather:write", ..Mock::default() }).await;
        let store = Arc::new(MemoryStore::new());
        let client = Client::builder().era(era).authorizer(oauth(store.clone())).connect_http(&url).await.unwrap();
        let tools = client.list_tools().await.unwrap();
        assert!(tools.iter().any(|t| t["name"] == "get_weather"), "{era:?}");
        let weather: Value = client.call_tool_as("get_weather", json!({"city": "Paris"})).await.unwrap();
        assert_eq!(weather["city"], "Paris");

        assert_eq!(*mock.registrations.lock().unwrap(), 1, "{era:?}: one registration for both logins");
        let authorizations = mock.authorizations.lock().unwrap().clone();
        assert_eq!(authorizations.len(), 2, "{era:?}: a login, then a step-up");
        assert_eq!(authorizations[0]["scope"], "weather:read offline_access", "{era:?}: scopes_supported");
        assert_eq!(
            authorizations[1]["scope"], "weather:read offline_access weather:write",
            "{era:?}: held + challenged"
        );
        assert_eq!(authorizations[0]["resource"], url);
        assert_eq!(authorizations[0]["code_challenge_method"], "S256");
        let kept = store.tokens(&url).await.unwrap().expect("the tokens are kept");
        assert_eq!(kept.issuer, mock.issuer());
        assert!(store.client(&mock.issuer()).await.unwrap().is_some(), "the registration is kept per issuer");
    }
}

#[tokio::test]
async fn a_forged_iss_stops_the_login_before_the_code_is_used() {
    let forged =
        Mock { forged_iss: Some("https://evil.example.com".into()), call_scope: "weather:read", ..Mock::default() };
    let (mock, url) = start(forged).await;
    let error = Client::builder()
        .era(Era::Stateless)
        .authorizer(oauth(Arc::new(MemoryStore::new())))
        .connect_http(&url)
        .await
        .unwrap_err();
    assert!(matches!(&error, ClientError::Auth(why) if why.contains("evil.example.com")), "{error}");
    assert_eq!(mock.codes.lock().unwrap().len(), 1, "the code was never exchanged");
}

#[tokio::test]
async fn a_server_that_never_accepts_fails_the_call_after_a_few_logins() {
    // The call scope is never granted: the client steps up, then gives up.
    let stingy = Mock { call_scope: "weather:admin", withheld: Some("weather:admin"), ..Mock::default() };
    let (mock, url) = start(stingy).await;
    let client = Client::builder()
        .era(Era::Stateless)
        .authorizer(oauth(Arc::new(MemoryStore::new())))
        .connect_http(&url)
        .await
        .unwrap();
    let error = client.call_tool("get_weather", json!({"city": "Paris"})).await.unwrap_err();
    assert!(matches!(&error, ClientError::Auth(why) if why.contains("403")), "{error}");
    assert!(mock.authorizations.lock().unwrap().len() <= 1 + quickmcp_client::auth::MAX_REFUSALS);
}

#[tokio::test]
async fn a_metadata_document_past_the_bound_is_refused() {
    let (mock, url) = start(Mock { huge_metadata: true, call_scope: "weather:read", ..Mock::default() }).await;
    let error = Client::builder()
        .era(Era::Stateless)
        .authorizer(oauth(Arc::new(MemoryStore::new())))
        .connect_http(&url)
        .await
        .unwrap_err();
    let bound = quickmcp_client::auth::MAX_AUTH_BODY.to_string();
    assert!(matches!(&error, ClientError::Auth(why) if why.contains(&bound)), "{error}");
    assert!(mock.authorizations.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_login_kept_in_a_file_serves_the_next_run() {
    let (mock, url) = start(Mock { call_scope: "weather:read", ..Mock::default() }).await;
    let path = std::env::temp_dir().join(format!("mcp-client-auth-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let run = || {
        OAuth::builder()
            .on_authorize(FetchRedirect::default())
            .store(quickmcp_client::auth::FileStore::new(&path))
            .build()
    };
    run().login(&url).await.unwrap();
    assert_eq!(mock.authorizations.lock().unwrap().len(), 1);
    let client = Client::builder().era(Era::Stateless).authorizer(run()).connect_http(&url).await.unwrap();
    client.call_tool("get_weather", json!({"city": "Paris"})).await.unwrap();
    assert_eq!(mock.authorizations.lock().unwrap().len(), 1, "the second run used the kept token");
    let kept = std::fs::read_to_string(&path).unwrap();
    assert!(kept.contains(&mock.issuer()) && kept.contains("secret-1"), "{kept}");
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn the_mcp_command_logs_in_with_oauth_and_keeps_the_tokens() {
    use std::io::BufRead as _;
    let (mock, url) = start(Mock { call_scope: "weather:read", ..Mock::default() }).await;
    let folder = std::env::temp_dir().join(format!("mcp-cli-oauth-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let token_file = folder.join("tokens.json");
    let redirect_uri = {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}/callback", free.local_addr().unwrap().port())
    };
    let mcp = |stderr: std::process::Stdio| {
        let mut command = mcp_integration_tests::mcp_command();
        command.args(["call", &url, "get_weather", r#"{"city":"Paris"}"#, "--oauth", "--redirect-uri", &redirect_uri]);
        command.arg("--token-file").arg(&token_file).args(["--timeout", "30"]);
        command.stdout(std::process::Stdio::piped()).stderr(stderr);
        command
    };
    let mut first = mcp(std::process::Stdio::piped()).spawn().unwrap();
    // The user's step: the URL on stderr, opened by "the browser", which
    // the authorization server sends back to the loopback redirect URI.
    let stderr = first.stderr.take().unwrap();
    let url_line = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stderr).lines().map_while(Result::ok).find(|line| line.starts_with("http"))
    })
    .await
    .unwrap()
    .expect("mcp printed the authorization URL");
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let consent = browser.get(&url_line).send().await.unwrap();
    let back = consent.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(back.starts_with(&redirect_uri), "{back}");
    let landed = browser.get(&back).send().await.unwrap();
    assert!(landed.status().is_success(), "{}", landed.status());
    let first = tokio::task::spawn_blocking(move || first.wait_with_output().unwrap()).await.unwrap();
    assert!(first.status.success(), "{}", first.status);
    let result: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(result["structuredContent"]["city"], "Paris");

    // The next run finds the tokens in the file: no URL, no new consent.
    let mut second = mcp(std::process::Stdio::piped());
    let second = tokio::task::spawn_blocking(move || second.output().unwrap()).await.unwrap();
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    assert!(!String::from_utf8_lossy(&second.stderr).contains("open this URL"));
    assert_eq!(mock.authorizations.lock().unwrap().len(), 1);
    std::fs::remove_dir_all(&folder).unwrap();
}
