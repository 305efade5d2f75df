//! Paginated lists as streams: one item at a time, the next page asked for
//! when the last one is used up.

use super::{Client, MAX_PAGES, contents};
use crate::error::ClientError;
use futures_util::Stream;
use serde_json::{Value, json};
use std::collections::VecDeque;

/// Where a listing is.
struct Listing {
    client: Client,
    method: &'static str,
    key: &'static str,
    items: VecDeque<Value>,
    /// `None` before the first page; then the cursor of the next page, if any.
    next: Option<Option<String>>,
    pages: usize,
}

impl Client {
    /// Every tool, page by page, as a stream (see [`list_tools`](Self::list_tools)).
    pub fn list_tools_stream(&self) -> impl Stream<Item = Result<Value, ClientError>> + Send + 'static {
        self.list_stream("tools/list", "tools")
    }

    /// Every resource, page by page, as a stream.
    pub fn list_resources_stream(&self) -> impl Stream<Item = Result<Value, ClientError>> + Send + 'static {
        self.list_stream("resources/list", "resources")
    }

    /// Every resource template, page by page, as a stream.
    pub fn list_resource_templates_stream(&self) -> impl Stream<Item = Result<Value, ClientError>> + Send + 'static {
        self.list_stream("resources/templates/list", "resourceTemplates")
    }

    /// Every prompt, page by page, as a stream.
    pub fn list_prompts_stream(&self) -> impl Stream<Item = Result<Value, ClientError>> + Send + 'static {
        self.list_stream("prompts/list", "prompts")
    }

    pub(super) fn list_stream(
        &self,
        method: &'static str,
        key: &'static str,
    ) -> impl Stream<Item = Result<Value, ClientError>> + Send + 'static {
        let start = Listing { client: self.clone(), method, key, items: VecDeque::new(), next: None, pages: 0 };
        futures_util::stream::unfold(Some(start), |listing| async move {
            let mut listing = listing?;
            loop {
                if let Some(item) = listing.items.pop_front() {
                    return Some((Ok(item), Some(listing)));
                }
                let cursor = match &listing.next {
                    None => None,
                    Some(Some(cursor)) => Some(cursor.clone()),
                    Some(None) => return None,
                };
                if listing.pages == MAX_PAGES {
                    let error = format!("{} went on for more than {MAX_PAGES} pages", listing.method);
                    return Some((Err(ClientError::Protocol(error)), None));
                }
                listing.pages += 1;
                let params = cursor.as_ref().map_or(json!({}), |c| json!({"cursor": c}));
                let mut page = match listing.client.request(listing.method, params).await {
                    Ok(page) => page,
                    Err(error) => return Some((Err(error), None)),
                };
                let mut items = match contents(&mut page, listing.key) {
                    Ok(items) => items,
                    Err(error) => return Some((Err(error), None)),
                };
                if listing.method == "tools/list" {
                    items = listing.client.keep_valid_tools(items);
                }
                listing.items.extend(items);
                // A cursor that repeats ends the listing rather than loop.
                let next = page.get("nextCursor").and_then(Value::as_str).map(str::to_owned);
                listing.next = Some(next.filter(|n| cursor.as_deref() != Some(n)));
            }
        })
    }
}
