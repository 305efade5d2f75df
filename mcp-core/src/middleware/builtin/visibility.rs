//! [`Visibility`]: which tools, resources and prompts a caller sees, by tag
//! or by any rule; hidden ones are absent from lists and unknown to calls.

use crate::middleware::{Caller, Component, Middleware};
use std::sync::Arc;

type Rule = dyn Fn(Component<'_>, &Caller<'_>) -> bool + Send + Sync;

/// Hides components: those carrying a tag ([`hide_tags`](Self::hide_tags)),
/// those without one ([`only_tags`](Self::only_tags)), or those a rule
/// rejects for the caller ([`rule`](Self::rule)). A hidden component is
/// left out of `tools/list` (and the other lists) and its calls are
/// answered as for a component that does not exist.
///
/// ```
/// use quickmcp::Server;
/// use quickmcp::middleware::Visibility;
///
/// #[derive(Clone)]
/// struct Admin;
///
/// // Tools tagged "admin" exist only for requests a tower layer marked as an admin's.
/// let visibility = Visibility::new().rule(|component, caller| {
///     !component.tags().iter().any(|t| t == "admin") || caller.extensions().get::<Admin>().is_some()
/// });
/// let server = Server::builder("demo", "1.0.0").middleware(visibility).build();
/// # let _ = server;
/// ```
#[derive(Default, Clone)]
pub struct Visibility {
    rules: Vec<Arc<Rule>>,
}

impl std::fmt::Debug for Visibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Visibility").field("rules", &self.rules.len()).finish()
    }
}

impl Visibility {
    /// Everything visible until rules are added.
    pub fn new() -> Self {
        Self::default()
    }

    /// Hides every component carrying any of `tags`.
    #[must_use]
    pub fn hide_tags<I: IntoIterator<Item = S>, S: Into<String>>(self, tags: I) -> Self {
        let tags: Vec<String> = tags.into_iter().map(Into::into).collect();
        self.rule(move |component, _| !component.tags().iter().any(|t| tags.contains(t)))
    }

    /// Shows only the components carrying at least one of `tags`.
    #[must_use]
    pub fn only_tags<I: IntoIterator<Item = S>, S: Into<String>>(self, tags: I) -> Self {
        let tags: Vec<String> = tags.into_iter().map(Into::into).collect();
        self.rule(move |component, _| component.tags().iter().any(|t| tags.contains(t)))
    }

    /// Shows a component only when `rule` holds for it and the caller.
    #[must_use]
    pub fn rule(mut self, rule: impl Fn(Component<'_>, &Caller<'_>) -> bool + Send + Sync + 'static) -> Self {
        self.rules.push(Arc::new(rule));
        self
    }
}

impl Middleware for Visibility {
    fn is_visible(&self, component: Component<'_>, caller: &Caller<'_>) -> bool {
        self.rules.iter().all(|rule| rule(component, caller))
    }
}
