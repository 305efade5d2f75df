use super::{BoxFuture, CompleteFn, Json, RequiredState};
use crate::protocol::jsonrpc::{RpcError, code};
use crate::protocol::{Resource, ResourceContents, ResourceTemplate};
use crate::uri_template::UriTemplate;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// What a resource handler is asked to read.
#[derive(Debug, Clone, Default)]
pub struct ResourceRequest {
    /// The URI being read.
    pub uri: String,
    /// Template variables matched in it (percent-decoded).
    pub vars: HashMap<String, String>,
}

/// The stored handler of a resource or template.
pub type ResourceHandler =
    Arc<dyn Fn(crate::Context, ResourceRequest) -> BoxFuture<Result<Vec<ResourceContents>, RpcError>> + Send + Sync>;

/// What a registered resource serves: one fixed URI, or every URI a
/// template matches.
#[derive(Debug, Clone)]
pub enum ResourceKind {
    /// A fixed resource, listed by `resources/list`.
    Fixed(Resource),
    /// A template, listed by `resources/templates/list`, with its parsed matcher.
    Template(ResourceTemplate, UriTemplate),
}

/// A registered resource or resource template and its handler.
#[derive(Clone)]
pub struct ResourceDef {
    /// Fixed or templated.
    pub kind: ResourceKind,
    /// What `resources/read` runs.
    pub handler: ResourceHandler,
    /// Completion sources for template variables.
    pub completions: Vec<(String, CompleteFn)>,
    /// OAuth scopes a caller needs (empty: none).
    pub scopes: Vec<String>,
    /// Shared state the handler needs (checked when the server is built).
    pub required_state: Vec<RequiredState>,
    /// Tags (`#[tool(tags(..))]`), for middleware that filters by them;
    /// also listed in the component's `_meta`.
    pub tags: Vec<String>,
}

impl ResourceDef {
    /// A fixed resource.
    pub fn fixed<F, Fut>(resource: Resource, handler: F) -> Self
    where
        F: Fn(crate::Context, ResourceRequest) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Vec<ResourceContents>, RpcError>> + Send + 'static,
    {
        Self {
            kind: ResourceKind::Fixed(resource),
            handler: boxed(handler),
            completions: Vec::new(),
            scopes: Vec::new(),
            required_state: Vec::new(),
            tags: Vec::new(),
        }
    }

    /// A resource template; fails when `template.uri_template` is not a valid
    /// RFC 6570 template.
    pub fn template<F, Fut>(template: ResourceTemplate, handler: F) -> Result<Self, crate::uri_template::TemplateError>
    where
        F: Fn(crate::Context, ResourceRequest) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Vec<ResourceContents>, RpcError>> + Send + 'static,
    {
        let matcher = UriTemplate::parse(&template.uri_template)?;
        Ok(Self {
            kind: ResourceKind::Template(template, matcher),
            handler: boxed(handler),
            completions: Vec::new(),
            scopes: Vec::new(),
            required_state: Vec::new(),
            tags: Vec::new(),
        })
    }

    /// The key it is registered under: its URI or its URI template.
    pub fn key(&self) -> &str {
        match &self.kind {
            ResourceKind::Fixed(resource) => &resource.uri,
            ResourceKind::Template(template, _) => &template.uri_template,
        }
    }

    /// Whether it is a template.
    pub fn is_template(&self) -> bool {
        matches!(self.kind, ResourceKind::Template(..))
    }
}

fn boxed<F, Fut>(handler: F) -> ResourceHandler
where
    F: Fn(crate::Context, ResourceRequest) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Vec<ResourceContents>, RpcError>> + Send + 'static,
{
    Arc::new(move |ctx, req| Box::pin(handler(ctx, req)))
}

impl fmt::Debug for ResourceDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceDef").field("key", &self.key()).finish_non_exhaustive()
    }
}

/// A resource read failed: not found (`-32002`) or another error (`-32603`).
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceError(pub RpcError);

impl ResourceError {
    /// The resource does not exist (the specification's `-32002`).
    pub fn not_found(uri: &str) -> Self {
        let uri = crate::protocol::jsonrpc::echoed(uri);
        Self(RpcError::new(code::RESOURCE_NOT_FOUND, "Resource not found").with_data(serde_json::json!({ "uri": uri })))
    }
    /// Any other failure, explained by `message`.
    pub fn new(message: impl fmt::Display) -> Self {
        Self(RpcError::internal(message))
    }
    /// A template variable had a value of the wrong form.
    pub fn invalid(message: impl fmt::Display) -> Self {
        Self(RpcError::invalid_params(message))
    }
}

impl fmt::Display for ResourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<String> for ResourceError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}
impl From<&str> for ResourceError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}
impl From<std::io::Error> for ResourceError {
    fn from(e: std::io::Error) -> Self {
        Self::new(e)
    }
}
impl From<RpcError> for ResourceError {
    fn from(e: RpcError) -> Self {
        Self(e)
    }
}

/// What a `#[resource]` function may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a `#[resource]`",
    label = "unsupported resource return type",
    note = "return `String`, `Vec<u8>`, `Json<T>`, `ResourceContents`, `Vec<ResourceContents>` or `Result<T, E: Into<ResourceError>>` of one of these"
)]
pub trait IntoResourceResult {
    /// Converts into the contents of `uri`, labelled with `mime` when given.
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, RpcError>;
}

fn labelled(contents: ResourceContents, mime: Option<&str>, fallback: &str) -> Vec<ResourceContents> {
    vec![contents.with_mime_type(mime.unwrap_or(fallback))]
}

impl IntoResourceResult for String {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, RpcError> {
        Ok(labelled(ResourceContents::text(uri, self), mime, "text/plain"))
    }
}

impl IntoResourceResult for &'static str {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, RpcError> {
        Ok(labelled(ResourceContents::text(uri, self), mime, "text/plain"))
    }
}

impl IntoResourceResult for Vec<u8> {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, RpcError> {
        Ok(labelled(ResourceContents::blob(uri, &self), mime, "application/octet-stream"))
    }
}

impl<T: Serialize> IntoResourceResult for Json<T> {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, RpcError> {
        let text = serde_json::to_string(&self.0).map_err(RpcError::internal)?;
        Ok(labelled(ResourceContents::text(uri, text), mime, "application/json"))
    }
}

impl IntoResourceResult for ResourceContents {
    fn into_contents(self, _: &str, _: Option<&str>) -> Result<Vec<ResourceContents>, RpcError> {
        Ok(vec![self])
    }
}

impl IntoResourceResult for Vec<ResourceContents> {
    fn into_contents(self, _: &str, _: Option<&str>) -> Result<Vec<ResourceContents>, RpcError> {
        Ok(self)
    }
}

impl<T: IntoResourceResult, E: Into<ResourceError>> IntoResourceResult for Result<T, E> {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, RpcError> {
        self.map_err(|e| e.into().0)?.into_contents(uri, mime)
    }
}
