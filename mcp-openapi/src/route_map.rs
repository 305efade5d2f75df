//! Which operations become what: tools (the default), resources and
//! resource templates, or nothing.

use crate::error::OpenApiError;
use http::Method;
use regex_lite::Regex;

/// What a matched operation becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// A tool (every operation no route map matches).
    Tool,
    /// A resource for a `GET` without path parameters, a resource template
    /// (`openapi://pets/{petId}`) for one with them.
    Resource,
    /// Nothing: the operation is left out.
    Exclude,
}

/// A rule: operations matching every condition given (methods, a path
/// pattern, tags) become [`Target`]. Rules are tried in the order they
/// were added; the first that matches decides, and an operation no rule
/// matches becomes a tool.
///
/// ```
/// use quickmcp_openapi::RouteMap;
/// use http::Method;
///
/// // Internal operations out, collection GETs as resources.
/// let internal = RouteMap::exclude().tag("internal");
/// let listings = RouteMap::resource().method(Method::GET).path(r"^/pets$");
/// # let _ = (internal, listings);
/// ```
#[derive(Debug, Clone)]
pub struct RouteMap {
    target: Target,
    methods: Vec<Method>,
    pattern: Option<String>,
    tags: Vec<String>,
}

impl RouteMap {
    /// Matching operations become `target`.
    pub fn new(target: Target) -> Self {
        Self { target, methods: Vec::new(), pattern: None, tags: Vec::new() }
    }

    /// Matching operations become tools.
    pub fn tool() -> Self {
        Self::new(Target::Tool)
    }

    /// Matching operations become resources or resource templates.
    pub fn resource() -> Self {
        Self::new(Target::Resource)
    }

    /// Matching operations are left out.
    pub fn exclude() -> Self {
        Self::new(Target::Exclude)
    }

    /// Matches this method too (any method when none is given).
    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.methods.push(method);
        self
    }

    /// Matches paths (as written in the document, `/pets/{petId}`) that the
    /// regular expression `pattern` finds a match in; anchor it (`^…$`) for
    /// whole paths. An invalid pattern fails [`OpenApi::build`](crate::OpenApi::build).
    #[must_use]
    pub fn path(mut self, pattern: impl Into<String>) -> Self {
        self.pattern = Some(pattern.into());
        self
    }

    /// Matches operations that have this tag (all of them, when given several).
    #[must_use]
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    pub(crate) fn compile(self) -> Result<CompiledRouteMap, OpenApiError> {
        let pattern = match &self.pattern {
            Some(pattern) => {
                Some(Regex::new(pattern).map_err(|e| OpenApiError::InvalidPattern(format!("`{pattern}`: {e}")))?)
            }
            None => None,
        };
        Ok(CompiledRouteMap { map: self, pattern })
    }
}

pub(crate) struct CompiledRouteMap {
    map: RouteMap,
    pattern: Option<Regex>,
}

impl CompiledRouteMap {
    fn matches(&self, method: &Method, path: &str, tags: &[String]) -> bool {
        (self.map.methods.is_empty() || self.map.methods.contains(method))
            && self.pattern.as_ref().is_none_or(|p| p.is_match(path))
            && self.map.tags.iter().all(|tag| tags.contains(tag))
    }
}

/// What the first matching map says, else [`Target::Tool`].
pub(crate) fn target(maps: &[CompiledRouteMap], method: &Method, path: &str, tags: &[String]) -> Target {
    maps.iter().find(|m| m.matches(method, path, tags)).map_or(Target::Tool, |m| m.map.target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_match_wins_and_tool_is_the_default() {
        let maps: Vec<CompiledRouteMap> =
            [RouteMap::exclude().tag("internal"), RouteMap::resource().method(Method::GET).path(r"^/pets")]
                .into_iter()
                .map(|m| m.compile().unwrap())
                .collect();
        let tags = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(target(&maps, &Method::GET, "/pets/{id}", &tags(&["internal"])), Target::Exclude);
        assert_eq!(target(&maps, &Method::GET, "/pets/{id}", &tags(&["pets"])), Target::Resource);
        assert_eq!(target(&maps, &Method::POST, "/pets", &[]), Target::Tool);
        assert!(RouteMap::tool().path("(").compile().is_err());
    }
}
