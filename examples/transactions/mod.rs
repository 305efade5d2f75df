//! A stateful service: transactions kept per client session, so that
//! `start_transaction`, `add_operation`, `commit` and `rollback` build on
//! each other; `transaction://{id}` shows one, and clients subscribed to it
//! hear of each change. `rollback` asks the user to confirm. The state is typed
//! (`SessionState<Ledger>`); with `REDIS_URL` set (and `--features redis`)
//! it lives in Redis, so that several replicas behind a load balancer serve
//! one session (docs/deploy.md); otherwise in this process's memory.
//! `main.rs` serves it: `cargo run --example transactions`.

mod ledger;

use ledger::{Ledger, Operation, Status, Transaction};
use quickmcp::context::SessionState;
use quickmcp::prelude::*;
use quickmcp::serde_json::json;
use quickmcp::session::Sessions;

/// Starts a transaction in this session and returns it with its id.
#[tool]
async fn start_transaction(
    /// What the transaction is for.
    description: String,
    ledger: SessionState<Ledger>,
) -> Result<Json<Transaction>, ToolError> {
    let id = rand_id();
    Ok(Json(ledger.update(|ledger| ledger.start(description.clone(), id)).await?))
}

/// Adds an operation to an open transaction.
#[tool]
async fn add_operation(
    /// The transaction's id.
    transaction_id: u64,
    /// The operation: `credit` or `debit`, an account and an amount in cents.
    operation: Operation,
    ledger: SessionState<Ledger>,
    ctx: Context,
) -> Result<Json<Transaction>, ToolError> {
    let added = ledger.update(|ledger| ledger.add(transaction_id, operation.clone())).await??;
    changed(&ctx, transaction_id);
    Ok(Json(added))
}

/// Commits an open transaction: its operations must balance.
#[tool(annotations(idempotent))]
async fn commit(
    transaction_id: u64,
    ledger: SessionState<Ledger>,
    ctx: Context,
) -> Result<Json<Transaction>, ToolError> {
    let committed = ledger.update(|ledger| ledger.finish(transaction_id, Status::Committed)).await??;
    changed(&ctx, transaction_id);
    Ok(Json(committed))
}

/// Rolls an open transaction back, discarding its operations. When the
/// client can be asked, the user confirms first.
#[tool(annotations(destructive, idempotent))]
async fn rollback(
    transaction_id: u64,
    ledger: SessionState<Ledger>,
    ctx: Context,
) -> Result<Json<Transaction>, ToolError> {
    let current = ledger.get().await?;
    let transaction = current.get(transaction_id).ok_or_else(|| format!("there is no transaction {transaction_id}"))?;
    let can_ask = ctx.client_capabilities().is_some_and(|c| c.elicitation.is_some());
    if can_ask && transaction.status == Status::Open && !transaction.operations.is_empty() {
        let question = format!(
            "Roll back transaction {transaction_id} ({}) and discard its {} operations?",
            transaction.description,
            transaction.operations.len()
        );
        let answer =
            ctx.elicit(&question, json!({"type": "object", "properties": {}})).await.map_err(|e| e.to_string())?;
        if answer.action != "accept" {
            return Err(ToolError::new(format!(
                "rollback of transaction {transaction_id} not confirmed ({})",
                answer.action
            )));
        }
    }
    let rolled_back = ledger.update(|ledger| ledger.finish(transaction_id, Status::RolledBack)).await??;
    changed(&ctx, transaction_id);
    Ok(Json(rolled_back))
}

/// Tells clients watching `transaction://{id}` that it changed.
fn changed(ctx: &Context, id: u64) {
    ctx.server().notify_resource_updated(&format!("transaction://{id}"));
}

/// A random transaction id that JSON numbers carry exactly (below 2^53).
fn rand_id() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now()) >> 11
}

/// One transaction of this session.
#[resource("transaction://{id}", mime = "application/json")]
async fn transaction(id: u64, ledger: SessionState<Ledger>) -> Result<Json<Transaction>, ResourceError> {
    let ledger = ledger.get().await.map_err(ResourceError::new)?;
    ledger.get(id).cloned().map(Json).ok_or_else(|| ResourceError::not_found(&format!("transaction://{id}")))
}

/// The server over `sessions` (memory or Redis).
pub fn server(sessions: Option<Sessions>) -> Server {
    let mut builder = Server::builder("transactions", env!("CARGO_PKG_VERSION"))
        .instructions("Transactions of this session: start one, add balanced operations, then commit or roll back.")
        .tools(tools![start_transaction, add_operation, commit, rollback])
        .resources(resources![transaction]);
    if let Some(sessions) = sessions {
        builder = builder.sessions(sessions);
    }
    builder.build()
}
