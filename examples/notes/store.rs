//! The notes themselves: an in-memory store shared by the REST routes and
//! the MCP handlers. Cloning it clones a handle, not the notes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// One note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Note {
    /// Its number, given by the store.
    pub id: u64,
    /// A short title.
    pub title: String,
    /// The text.
    pub body: String,
}

/// All notes, by number.
#[derive(Debug, Clone, Default)]
pub struct Notes {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    notes: BTreeMap<u64, Note>,
}

impl Notes {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores a new note and returns it with its number.
    pub fn add(&self, title: String, body: String) -> Note {
        let mut inner = self.lock();
        inner.next_id += 1;
        let note = Note { id: inner.next_id, title, body };
        inner.notes.insert(note.id, note.clone());
        note
    }

    /// The note numbered `id`.
    pub fn get(&self, id: u64) -> Option<Note> {
        self.lock().notes.get(&id).cloned()
    }

    /// Every note, oldest first.
    pub fn all(&self) -> Vec<Note> {
        self.lock().notes.values().cloned().collect()
    }

    /// Removes the note numbered `id`; whether it existed.
    pub fn remove(&self, id: u64) -> bool {
        self.lock().notes.remove(&id).is_some()
    }
}
