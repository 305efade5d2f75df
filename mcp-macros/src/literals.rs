//! Rust expressions for option values known at compile time: optional
//! strings and icon lists, named by absolute paths.

use crate::exports::{_Icon, _serde_json};
use proc_macro2::TokenStream;
use quote::quote;

/// `Option<String>` of `value`.
pub fn opt_string(value: Option<&str>) -> TokenStream {
    match value {
        Some(text) => quote!(::core::option::Option::Some(::std::string::String::from(#text))),
        None => quote!(::core::option::Option::None),
    }
}

/// `Option<Vec<Icon>>` of `icons("..", ..)`.
pub fn icons(sources: Option<&[String]>) -> TokenStream {
    match sources {
        Some(sources) => {
            let icons = sources.iter().map(|source| quote!(#_Icon::new(#source)));
            quote!(::core::option::Option::Some(::std::vec![#(#icons),*]))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// `Vec<String>` of a list of strings (`tags(..)`, `scopes(..)`).
pub fn tags(tags: &[String]) -> TokenStream {
    quote!(::std::vec![#(::std::string::String::from(#tags)),*])
}

/// The `_meta` of a component: `{"tags": [..]}` when it has tags.
pub fn meta(tags: &[String]) -> TokenStream {
    if tags.is_empty() {
        return quote!(::core::option::Option::None);
    }
    quote!(::core::option::Option::Some(#_serde_json::json!({ "tags": [#(#tags),*] })))
}
