//! The transactions example over real sockets: typed session state that
//! tools build on, one session's transactions invisible to another, and
//! (with Redis) one session served by two replicas in turn.

use mcp_examples::transactions;
use mcp_integration_tests::{HttpClient, spawn};
use quickmcp::redis::RedisSessions;
use serde_json::{Value, json};

async fn replica(sessions: Option<quickmcp::session::Sessions>) -> String {
    let app = quickmcp_axum::McpRouter::new(transactions::server(sessions)).into_router();
    format!("{}/mcp", spawn(app).await)
}

/// Calls `tool` and returns (isError, structured content or error text).
async fn call(client: &HttpClient, tool: &str, arguments: Value) -> (bool, Value) {
    let answer = client.request(1, "tools/call", json!({"name": tool, "arguments": arguments})).await;
    let result = &answer.last().unwrap()["result"];
    if result["isError"] == true {
        return (true, result["content"][0]["text"].clone());
    }
    (false, result["structuredContent"].clone())
}

fn op(kind: &str, account: &str, cents: u64) -> Value {
    json!({"kind": kind, "account": account, "amount_cents": cents})
}

/// A whole transaction, each call through the next of `clients` in turn;
/// returns its id.
async fn balanced_transaction(clients: &[&HttpClient]) -> u64 {
    let mut turn = clients.iter().cycle();
    let (_, started) = call(turn.next().unwrap(), "start_transaction", json!({"description": "rent"})).await;
    let id = started["id"].as_u64().unwrap();
    let (failed, _) =
        call(turn.next().unwrap(), "add_operation", json!({"transaction_id": id, "operation": op("debit", "cash", 0)}))
            .await;
    assert!(failed, "zero amounts are refused");
    call(turn.next().unwrap(), "add_operation", json!({"transaction_id": id, "operation": op("debit", "cash", 1200)}))
        .await;
    let (unbalanced, why) = call(turn.next().unwrap(), "commit", json!({"transaction_id": id})).await;
    assert!(unbalanced && why.as_str().unwrap().contains("does not balance"), "{why}");
    let (_, added) = call(
        turn.next().unwrap(),
        "add_operation",
        json!({"transaction_id": id, "operation": op("credit", "landlord", 1200)}),
    )
    .await;
    assert_eq!(added["operations"].as_array().unwrap().len(), 2, "operations added through any replica are kept");
    let (failed, committed) = call(turn.next().unwrap(), "commit", json!({"transaction_id": id})).await;
    assert!(!failed, "{committed}");
    assert_eq!(committed["status"], "committed");
    let (refused, _) = call(turn.next().unwrap(), "rollback", json!({"transaction_id": id})).await;
    assert!(refused, "a committed transaction is final");

    let read = turn.next().unwrap().request(2, "resources/read", json!({"uri": format!("transaction://{id}")})).await;
    let text = read[0]["result"]["contents"][0]["text"].as_str().unwrap();
    let shown: Value = serde_json::from_str(text).unwrap();
    assert_eq!((shown["status"].as_str(), shown["operations"].as_array().map(Vec::len)), (Some("committed"), Some(2)));
    id
}

#[tokio::test]
async fn transactions_build_on_session_state_and_stay_in_their_session() {
    let url = replica(None).await;
    let mut client = HttpClient::new(&url);
    client.initialize().await;
    let id = balanced_transaction(&[&client]).await;

    let mut other = HttpClient::new(&url);
    other.initialize().await;
    let read = other
        .post(&json!({"jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {"uri": format!("transaction://{id}")}}))
        .await;
    let body = mcp_integration_tests::messages(read).await;
    assert!(body[0]["error"].is_object(), "another session does not see it: {body:?}");
}

#[tokio::test]
async fn with_redis_two_replicas_serve_one_session_in_turn() {
    let prefix = format!("mcp-test-tx-{}", std::process::id());
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    if !mcp_integration_tests::redis_answers().await {
        return;
    }
    let connect =
        || RedisSessions::new(&url).prefix(&prefix).idle_timeout(std::time::Duration::from_secs(30)).connect();
    let (a, b) = match (connect().await, connect().await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(error), _) | (_, Err(error)) => {
            return mcp_integration_tests::skip_without_service(&format!("Redis at {url} is not reachable ({error})"));
        }
    };
    let (a, b) = (replica(Some(a)).await, replica(Some(b)).await);
    let mut on_a = HttpClient::new(&a);
    on_a.initialize().await;
    let on_b = HttpClient { url: b, ..on_a.clone() };
    balanced_transaction(&[&on_a, &on_b]).await;
}
