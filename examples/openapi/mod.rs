//! An ordinary axum REST app, documented with `utoipa`, whose routes are
//! also MCP tools: the OpenAPI document utoipa derives from the handlers
//! becomes tool definitions (`quickmcp-openapi`), and each tool call goes to the
//! same `Router` in process: no socket, no second server. `main.rs` serves
//! the REST routes, the document and the MCP endpoint on one port.
//!
//! The data is an in-memory list of todos (DEMO DATA, lost at exit).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use quickmcp::Server;
use quickmcp_openapi::{OpenApi, RouteMap};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use utoipa::{IntoParams, ToSchema};

/// A thing to do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Todo {
    /// Its id.
    id: u64,
    /// What to do.
    title: String,
    /// Whether it is done.
    done: bool,
}

/// A todo to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTodo {
    /// What to do.
    title: String,
}

/// Which todos to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// Only the done (`true`) or open (`false`) ones.
    done: Option<bool>,
}

/// Why a request failed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// What went wrong.
    message: String,
}

type Todos = Arc<Mutex<Vec<Todo>>>;

/// Lists the todos.
#[utoipa::path(get, path = "/api/todos", operation_id = "list_todos", tag = "todos", params(Filter),
    responses((status = 200, description = "The todos", body = [Todo])))]
async fn list_todos(State(todos): State<Todos>, Query(filter): Query<Filter>) -> Json<Vec<Todo>> {
    let todos = todos.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    Json(todos.iter().filter(|t| filter.done.is_none_or(|done| t.done == done)).cloned().collect())
}

/// Adds a todo.
#[utoipa::path(post, path = "/api/todos", operation_id = "add_todo", tag = "todos", request_body = NewTodo,
    responses((status = 201, description = "The new todo", body = Todo),
        (status = 422, description = "An empty title", body = Problem)))]
async fn add_todo(State(todos): State<Todos>, Json(new): Json<NewTodo>) -> Response {
    if new.title.trim().is_empty() {
        let problem = Problem { message: "the title is empty".into() };
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(problem)).into_response();
    }
    let mut todos = todos.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let todo = Todo { id: todos.len() as u64 + 1, title: new.title, done: false };
    todos.push(todo.clone());
    (StatusCode::CREATED, Json(todo)).into_response()
}

/// Marks a todo done.
#[utoipa::path(post, path = "/api/todos/{id}/done", operation_id = "complete_todo", tag = "todos",
    params(("id" = u64, Path, description = "The todo's id")),
    responses((status = 200, description = "The todo, done", body = Todo),
        (status = 404, description = "No such todo", body = Problem)))]
async fn complete_todo(State(todos): State<Todos>, Path(id): Path<u64>) -> Response {
    let mut todos = todos.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match todos.iter_mut().find(|t| t.id == id) {
        Some(todo) => {
            todo.done = true;
            Json(todo.clone()).into_response()
        }
        None => (StatusCode::NOT_FOUND, Json(Problem { message: format!("no todo {id}") })).into_response(),
    }
}

/// Whether the service is up (for load balancers; not a tool).
#[utoipa::path(get, path = "/api/health", operation_id = "health", tag = "ops",
    responses((status = 200, description = "ok")))]
async fn health() -> &'static str {
    "ok"
}

/// The document utoipa derives from the handlers above.
#[derive(utoipa::OpenApi)]
#[openapi(info(title = "Todos", version = "1.0.0"), paths(list_todos, add_todo, complete_todo, health))]
pub struct ApiDoc;

/// The REST routes, with their own state.
pub fn rest() -> Router {
    let todos: Todos = Arc::default();
    Router::new()
        .route("/api/todos", get(list_todos).post(add_todo))
        .route("/api/todos/{id}/done", axum::routing::post(complete_todo))
        .route("/api/health", get(health))
        .with_state(todos)
}

/// The document as JSON.
pub fn document() -> serde_json::Value {
    serde_json::to_value(<ApiDoc as utoipa::OpenApi>::openapi()).unwrap_or_default()
}

/// The MCP server whose tools are `rest`'s operations (but `ops`-tagged
/// ones), called in process.
///
/// # Panics
/// When the document cannot become tools: a mistake in this file, found
/// before the server starts.
pub fn server(rest: Router) -> Server {
    let generated = OpenApi::from_value(document())
        .and_then(|api| api.route_map(RouteMap::exclude().tag("ops")).in_process(rest).build())
        .unwrap_or_else(|error| panic!("{error}"));
    Server::builder("todos", env!("CARGO_PKG_VERSION"))
        .title("Todos (REST routes as MCP tools)")
        .tools(generated.tools)
        .build()
}

/// The whole application on one router: the REST routes, their OpenAPI
/// document at `/api/openapi.json`, and the MCP endpoint at `/mcp`.
pub fn app(config: quickmcp_axum::McpConfig) -> Router {
    let rest = rest();
    let mcp = quickmcp_axum::McpRouter::new(server(rest.clone())).config(config).into_router();
    let document = document();
    rest.route("/api/openapi.json", get(move || async move { Json(document) })).merge(mcp)
}
