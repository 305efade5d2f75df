//! Rust expressions for option values known at compile time: optional
//! strings and icon lists, named by absolute paths.

use crate::exports::_Icon;
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
