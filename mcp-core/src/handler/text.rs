//! Values that arrive as text, URI template variables and prompt
//! arguments, parsed with `FromStr` the same way for both; and the
//! parameter trait of `#[prompt]`, which tells such arguments from
//! extractors.

use super::arguments::ArgError;
use super::extract::{AsExtractor, Extractor, RequiredState};
use crate::Context;
use crate::protocol::jsonrpc::echoed;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A value read from text: any `FromStr` type, or an `Option` of one for a
/// value that may be absent (`{?query}`, an optional prompt argument).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from text",
    label = "URI template variables and prompt arguments arrive as text: use a type implementing `FromStr` (or an `Option` of one)"
)]
pub trait FromText<M>: Sized {
    /// Parses `name` from `values`.
    fn from_text(values: &HashMap<String, String>, name: &str) -> Result<Self, ArgError>;
    /// Whether the value must be present.
    fn is_required() -> bool;
}

#[doc(hidden)]
pub enum Required {}
#[doc(hidden)]
pub enum Optional {}

fn parse<T: FromStr>(value: &str, name: &str) -> Result<T, ArgError>
where
    T::Err: fmt::Display,
{
    value.parse().map_err(|e: T::Err| {
        let (value, why) = (echoed(value), e.to_string());
        ArgError::new(format!("invalid value {value:?} for `{name}`: {}", echoed(&why)))
    })
}

impl<T: FromStr> FromText<Required> for T
where
    T::Err: fmt::Display,
{
    fn from_text(values: &HashMap<String, String>, name: &str) -> Result<Self, ArgError> {
        let value = values.get(name).ok_or_else(|| ArgError::new(format!("missing required argument `{name}`")))?;
        parse(value, name)
    }
    fn is_required() -> bool {
        true
    }
}

impl<T: FromStr> FromText<Optional> for Option<T>
where
    T::Err: fmt::Display,
{
    fn from_text(values: &HashMap<String, String>, name: &str) -> Result<Self, ArgError> {
        values.get(name).map(|v| parse(v, name)).transpose()
    }
    fn is_required() -> bool {
        false
    }
}

/// Marker: the prompt parameter is an argument read from text.
#[doc(hidden)]
pub struct AsText<M>(std::marker::PhantomData<M>);

/// How a `#[prompt]` parameter is filled: an argument read from text
/// ([`FromText`]) or an [`Extractor`]; the macro lets rustc infer which.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a prompt parameter",
    label = "prompt arguments arrive as text: use a type implementing `FromStr` (or an `Option` of one), or an extractor",
    note = "for a structured value, take a `String` and parse it in the function"
)]
pub trait PromptParam<M>: Sized {
    /// Whether the parameter is listed as a prompt argument.
    const IS_ARGUMENT: bool;
    /// Whether a call must give the argument.
    fn is_required() -> bool;
    /// Produces the value for one call.
    fn fill(ctx: &Context, args: &HashMap<String, String>, name: &str) -> Result<Self, ArgError>;
    /// Adds the shared state the parameter needs (extractors only).
    fn required_state(_: &mut Vec<RequiredState>) {}
}

impl<T: FromText<M>, M> PromptParam<AsText<M>> for T {
    const IS_ARGUMENT: bool = true;
    fn is_required() -> bool {
        T::is_required()
    }
    fn fill(_: &Context, args: &HashMap<String, String>, name: &str) -> Result<Self, ArgError> {
        T::from_text(args, name)
    }
}

impl<T: Extractor> PromptParam<AsExtractor> for T {
    const IS_ARGUMENT: bool = false;
    fn is_required() -> bool {
        false
    }
    fn fill(ctx: &Context, _: &HashMap<String, String>, _: &str) -> Result<Self, ArgError> {
        T::extract(ctx).map_err(|e| ArgError::server(e.0))
    }
    fn required_state(needs: &mut Vec<RequiredState>) {
        T::required_state(needs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_parse_with_from_str_and_name_the_argument() {
        let values = HashMap::from([("id".to_owned(), "3".to_owned()), ("bad".to_owned(), "x".to_owned())]);
        assert_eq!(<u64 as FromText<_>>::from_text(&values, "id"), Ok(3));
        assert_eq!(<Option<u64> as FromText<_>>::from_text(&values, "none"), Ok(None));
        let error = <u64 as FromText<_>>::from_text(&values, "bad").unwrap_err().to_string();
        assert!(error.contains("`bad`"), "{error}");
        let missing = <u64 as FromText<_>>::from_text(&values, "gone").unwrap_err().to_string();
        assert_eq!(missing, "missing required argument `gone`");
        assert!(<u64 as FromText<_>>::is_required() && !<Option<u64> as FromText<_>>::is_required());
    }
}
