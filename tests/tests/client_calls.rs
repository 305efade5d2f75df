//! `quickmcp-client`'s call options and list streams over a real socket, in both
//! eras: progress delivered to the call's own callback, a time limit of the
//! call's own, and lists read page by page as streams.

use futures_util::StreamExt;
use mcp_integration_tests::spawn;
use quickmcp::prelude::*;
use quickmcp_client::{CallOptions, Client, ClientError, Era, Progress};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Counts to three, reporting each step.
#[tool]
async fn count(ctx: Context) -> &'static str {
    for step in 1..=3u32 {
        ctx.progress(step).of(3).message(format!("step {step}")).await;
    }
    "counted"
}

/// Sleeps for `ms` milliseconds.
#[tool]
async fn nap(ms: u64) -> &'static str {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "rested"
}

/// Says where, the region mirrored in an `Mcp-Param-Region` header.
#[tool]
async fn locate(#[arg(header = "Region")] region: String) -> String {
    format!("in {region}")
}

/// A note whose address no HTTP header can carry as it is.
#[resource("notes://{title}")]
async fn note(title: String) -> String {
    format!("the note {title}")
}

macro_rules! numbered {
    ($($name:ident),*) => {$(
        /// One of many.
        #[tool]
        async fn $name() -> &'static str {
            stringify!($name)
        }
    )*};
}
numbered!(t01, t02, t03, t04, t05, t06, t07);

async fn clients() -> Vec<Client> {
    let server = Server::builder("calls", "1.0.0")
        .tools(tools![count, nap, locate, t01, t02, t03, t04, t05, t06, t07])
        .resources(resources![note])
        .page_size(2)
        .build();
    let url = format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server).into_router()).await);
    let mut clients = Vec::new();
    for era in [Era::Stateless, Era::Session] {
        clients.push(Client::builder().era(era).connect_http(&url).await.unwrap());
    }
    clients
}

#[tokio::test]
async fn progress_reaches_the_callback_of_its_own_call() {
    for client in clients().await {
        let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
        let sink = seen.clone();
        let options = CallOptions::new().on_progress(move |p| sink.lock().unwrap().push(p));
        // Another call at the same time, with its own callback, sees none of it.
        let other: Arc<Mutex<Vec<Progress>>> = Arc::default();
        let other_sink = other.clone();
        let quiet = CallOptions::new().on_progress(move |p| other_sink.lock().unwrap().push(p));
        let (counted, napped) = tokio::join!(
            client.call_tool_with("count", json!({}), options),
            client.call_tool_with("nap", json!({"ms": 50}), quiet),
        );
        assert_eq!(counted.unwrap().text(), "counted");
        assert_eq!(napped.unwrap().text(), "rested");
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3, "{:?}: {seen:?}", client.era());
        assert_eq!((seen[2].progress, seen[2].total, seen[2].message.as_deref()), (3.0, Some(3.0), Some("step 3")));
        assert!(other.lock().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_call_may_have_a_time_limit_of_its_own() {
    for client in clients().await {
        let short = CallOptions::new().timeout(Duration::from_millis(100));
        let late = client.call_tool_with("nap", json!({"ms": 2000}), short).await.unwrap_err();
        assert_eq!(late, ClientError::Timeout);
        let long = CallOptions::new().timeout(Duration::from_secs(10));
        assert_eq!(client.call_tool_with("nap", json!({"ms": 10}), long).await.unwrap().text(), "rested");
    }
}

#[tokio::test]
async fn a_list_is_a_stream_of_its_pages_items() {
    for client in clients().await {
        let all = client.list_tools().await.unwrap();
        assert_eq!(all.len(), 10);
        let typed = client.list_tool_descriptions().await.unwrap();
        assert_eq!(
            typed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            all.iter().map(|t| t["name"].as_str().unwrap()).collect::<Vec<_>>()
        );
        assert_eq!(typed[0].input_schema, all[0]["inputSchema"]);
        let streamed: Vec<_> = client.list_tools_stream().map(Result::unwrap).collect().await;
        assert_eq!(streamed, all);
        // Taking three items asks for two pages only.
        let first: Vec<_> = client.list_tools_stream().take(3).collect().await;
        assert_eq!(first.len(), 3);
        let prompts: Vec<_> = client.list_prompts_stream().collect().await;
        assert!(prompts.is_empty() || prompts.iter().all(Result::is_err), "{prompts:?}");
    }
}

#[tokio::test]
async fn a_name_headers_cannot_hold_travels_in_base64() {
    // In the 2026-07-28 era `Mcp-Name` carries `=?base64?…?=`, which the
    // server decodes before comparing it with the body.
    for client in clients().await {
        let contents = client.read_resource("notes://café").await.unwrap();
        assert_eq!(contents[0]["text"], "the note café", "{:?}", client.era());
    }
}

#[tokio::test]
async fn notifications_are_a_stream_that_ends_with_the_connection() {
    for client in clients().await {
        let stream = client.notification_stream();
        let progress = json!({"name": "count", "arguments": {}, "_meta": {"progressToken": "n"}});
        client.request("tools/call", progress).await.unwrap();
        client.close().await;
        let seen: Vec<_> = tokio::time::timeout(Duration::from_secs(10), stream.collect::<Vec<_>>())
            .await
            .expect("the stream ends when the client closes");
        let steps = seen.iter().filter(|n| n.method == "notifications/progress").count();
        assert_eq!(steps, 3, "{:?}: {seen:?}", client.era());
    }
}

#[tokio::test]
async fn a_tool_never_listed_gets_its_header_arguments_on_the_second_try() {
    // No tools/list first: the client cannot know `region` goes in a header;
    // the server says so (-32020), the client lists the tools and calls again.
    for client in clients().await {
        let answer = client.call_tool("locate", json!({"region": "eu-west"})).await.unwrap();
        assert_eq!(answer.text(), "in eu-west", "{:?}", client.era());
    }
}
