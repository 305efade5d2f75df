//! Named, ordered collections of tools, resources and prompts, with
//! cursor pagination.

use crate::protocol::jsonrpc::RpcError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;
use std::sync::Arc;

/// Items in registration order, looked up by name.
#[derive(Debug)]
pub(crate) struct Registry<T> {
    items: Vec<Arc<T>>,
    /// Looked up on every call: hashed with foldhash (seeded per map; the
    /// names in it are the server's own, only the lookups come from clients).
    index: HashMap<String, usize, foldhash::fast::RandomState>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Self { items: Vec::new(), index: HashMap::default() }
    }
}

impl<T> Clone for Registry<T> {
    fn clone(&self) -> Self {
        Self { items: self.items.clone(), index: self.index.clone() }
    }
}

impl<T> Registry<T> {
    /// Adds `item` under `name`; returns `false` (and replaces it) when the
    /// name was taken.
    pub(crate) fn insert(&mut self, name: String, item: T) -> bool {
        match self.index.get(&name) {
            Some(&i) => {
                self.items[i] = Arc::new(item);
                false
            }
            None => {
                self.index.insert(name, self.items.len());
                self.items.push(Arc::new(item));
                true
            }
        }
    }

    pub(crate) fn remove(&mut self, name: &str) -> bool {
        let Some(i) = self.index.remove(name) else {
            return false;
        };
        self.items.remove(i);
        for slot in self.index.values_mut() {
            if *slot > i {
                *slot -= 1;
            }
        }
        true
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Arc<T>> {
        self.index.get(name).map(|&i| &self.items[i])
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<T>> {
        self.items.iter()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The page starting at `cursor`, and the cursor of the next page.
    pub(crate) fn page(&self, cursor: Option<&str>, size: usize) -> Result<(&[Arc<T>], Option<String>), RpcError> {
        page(&self.items, cursor, size)
    }
}

/// The page of `items` starting at `cursor`, and the cursor of the next page.
pub(crate) fn page<'a, T>(
    items: &'a [T],
    cursor: Option<&str>,
    size: usize,
) -> Result<(&'a [T], Option<String>), RpcError> {
    let start = match cursor {
        Some(cursor) => decode_cursor(cursor)
            .filter(|&s| s <= items.len())
            .ok_or_else(|| RpcError::invalid_params("invalid cursor"))?,
        None => 0,
    };
    let end = start.saturating_add(size.max(1)).min(items.len());
    let next = (end < items.len()).then(|| encode_cursor(end));
    Ok((&items[start..end], next))
}

fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&bytes).ok()?.strip_prefix("o:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_cursors() {
        let mut r = Registry::default();
        for i in 0..5 {
            r.insert(format!("t{i}"), i);
        }
        let (first, next) = r.page(None, 2).unwrap();
        assert_eq!(first.iter().map(|a| **a).collect::<Vec<_>>(), [0, 1]);
        let (second, next) = r.page(next.as_deref(), 2).unwrap();
        assert_eq!(*second[0], 2);
        let (last, next2) = r.page(next.as_deref(), 2).unwrap();
        assert_eq!((last.len(), next2), (1, None));
        assert!(r.page(Some("garbage"), 2).is_err());
        assert!(r.remove("t1"));
        assert_eq!(**r.get("t4").unwrap(), 4);
    }
}
