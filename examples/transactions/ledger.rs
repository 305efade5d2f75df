//! The transactions of one session, as plain data: what `SessionState`
//! stores as JSON.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Finished transactions kept per session; older ones are forgotten.
pub const FINISHED_KEPT: usize = 100;

/// Operations one transaction may hold.
pub const MAX_OPERATIONS: usize = 1000;

/// The session's transactions, by id: every open one and the last
/// [`FINISHED_KEPT`] finished ones.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Ledger {
    transactions: BTreeMap<u64, Transaction>,
    /// Finished transactions' ids, oldest first.
    finished: Vec<u64>,
}

/// One transaction.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Transaction {
    /// Its id in this session.
    pub id: u64,
    /// What it is for.
    pub description: String,
    /// Where it stands.
    pub status: Status,
    /// Its operations, in order.
    pub operations: Vec<Operation>,
}

/// Where a transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Operations may be added.
    Open,
    /// Applied; final.
    Committed,
    /// Discarded; final.
    RolledBack,
}

/// A credit or debit of an account.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Operation {
    /// `credit` or `debit`.
    pub kind: Kind,
    /// The account.
    pub account: String,
    /// The amount in cents, above zero.
    pub amount_cents: u64,
}

/// Which way an operation moves money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Money in.
    Credit,
    /// Money out.
    Debit,
}

impl Ledger {
    /// Opens a transaction. Its id is random, so that its URI
    /// (`transaction://{id}`) names it alone among every session's.
    pub fn start(&mut self, description: String, id: u64) -> Transaction {
        let transaction = Transaction { id, description, status: Status::Open, operations: Vec::new() };
        self.transactions.insert(transaction.id, transaction.clone());
        transaction
    }

    /// The transaction `id`.
    pub fn get(&self, id: u64) -> Option<&Transaction> {
        self.transactions.get(&id)
    }

    fn open(&mut self, id: u64) -> Result<&mut Transaction, String> {
        let transaction = self.transactions.get_mut(&id).ok_or_else(|| format!("there is no transaction {id}"))?;
        match transaction.status {
            Status::Open => Ok(transaction),
            status => Err(format!("transaction {id} is {status:?}, not open")),
        }
    }

    /// Adds `operation` to the open transaction `id`.
    pub fn add(&mut self, id: u64, operation: Operation) -> Result<Transaction, String> {
        if operation.amount_cents == 0 {
            return Err("an operation moves more than zero cents".into());
        }
        let transaction = self.open(id)?;
        if transaction.operations.len() >= MAX_OPERATIONS {
            return Err(format!("a transaction holds at most {MAX_OPERATIONS} operations"));
        }
        transaction.operations.push(operation);
        Ok(transaction.clone())
    }

    /// Commits or rolls back the open transaction `id`; committing needs
    /// credits and debits to balance. Finishing it again the same way
    /// answers as the first time.
    pub fn finish(&mut self, id: u64, status: Status) -> Result<Transaction, String> {
        if self.get(id).is_some_and(|t| t.status == status) {
            return Ok(self.transactions[&id].clone());
        }
        let transaction = self.open(id)?;
        if status == Status::Committed {
            let balance: i128 = transaction
                .operations
                .iter()
                .map(|op| match op.kind {
                    Kind::Credit => i128::from(op.amount_cents),
                    Kind::Debit => -i128::from(op.amount_cents),
                })
                .sum();
            if balance != 0 {
                return Err(format!("transaction {id} does not balance: credits minus debits is {balance} cents"));
            }
        }
        transaction.status = status;
        let finished = transaction.clone();
        self.finished.push(id);
        if self.finished.len() > FINISHED_KEPT {
            let oldest = self.finished.remove(0);
            self.transactions.remove(&oldest);
        }
        Ok(finished)
    }
}
