//! A notes service: MCP tools, resources and a prompt over the same notes
//! that the app's own REST routes serve. The example to copy when your MCP
//! server shares state with an existing axum app (docs/getting-started.md,
//! "A service with shared state", walks through it). `main.rs` serves it:
//! `cargo run --example notes`.

mod store;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use quickmcp::prelude::*;
pub use store::{Note, Notes};

/// Adds a note and returns it with its number.
#[tool]
async fn add_note(
    /// A short title.
    title: String,
    /// The text of the note.
    body: String,
    State(notes): State<Notes>,
) -> Json<Note> {
    Json(notes.add(title, body))
}

/// Finds the notes whose title or text contains `text` (case-insensitive).
#[tool(annotations(read_only))]
async fn search_notes(text: String, State(notes): State<Notes>, ctx: Context) -> Json<Vec<Note>> {
    let needle = text.to_lowercase();
    let all = notes.all();
    let mut found = Vec::new();
    for (done, note) in all.iter().enumerate() {
        ctx.progress(done).of(all.len()).await;
        if note.title.to_lowercase().contains(&needle) || note.body.to_lowercase().contains(&needle) {
            found.push(note.clone());
        }
    }
    ctx.debug(format!("{} of {} notes match {text:?}", found.len(), all.len())).await;
    Json(found)
}

/// Deletes a note by number.
#[tool(annotations(destructive, idempotent))]
async fn delete_note(id: u64, State(notes): State<Notes>) -> Result<String, ToolError> {
    match notes.remove(id) {
        true => Ok(format!("deleted note {id}")),
        false => Err(ToolError::new(format!("there is no note {id}"))),
    }
}

/// The numbers and titles of all notes.
#[resource("notes://index", mime = "application/json")]
async fn index(State(notes): State<Notes>) -> Json<Vec<(u64, String)>> {
    Json(notes.all().into_iter().map(|n| (n.id, n.title)).collect())
}

/// One note by number.
#[resource("notes://{id}", mime = "application/json")]
async fn note(id: u64, State(notes): State<Notes>) -> Result<Json<Note>, ResourceError> {
    notes.get(id).map(Json).ok_or_else(|| ResourceError::not_found(&format!("notes://{id}")))
}

/// Asks the assistant to summarise a note.
#[prompt]
async fn summarize(
    /// The note's number.
    id: u64,
    /// At most this many words (default 50).
    words: Option<u32>,
    State(notes): State<Notes>,
) -> Result<String, PromptError> {
    let note = notes.get(id).ok_or_else(|| PromptError::not_found(format!("note {id}")))?;
    let words = words.unwrap_or(50);
    Ok(format!("Summarise this note in at most {words} words.\n\n# {}\n\n{}", note.title, note.body))
}

/// What `POST /api/notes` takes.
#[derive(serde::Deserialize)]
struct NewNote {
    title: String,
    body: String,
}

/// `GET /api/notes`: every note. axum's extractors are named by their path
/// (`axum::extract::State`, `axum::Json`): the short names are quickmcp's.
async fn list_notes(axum::extract::State(notes): axum::extract::State<Notes>) -> axum::Json<Vec<Note>> {
    axum::Json(notes.all())
}

/// `POST /api/notes`: adds a note.
async fn create_note(
    axum::extract::State(notes): axum::extract::State<Notes>,
    axum::Json(new): axum::Json<NewNote>,
) -> (StatusCode, axum::Json<Note>) {
    (StatusCode::CREATED, axum::Json(notes.add(new.title, new.body)))
}

/// The MCP server over `notes`.
pub fn server(notes: Notes) -> Server {
    Server::builder("notes", env!("CARGO_PKG_VERSION"))
        .instructions("Notes kept by this service. Add and search them with the tools; read notes://{id}.")
        .tools(tools![add_note, search_notes, delete_note])
        .resources(resources![index, note])
        .prompts(prompts![summarize])
        .state(notes)
        .build()
}

/// The whole app: the REST routes and the MCP endpoint over one store.
pub fn app(config: quickmcp_axum::McpConfig) -> Router {
    let notes = Notes::default();
    let rest = Router::new().route("/api/notes", get(list_notes).post(create_note)).with_state(notes.clone());
    rest.merge(quickmcp_axum::McpRouter::new(server(notes)).config(config).into_router())
}
