//! Code shared by `#[tool]` and `#[prompt]`: every parameter goes through
//! `mcp_core::__private::Param<M>`, and rustc infers the marker `M` (JSON
//! argument or extractor) from the parameter type's traits; `#[arg]` and
//! `#[ctx]` name it instead.
//!
//! The fragments use these locals of the generated code: `__mcp_schema`
//! (the `ObjectSchema` being built), `__mcp_ctx` (the `Context`),
//! `__mcp_args` (the split `Arguments`) and `__mcp_fail` (a local fn turning
//! an `ArgError` into the handler's failed future).

use crate::attr::Role;
use crate::function::{Function, Param};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// `<T as Param<M>>`, spanned at the parameter's type so a type that is
/// neither an argument nor an extractor is reported there.
pub fn param_trait(param: &Param) -> TokenStream {
    let ty = &param.ty;
    let marker = match param.attrs.role {
        Role::Inferred => quote!(_),
        Role::Arg => quote!(::mcp_core::__private::AsArg),
        Role::Ctx => quote!(::mcp_core::__private::AsExtractor),
    };
    quote_spanned!(param.ty_span()=> <#ty as ::mcp_core::__private::Param<#marker>>)
}

/// `Option<Value>` of the `#[arg(default = ..)]` value, typed as the parameter.
fn default_json(param: &Param) -> TokenStream {
    let ty = &param.ty;
    match &param.attrs.default {
        Some(default) => {
            let to_value =
                quote_spanned!(param.ty_span()=> ::mcp_core::__private::serde_json::to_value);
            quote!({
                let __mcp_default: #ty = #default;
                #to_value(__mcp_default).ok()
            })
        }
        None => quote!(::core::option::Option::None),
    }
}

/// `Option<&str>` of a parameter's description.
pub fn description(param: &Param) -> TokenStream {
    match &param.attrs.description {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}

/// Statements adding every argument to `__mcp_schema` (extractors add nothing).
pub fn describe(function: &Function) -> TokenStream {
    function
        .params
        .iter()
        .map(|param| {
            let param_trait = param_trait(param);
            let name = param.name();
            let description = description(param);
            let default = default_json(param);
            quote!(#param_trait::describe(&mut __mcp_schema, #name, #description, #default);)
        })
        .collect()
}

/// Whether a parameter is a JSON argument, as a `const bool` expression.
pub fn is_argument(param: &Param) -> TokenStream {
    let param_trait = param_trait(param);
    quote!(#param_trait::IS_ARGUMENT)
}

/// `let __mcp_known: Vec<&'static str>`: the argument names, for rejecting
/// unknown keys.
pub fn known_names(function: &Function) -> TokenStream {
    let count = function.params.len();
    let entries = function.params.iter().map(|param| {
        let name = param.name();
        let is_argument = is_argument(param);
        quote!((#name, #is_argument))
    });
    quote! {
        let __mcp_params: [(&'static str, bool); #count] = [#(#entries),*];
        let __mcp_known: ::std::vec::Vec<&'static str> =
            __mcp_params.iter().filter(|p| p.1).map(|p| p.0).collect();
    }
}

/// Statements binding every parameter from `__mcp_ctx` and `__mcp_args`,
/// returning `__mcp_fail(error)` on the first failure.
pub fn fill(function: &Function) -> TokenStream {
    function
        .params
        .iter()
        .map(|param| {
            let Param { binding, ty, .. } = param;
            let param_trait = param_trait(param);
            let name = param.name();
            let filled = quote! {
                match #param_trait::fill(&__mcp_ctx, &__mcp_args, #name) {
                    ::core::result::Result::Ok(value) => value,
                    ::core::result::Result::Err(error) => return __mcp_fail(error),
                }
            };
            match &param.attrs.default {
                Some(default) => quote! {
                    let #binding: #ty = if __mcp_args.contains(#name) { #filled } else { #default };
                },
                None => quote!(let #binding: #ty = #filled;),
            }
        })
        .collect()
}
