//! The REST apps the OpenAPI tests turn into tools: the classic Petstore
//! (OpenAPI 3.0) and a library (OpenAPI 3.1 with `$ref`, `oneOf`, path +
//! query + header + body parameters and a name collision), with their
//! documents; and the MCP server built from both, which the Python SDK's
//! interop script also calls (`openapi_fixture_server`).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use quickmcp_openapi::{OpenApi, RouteMap};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// The Petstore document (OpenAPI 3.0.0, the OpenAPI Initiative's example).
pub const PETSTORE: &str = include_str!("../../mcp-openapi/tests/fixtures/petstore.json");
/// The library document (OpenAPI 3.1.0).
pub const LIBRARY: &str = include_str!("../../mcp-openapi/tests/fixtures/library.json");

type Pets = Arc<Mutex<Vec<Value>>>;

/// The Petstore: `GET /pets?limit`, `POST /pets` (201, no body),
/// `GET /pets/{petId}` (404 with an `Error` when there is none).
pub fn petstore_app() -> Router {
    let pets: Pets = Arc::default();
    Router::new()
        .route("/pets", get(list_pets).post(create_pet))
        .route("/pets/{pet_id}", get(show_pet))
        .with_state(pets)
}

async fn list_pets(State(pets): State<Pets>, RawQuery(query): RawQuery) -> Json<Vec<Value>> {
    let limit = query_values(query.as_deref(), "limit").first().and_then(|l| l.parse().ok()).unwrap_or(100);
    Json(pets.lock().unwrap().iter().take(limit).cloned().collect())
}

async fn create_pet(State(pets): State<Pets>, Json(pet): Json<Value>) -> Response {
    if !pet["id"].is_i64() || !pet["name"].is_string() {
        let error = json!({"code": 422, "message": "a pet needs an integer id and a name"});
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(error)).into_response();
    }
    let mut pet = pet;
    pet.as_object_mut().unwrap().entry("tag").or_insert(Value::Null);
    pets.lock().unwrap().push(pet);
    StatusCode::CREATED.into_response()
}

async fn show_pet(State(pets): State<Pets>, Path(pet_id): Path<String>) -> Response {
    let found =
        pets.lock().unwrap().iter().find(|p| p["id"].as_i64().is_some_and(|id| id.to_string() == pet_id)).cloned();
    match found {
        Some(pet) => Json(pet).into_response(),
        None => {
            let error = json!({"code": 404, "message": format!("no pet {pet_id}")});
            (StatusCode::NOT_FOUND, Json(error)).into_response()
        }
    }
}

/// Every value of `key` in a query string (`tags=a&tags=b`), decoded.
fn query_values(query: Option<&str>, key: &str) -> Vec<String> {
    let decode = |s: &str| percent_decode(&s.replace('+', " "));
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| decode(k) == key)
        .map(|(_, v)| decode(v))
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or_default();
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

type Books = Arc<Mutex<Vec<Value>>>;

/// The library: add, search, get and delete books, and a category tree.
pub fn library_app() -> Router {
    let books: Books = Arc::default();
    Router::new()
        .route("/authors/{author_id}/books", axum::routing::post(add_book))
        .route("/books", get(search_books))
        .route("/books/{id}", get(get_book).delete(delete_book))
        .route("/categories", get(categories))
        .with_state(books)
}

async fn add_book(
    State(books): State<Books>,
    Path(author_id): Path<i64>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    Json(new): Json<Value>,
) -> Response {
    if new["title"].as_str().is_none_or(str::is_empty) {
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": "the title is empty"}))).into_response();
    }
    let mut tags = Vec::new();
    if query_values(query.as_deref(), "notify").first().is_some_and(|n| n == "true") {
        tags.push("notified".to_owned());
    }
    if let Some(id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        tags.push(format!("request:{id}"));
    }
    let mut books = books.lock().unwrap();
    let book = json!({
        "id": books.len() + 1,
        "title": new["title"],
        "authorId": author_id,
        "publisherAuthorId": new.get("authorId").cloned().unwrap_or(Value::Null),
        "format": new["format"],
        "subtitle": new.get("subtitle").cloned().unwrap_or(Value::Null),
        "tags": tags,
    });
    books.push(book.clone());
    (StatusCode::CREATED, Json(book)).into_response()
}

async fn search_books(State(books): State<Books>, RawQuery(query): RawQuery) -> Json<Vec<Value>> {
    let wanted = query_values(query.as_deref(), "tags");
    let books = books.lock().unwrap();
    let found =
        books.iter().filter(|book| wanted.iter().all(|tag| book["tags"].as_array().unwrap().contains(&json!(tag))));
    Json(found.cloned().collect())
}

async fn get_book(State(books): State<Books>, Path(id): Path<i64>) -> Response {
    match books.lock().unwrap().iter().find(|b| b["id"] == id) {
        Some(book) => Json(book.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"error": format!("no book {id}")}))).into_response(),
    }
}

async fn delete_book(State(books): State<Books>, Path(id): Path<i64>) -> StatusCode {
    books.lock().unwrap().retain(|b| b["id"] != id);
    StatusCode::NO_CONTENT
}

async fn categories() -> Json<Value> {
    Json(json!({"name": "all", "children": [
        {"name": "fiction", "children": [{"name": "crime", "children": []}]},
        {"name": "poetry", "children": []},
    ]}))
}

/// The MCP server of both: the Petstore's operations as tools called in
/// process, the library's over HTTP at `library_url`, with `GET
/// /books/{id}` as the resource template `library://books/{id}`.
pub fn openapi_server(library_url: &str) -> quickmcp::Server {
    let petstore = OpenApi::from_json(PETSTORE).unwrap().in_process(petstore_app()).build().unwrap();
    let library = OpenApi::from_json(LIBRARY)
        .unwrap()
        .route_map(RouteMap::resource().method(axum::http::Method::GET).path(r"^/books/\{id\}$"))
        .resource_prefix("library://")
        .http(library_url)
        .build()
        .unwrap();
    quickmcp::Server::builder("openapi-fixtures", "1.0.0")
        .tools(petstore.tools)
        .tools(library.tools)
        .resources(library.resources)
        .build()
}
