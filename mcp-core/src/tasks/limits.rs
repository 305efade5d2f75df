//! What a task may keep and how many a caller may have: the checks made
//! before a task exists, and the errors that name the limit.

use crate::protocol::jsonrpc::{RpcError, code};
use crate::store::StoreError;
use serde_json::json;

/// `-32602` unless `len` bytes of arguments fit in `max`.
pub(crate) fn check_arguments(len: usize, max: usize) -> Result<(), RpcError> {
    check_payload("arguments", len, max)
}

/// `-32602` unless `len` bytes of answers fit in `max`.
pub(crate) fn check_answers(len: usize, max: usize) -> Result<(), RpcError> {
    check_payload("answers", len, max)
}

/// `-32602` unless `len` bytes of `what` a task would keep fit in `max`,
/// naming the bound and its variable.
fn check_payload(what: &str, len: usize, max: usize) -> Result<(), RpcError> {
    if len <= max {
        return Ok(());
    }
    let variable = crate::config::MAX_TASK_PAYLOAD.name;
    Err(RpcError::invalid_params(format!(
        "The {what} are {len} bytes; a task keeps at most {max} bytes of {what} ({variable})"
    ))
    .with_data(json!({ "limit": max, "size": len })))
}

/// The error a task ends with when its result is `len` bytes, over `max`.
pub(crate) fn result_too_large(len: usize, max: usize) -> RpcError {
    let variable = crate::config::MAX_TASK_PAYLOAD.name;
    RpcError::internal(format!(
        "The tool's result is {len} bytes; a task keeps at most {max} bytes of result ({variable})"
    ))
}

/// The answer to a call whose task the store refused: the limit it hit,
/// named, or the store's failure.
pub(crate) fn refused(error: StoreError) -> RpcError {
    match error {
        StoreError::ClientFull(max) => {
            let variable = crate::config::MAX_TASKS_PER_CLIENT.name;
            RpcError::new(
                code::LIMIT_REACHED,
                format!(
                    "Too Many Requests: this client has its maximum of {max} unfinished tasks ({variable}); \
                     wait for one to end, or cancel one"
                ),
            )
            .with_data(json!({ "limit": max }))
        }
        StoreError::Full(max) => RpcError::new(
            code::SERVER_FULL,
            format!("Service Unavailable: the server holds its maximum of {max} tasks; try again once some expire"),
        )
        .with_data(json!({ "limit": max })),
        other => RpcError::internal(other),
    }
}
