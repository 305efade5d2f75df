//! A small ledger server: accounts with balances in cents, kept in memory.
//! Mounted by the composed example beside the weather server.

use quickmcp::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The accounts, by name.
#[derive(Clone, Default)]
pub struct Accounts(Arc<Mutex<BTreeMap<String, i64>>>);

impl Accounts {
    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<String, i64>) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// One account and its balance.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Balance {
    /// The account's name.
    pub account: String,
    /// Its balance, in cents.
    pub cents: i64,
}

/// Opens an account with a zero balance.
#[tool(annotations(idempotent))]
async fn open_account(account: String, State(accounts): State<Accounts>) -> Json<Balance> {
    let cents = accounts.with(|a| *a.entry(account.clone()).or_insert(0));
    Json(Balance { account, cents })
}

/// Moves `cents` into an account (negative to take them out).
#[tool]
async fn post_entry(account: String, cents: i64, State(accounts): State<Accounts>) -> Result<Json<Balance>, ToolError> {
    accounts.with(|a| {
        let balance = a.get_mut(&account).ok_or_else(|| ToolError::new(format!("no account `{account}`")))?;
        let next = balance.checked_add(cents).filter(|b| *b >= 0);
        *balance = next.ok_or_else(|| ToolError::new("the balance cannot go below zero"))?;
        Ok(Json(Balance { account: account.clone(), cents: *balance }))
    })
}

/// The balance of an account.
#[resource("ledger://accounts/{account}", mime = "application/json")]
async fn account(account: String, State(accounts): State<Accounts>) -> Result<Json<Balance>, ResourceError> {
    let cents = accounts.with(|a| a.get(&account).copied());
    let cents = cents.ok_or_else(|| ResourceError::not_found(&format!("ledger://accounts/{account}")))?;
    Ok(Json(Balance { account, cents }))
}

/// The ledger server, with its own state.
pub fn server() -> Server {
    Server::builder("ledger", env!("CARGO_PKG_VERSION"))
        .tools(tools![open_account, post_entry])
        .resources(resources![account])
        .state(Accounts::default())
        .build()
}
