//! Code shared by `#[tool]` and `#[prompt]`: every parameter goes through
//! `quickmcp::__private::Param<M>`, and rustc infers the marker `M` (JSON
//! argument or extractor) from the parameter type's traits; `#[arg]` and
//! `#[ctx]` name it instead.
//!
//! The fragments use these locals of the generated code: `__mcp_schema`
//! (the `ObjectSchema` being built), `__mcp_ctx` (the `Context`),
//! `__mcp_args` (the split `Arguments`) and `__mcp_fail` (a local fn turning
//! an `ArgError` into the handler's failed future), and the `__mcp_default_N`
//! fns of [`default_fns`].

use crate::attr::Role;
use crate::exports::{_Arguments, _AsArg, _AsExtractor, _Param, _complete_fn, _serde_json};
use crate::function::{Function, Param};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// `<T as Param<M>>`, spanned at the parameter's type so a type that is
/// neither an argument nor an extractor is reported there.
pub fn param_trait(param: &Param) -> TokenStream {
    let (ty, span) = (&param.ty, param.ty_span());
    let marker = match param.attrs.role {
        Role::Inferred => quote!(_),
        Role::Arg => quote!(#_AsArg),
        Role::Ctx => quote!(#_AsExtractor),
    };
    let trait_path = _Param.respanned(span);
    quote_spanned!(span=> <#ty as #trait_path<#marker>>)
}

/// `let __mcp_required_state`: the shared state every parameter needs, each
/// parameter's trait given by `param_trait` (extractors add theirs).
pub fn required_state(function: &Function, param_trait: impl Fn(&Param) -> Option<TokenStream>) -> TokenStream {
    let needs = function.params.iter().filter_map(param_trait);
    quote! {
        #[allow(unused_mut)]
        let mut __mcp_required_state = ::std::vec::Vec::new();
        #(#needs::required_state(&mut __mcp_required_state);)*
    }
}

/// `fn __mcp_default_N() -> T` for every `#[arg(default = ..)]`: the value
/// is typed as the parameter once, and made afresh for every call.
pub fn default_fns(function: &Function) -> TokenStream {
    function
        .params
        .iter()
        .filter_map(|param| {
            let default = param.attrs.default.as_ref()?;
            let (ty, default_fn) = (&param.ty, param.default_fn());
            Some(quote!(fn #default_fn() -> #ty { #default }))
        })
        .collect()
}

/// `Option<Value>` of the default value, for the schema.
fn default_json(param: &Param) -> TokenStream {
    if param.attrs.default.is_none() {
        return quote!(::core::option::Option::None);
    }
    let default_fn = param.default_fn();
    let span = param.ty_span();
    let serde_json = _serde_json.respanned(span);
    let to_value = quote_spanned!(span=> #serde_json::to_value);
    quote!(#to_value(#default_fn()).ok())
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

/// Statements splitting the raw arguments `raw` (an `Option<&RawValue>`
/// expression), refusing unknown keys, binding every parameter, then `run`;
/// any failure returns `__mcp_fail(error)`. Tools and prompts share it.
pub fn decode_then(raw: &TokenStream, function: &Function, run: &TokenStream) -> TokenStream {
    let fill = fill(function);
    quote! {
        let __mcp_args = match #_Arguments::parse(#raw) {
            ::core::result::Result::Ok(args) => args,
            ::core::result::Result::Err(error) => return __mcp_fail(error),
        };
        if let ::core::result::Result::Err(error) = __mcp_args.deny_unknown(&__mcp_known) {
            return __mcp_fail(error);
        }
        #fill
        #run
    }
}

/// Statements binding every parameter from `__mcp_ctx` and `__mcp_args`,
/// returning `__mcp_fail(error)` on the first failure.
fn fill(function: &Function) -> TokenStream {
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
            if param.attrs.default.is_some() {
                let default_fn = param.default_fn();
                quote!(let #binding: #ty = if __mcp_args.contains(#name) { #filled } else { #default_fn() };)
            } else {
                quote!(let #binding: #ty = #filled;)
            }
        })
        .collect()
}

/// `(argument name, completion source)` pairs of `complete(arg = f, ..)`.
pub fn completion_sources(complete: &[(syn::Ident, syn::Expr)]) -> Vec<TokenStream> {
    complete
        .iter()
        .map(|(key, source)| {
            let key = key.to_string();
            let span = syn::spanned::Spanned::span(source);
            let complete_fn = _complete_fn.respanned(span);
            let source = quote_spanned!(span=> #complete_fn(#source));
            quote!((::std::string::String::from(#key), #source))
        })
        .collect()
}
