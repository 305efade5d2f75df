//! OpenAPI → tools: what fails at build time (each error names the
//! operation), and the edges of a call: forwarded `Authorization`, default
//! headers, the answer's size bound, a dead API.

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use mcp_integration_tests::openapi_apps::{PETSTORE, petstore_app};
use mcp_integration_tests::{Era, EraClient, HttpClient, spawn};
use quickmcp_openapi::{ForwardAuthorization, OpenApi, OpenApiError, RouteMap};
use serde_json::{Value, json};

fn document(paths: Value) -> Value {
    json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths,
        "components": {"schemas": {"Thing": {"type": "object", "properties": {"n": {"type": "integer"}}}}}})
}

fn build_error(doc: Value) -> String {
    let built = OpenApi::from_value(doc).and_then(|api| api.in_process(Router::new()).build());
    built.map(|_| ()).unwrap_err().to_string()
}

fn ok() -> Value {
    json!({"200": {"description": "ok"}})
}

#[test]
fn unsupported_and_malformed_documents_are_refused() {
    let swagger = OpenApi::from_value(json!({"swagger": "2.0", "paths": {}})).err().unwrap();
    assert_eq!(
        swagger.to_string(),
        r#"unsupported OpenAPI document: Swagger "2.0" (OpenAPI 2.0); convert it to OpenAPI 3 first"#
    );
    let future = OpenApi::from_value(json!({"openapi": "4.0.0"})).err().unwrap();
    assert_eq!(future.to_string(), "unsupported OpenAPI document: OpenAPI 4.0.0; 3.0 and 3.1 are supported");
    let not_json = OpenApi::from_json("{ nope").err().unwrap();
    assert!(matches!(not_json, OpenApiError::Malformed(_)), "{not_json}");
    let paths = OpenApi::from_value(json!({"openapi": "3.1.0", "paths": []})).err().unwrap();
    assert_eq!(paths.to_string(), "malformed OpenAPI document: `paths` is not an object");
    let no_backend = OpenApi::from_json(PETSTORE).unwrap().build().err().unwrap();
    assert_eq!(no_backend.to_string(), "OpenAPI backend: no backend: call `.in_process(app)` or `.http(base_url)`");
}

#[test]
fn problems_in_an_operation_name_it() {
    let undeclared = document(json!({"/pets/{petId}": {"get": {"operationId": "showPet", "responses": ok()}}}));
    assert_eq!(
        build_error(undeclared),
        "GET /pets/{petId} (operationId showPet): path parameter `{petId}` is not declared in `parameters` (with `in: path`)"
    );
    let dangling = document(json!({"/things": {"post": {"operationId": "addThing", "responses": ok(),
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}}}}));
    assert_eq!(
        build_error(dangling),
        "POST /things (operationId addThing): `$ref: #/components/schemas/Nope` points at nothing"
    );
    let external = document(json!({"/things": {"get": {"responses": {"200": {"description": "ok",
        "content": {"application/json": {"schema": {"$ref": "other.json#/Thing"}}}}}}}}));
    assert_eq!(
        build_error(external),
        "GET /things: `$ref: other.json#/Thing` points outside the document; only local `#/...` references are supported"
    );
    let upload = document(json!({"/files": {"post": {"operationId": "upload", "responses": ok(),
        "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}}}}}));
    assert_eq!(
        build_error(upload),
        "POST /files (operationId upload): its request body is multipart/form-data, not JSON; only JSON bodies are supported (leave it out with RouteMap::exclude())"
    );
    let duplicate = document(json!({
        "/a": {"get": {"operationId": "list things", "responses": ok()}},
        "/b": {"get": {"operationId": "list_things", "responses": ok()}},
    }));
    assert_eq!(
        build_error(duplicate),
        "GET /a (operationId list things) and GET /b (operationId list_things) both become `list_things`; rename one (OpenApi::rename)"
    );
    let bad_pattern = OpenApi::from_json(PETSTORE)
        .unwrap()
        .in_process(Router::new())
        .route_map(RouteMap::exclude().path("("))
        .build();
    assert!(matches!(bad_pattern, Err(OpenApiError::InvalidPattern(_))));
    let post_resource = OpenApi::from_json(PETSTORE)
        .unwrap()
        .in_process(Router::new())
        .route_map(RouteMap::resource().path("^/pets$"))
        .build()
        .err()
        .unwrap();
    assert_eq!(
        post_resource.to_string(),
        "POST /pets (operationId createPets): only GET operations can be resources; map it to a tool"
    );
}

#[test]
fn route_maps_and_the_rename_hook_choose_what_and_how() {
    let generated = OpenApi::from_json(PETSTORE)
        .unwrap()
        .in_process(petstore_app())
        .route_map(RouteMap::exclude().method(axum::http::Method::POST))
        .route_map(RouteMap::resource().tag("pets").path(r"\{petId\}"))
        .rename(|route| Some(format!("petstore.{}", route.name)))
        .build()
        .unwrap();
    let tools: Vec<&str> = generated.tools.iter().map(|t| t.tool.name.as_str()).collect();
    assert_eq!(tools, ["petstore.listPets"]);
    assert_eq!(generated.resources.len(), 1);
    assert_eq!(generated.resources[0].key(), "openapi://pets/{petId}");
}

/// An API that answers with the `Authorization` and `X-Api-Key` it got, or
/// two megabytes.
fn echo_app() -> Router {
    let echo = |headers: HeaderMap| async move {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("none").to_owned();
        axum::Json(json!({"authorization": get("authorization"), "key": get("x-api-key")}))
    };
    Router::new().route("/echo", get(echo)).route("/big", get(|| async { "x".repeat(2 << 20) }))
}

fn echo_document() -> Value {
    document(json!({
        "/echo": {"get": {"operationId": "echo", "responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/big": {"get": {"operationId": "big", "responses": ok()}},
    }))
}

#[tokio::test]
async fn the_callers_authorization_and_default_headers_are_sent_on() {
    let generated = OpenApi::from_value(echo_document())
        .unwrap()
        .in_process(echo_app())
        .header("X-Api-Key", "k1")
        .forward_authorization()
        .build()
        .unwrap();
    let server = quickmcp::Server::builder("echo", "1.0.0").tools(generated.tools).build();
    let app = quickmcp_axum::McpRouter::new(server).into_router().layer(ForwardAuthorization);
    let url = format!("{}/mcp", spawn(app).await);
    let mut http = HttpClient::with_bearer(url.clone(), "t0ken");
    http.initialize().await;
    let answer = http.request(2, "tools/call", json!({"name": "echo", "arguments": {}})).await;
    let result = &answer.last().unwrap()["result"];
    assert_eq!(result["structuredContent"], json!({"authorization": "Bearer t0ken", "key": "k1"}), "{result}");
    let anonymous = EraClient::connect(url, Era::Session, json!({})).await;
    let result = anonymous.call("echo", json!({})).await;
    assert_eq!(result["structuredContent"], json!({"authorization": "none", "key": "k1"}));
}

#[tokio::test]
async fn answers_are_bounded_and_a_dead_api_is_a_tool_error() {
    let generated = OpenApi::from_value(echo_document())
        .unwrap()
        .in_process(echo_app())
        .max_response_bytes(1 << 20)
        .build()
        .unwrap();
    let client =
        EraClient::start(quickmcp::Server::builder("t", "1").tools(generated.tools).build(), Era::Session).await;
    let big = client.call("big", json!({})).await;
    assert_eq!(big["isError"], true);
    assert_eq!(big["content"][0]["text"], "GET /big: the answer is larger than 1048576 bytes");
    // Nothing listens on port 9 of 127.0.0.1 (discard), so the request fails.
    let dead = OpenApi::from_value(echo_document()).unwrap().http("http://127.0.0.1:9").build().unwrap();
    let client = EraClient::start(quickmcp::Server::builder("t", "1").tools(dead.tools).build(), Era::Session).await;
    let failed = client.call("echo", json!({})).await;
    assert_eq!(failed["isError"], true);
    assert!(failed["content"][0]["text"].as_str().unwrap().starts_with("GET /echo: the request failed: "), "{failed}");
}

#[tokio::test]
async fn a_document_from_a_url_with_a_get_as_a_fixed_resource() {
    let petstore = petstore_app().route("/openapi.json", get(|| async { PETSTORE }));
    let base = spawn(petstore).await;
    let generated = OpenApi::from_url(&format!("{base}/openapi.json"))
        .await
        .unwrap()
        .route_map(RouteMap::resource().method(axum::http::Method::GET).path("^/pets$"))
        .http(&base)
        .build()
        .unwrap();
    assert_eq!(generated.resources[0].key(), "openapi://pets");
    let server = quickmcp::Server::builder("t", "1").tools(generated.tools).resources(generated.resources).build();
    let client = EraClient::start(server, Era::Stateless).await;
    client.call("createPets", json!({"id": 5, "name": "Kit"})).await;
    let read = client.request("resources/read", json!({"uri": "openapi://pets"})).await;
    assert_eq!(read["contents"][0]["mimeType"], "application/json");
    let pets: Value = serde_json::from_str(read["contents"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(pets, json!([{"id": 5, "name": "Kit", "tag": null}]));
    let missing = OpenApi::from_url(&format!("{base}/nothing.json")).await.err().unwrap();
    assert!(missing.to_string().starts_with("cannot load the OpenAPI document: "), "{missing}");
}
