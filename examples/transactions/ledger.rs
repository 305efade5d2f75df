//! The transactions of one session, as plain data: what `SessionState`
//! stores as JSON.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every transaction of the session, by id.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Ledger {
    next_id: u64,
    transactions: BTreeMap<u64, Transaction>,
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
    /// Opens a transaction.
    pub fn start(&mut self, description: String) -> Transaction {
        self.next_id += 1;
        let transaction = Transaction { id: self.next_id, description, status: Status::Open, operations: Vec::new() };
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
        Ok(transaction.clone())
    }
}
