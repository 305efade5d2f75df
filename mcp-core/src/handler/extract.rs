use super::arguments::{ArgError, Arguments};
use crate::Context;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;

/// A handler parameter filled from the request's context rather than from
/// the client's arguments (`Context`, `State<T>`, your own types).
///
/// Implement it for your own extractor and use the type as a parameter of any
/// `#[tool]`, `#[resource]` or `#[prompt]` function; it never shows in the
/// schema.
///
/// ```
/// use quickmcp::{prelude::*, handler::Extractor, handler::ExtractError};
///
/// /// The caller's session id, or "none".
/// struct SessionTag(String);
///
/// impl Extractor for SessionTag {
///     fn extract(ctx: &Context) -> Result<Self, ExtractError> {
///         Ok(SessionTag(ctx.session_id().unwrap_or("none").to_owned()))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor",
    label = "not an extractor",
    note = "extractors implement `quickmcp::handler::Extractor` (`Context`, `State<T>`, your own types); \
            a `#[resource]` parameter that is not a URI template variable must be one"
)]
pub trait Extractor: Sized {
    /// Builds the value for the running request.
    fn extract(ctx: &Context) -> Result<Self, ExtractError>;

    /// Adds the shared state this extractor cannot work without, so that
    /// building the server names any that was never registered. The default
    /// needs none.
    fn required_state(_: &mut Vec<RequiredState>) {}
}

/// Shared state a handler needs: `Server::builder(..).state(..)` must have
/// registered a value of this type, or building the server fails naming
/// the handler.
#[derive(Clone, Copy)]
pub struct RequiredState {
    type_name: &'static str,
    registered: fn(&http::Extensions) -> bool,
}

impl RequiredState {
    /// State of type `T`.
    pub fn of<T: Clone + Send + Sync + 'static>() -> Self {
        Self { type_name: std::any::type_name::<T>(), registered: |state| state.get::<T>().is_some() }
    }

    /// The type's name.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// Whether `state` holds a value of the type.
    pub(crate) fn is_registered(&self, state: &http::Extensions) -> bool {
        (self.registered)(state)
    }
}

impl fmt::Debug for RequiredState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RequiredState").field(&self.type_name).finish()
    }
}

/// An extractor could not produce its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractError(pub String);

impl ExtractError {
    /// An error explaining `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Extractor for Context {
    fn extract(ctx: &Context) -> Result<Self, ExtractError> {
        Ok(ctx.clone())
    }
}

/// Optional: `None` when `T` cannot be extracted (so it requires nothing).
impl<T: Extractor> Extractor for Option<T> {
    fn extract(ctx: &Context) -> Result<Self, ExtractError> {
        Ok(T::extract(ctx).ok())
    }
}

/// Shared application state registered with `Server::builder(..).state(..)`.
///
/// ```
/// use quickmcp::prelude::*;
///
/// #[derive(Clone)]
/// struct Db { name: &'static str }
///
/// #[tool]
/// async fn db_name(State(db): State<Db>) -> String {
///     db.name.to_owned()
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct State<T>(pub T);

impl<T: Clone + Send + Sync + 'static> Extractor for State<T> {
    fn extract(ctx: &Context) -> Result<Self, ExtractError> {
        ctx.state::<T>().map(State).ok_or_else(|| {
            ExtractError::new(format!("no state of type `{}` was registered", std::any::type_name::<T>()))
        })
    }

    fn required_state(needs: &mut Vec<RequiredState>) {
        needs.push(RequiredState::of::<T>());
    }
}

/// Marker: the parameter is a JSON argument.
#[doc(hidden)]
pub enum AsArg {}
/// Marker: the parameter is an extractor.
#[doc(hidden)]
pub enum AsExtractor {}

/// How a handler parameter is described and filled. Implemented for every
/// `DeserializeOwned + JsonSchema` type (an argument) and every
/// [`Extractor`]; the macros let rustc infer which.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a handler parameter",
    label = "not a JSON argument and not an extractor",
    note = "arguments must implement `serde::Deserialize` and `schemars::JsonSchema`; extractors implement `quickmcp::handler::Extractor`",
    note = "for shared state use `quickmcp::State<T>` (given with `ServerBuilder::state`), not axum's `State`"
)]
pub trait Param<M>: Sized {
    /// Whether the parameter appears in the schema.
    const IS_ARGUMENT: bool;
    /// Adds the parameter to the arguments schema (arguments only).
    fn describe(
        schema: &mut crate::schema::ObjectSchema,
        name: &str,
        description: Option<&str>,
        default: Option<Value>,
    );
    /// Produces the value for one call.
    fn fill(ctx: &Context, args: &Arguments<'_>, name: &str) -> Result<Self, ArgError>;
    /// Whether a call must give the argument (prompt arguments' `required`).
    fn is_required() -> bool {
        false
    }
    /// Adds the shared state the parameter needs (extractors only).
    fn required_state(_: &mut Vec<RequiredState>) {}
}

impl<T: DeserializeOwned + JsonSchema> Param<AsArg> for T {
    const IS_ARGUMENT: bool = true;
    fn describe(
        schema: &mut crate::schema::ObjectSchema,
        name: &str,
        description: Option<&str>,
        default: Option<Value>,
    ) {
        schema.property::<T>(name, description, default);
    }
    fn fill(_: &Context, args: &Arguments<'_>, name: &str) -> Result<Self, ArgError> {
        args.decode(name)
    }
    fn is_required() -> bool {
        !crate::schema::is_optional::<T>()
    }
}

impl<T: Extractor> Param<AsExtractor> for T {
    const IS_ARGUMENT: bool = false;
    fn describe(_: &mut crate::schema::ObjectSchema, _: &str, _: Option<&str>, _: Option<Value>) {}
    fn fill(ctx: &Context, _: &Arguments<'_>, _: &str) -> Result<Self, ArgError> {
        T::extract(ctx).map_err(|e| ArgError::server(e.0))
    }
    fn required_state(needs: &mut Vec<RequiredState>) {
        T::required_state(needs);
    }
}
