//! Who is calling: the [`Principal`] an authentication layer verified, and
//! the [`Claims`] of its token typed by you.
//!
//! The scopes tools, resources and prompts declare
//! (`#[tool(scopes("notes:write"))]`) are checked by the server itself
//! for every authenticated caller, before the function runs (403
//! `insufficient_scope` over HTTP), and lists leave out what the caller may
//! not use; [`RequireScopes`] also refuses callers without a principal.
//!
//! Verifying tokens is the transport's job (a tower layer at the HTTP edge
//! puts the `Principal` in the request's extensions); everything here reads
//! it from there, in both protocol eras.
//!
//! ```
//! use quickmcp::auth::{Claims, Principal};
//! use quickmcp::tool;
//!
//! #[derive(serde::Deserialize)]
//! struct MyClaims {
//!     email: String,
//! }
//!
//! /// Says who is calling.
//! #[tool(scopes("profile:read"))]
//! async fn whoami(principal: Principal, Claims(claims): Claims<MyClaims>) -> String {
//!     format!("{} <{}>", principal.subject(), claims.email)
//! }
//! ```

mod scopes;

pub use scopes::RequireScopes;
pub(crate) use scopes::needs;

use crate::Context;
use crate::handler::{ExtractError, Extractor};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;

/// A verified caller: the token's subject, its scopes and all its claims.
/// Put in the request's extensions by an authentication layer; take it as
/// a handler parameter (or `Option<Principal>` where calls without one are
/// fine). Cloning it is cheap (one shared allocation).
#[derive(Debug, Clone, PartialEq)]
pub struct Principal(Arc<Verified>);

#[derive(Debug, PartialEq)]
struct Verified {
    subject: String,
    scopes: Vec<String>,
    claims: Value,
}

impl Principal {
    /// A principal with `subject`, `scopes` and `claims`.
    pub fn new(subject: impl Into<String>, scopes: Vec<String>, claims: Value) -> Self {
        Self(Arc::new(Verified { subject: subject.into(), scopes, claims }))
    }

    /// Who the token was issued to (`sub`).
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// What the token allows (its `scope`, space-separated, or `scp`).
    pub fn scopes(&self) -> &[String] {
        &self.0.scopes
    }

    /// Whether the token grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.scopes.iter().any(|s| s == scope)
    }

    /// Every claim of the token, as verified.
    pub fn claims(&self) -> &Value {
        &self.0.claims
    }

    /// The claims as your own type.
    pub fn claims_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.0.claims)
    }
}

/// The verified caller of a request whose extensions are `extensions`: the
/// principal an authentication layer put there, if any. Everything bound to
/// a caller (sessions, tasks, round trips) asks here.
pub fn caller(extensions: &http::Extensions) -> Option<&Principal> {
    extensions.get::<Principal>()
}

/// The verified caller's subject: what sessions, tasks and round trips are
/// bound to.
pub fn caller_subject(extensions: &http::Extensions) -> Option<&str> {
    caller(extensions).map(Principal::subject)
}

/// Whether the caller may use something opened by `owner`: anyone, when it
/// was opened without authentication; else only the same subject.
///
/// ```
/// use quickmcp::auth::{Principal, may_use};
///
/// let mut extensions = http::Extensions::new();
/// assert!(may_use(None, &extensions));
/// assert!(!may_use(Some("alice"), &extensions));
/// extensions.insert(Principal::new("alice", vec![], serde_json::Value::Null));
/// assert!(may_use(Some("alice"), &extensions));
/// assert!(!may_use(Some("bob"), &extensions));
/// ```
pub fn may_use(owner: Option<&str>, extensions: &http::Extensions) -> bool {
    owner.is_none_or(|owner| caller_subject(extensions) == Some(owner))
}

impl Extractor for Principal {
    fn extract(ctx: &Context) -> Result<Self, ExtractError> {
        ctx.extensions().get::<Principal>().cloned().ok_or_else(|| {
            ExtractError::new("no authenticated principal: the server has no authentication layer in front of it")
        })
    }
}

/// The verified token's claims as `T`.
#[derive(Debug, Clone)]
pub struct Claims<T>(pub T);

impl<T: DeserializeOwned> Extractor for Claims<T> {
    fn extract(ctx: &Context) -> Result<Self, ExtractError> {
        let principal = Principal::extract(ctx)?;
        let claims = principal.claims_as().map_err(|e| {
            ExtractError::new(format!("the token's claims are not a `{}`: {e}", std::any::type_name::<T>()))
        })?;
        Ok(Claims(claims))
    }
}
