//! `#[prompt]`: checks the function and generates its `PromptFactory`.
//!
//! Prompt arguments arrive as strings, so each argument parameter is read
//! with `FromStr` (an `Option` of one when it may be absent), as URI
//! template variables are; a type that cannot be is a compile error at the
//! type. A bad call is an "invalid params" error naming the argument; a
//! failed extractor is an internal error.

use crate::attr::{PromptAttrs, Role};
use crate::ctxt::Ctxt;
use crate::exports::{
    _ArgError, _AsExtractor, _AsText, _BoxFuture, _Context, _GetPromptResult, _IntoPromptResult, _Prompt,
    _PromptArgument, _PromptDef, _PromptFactory, _PromptParam, _RpcError,
};
use crate::function::{Function, Param};
use crate::{arguments, literals};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, LitStr};

/// Expands `#[prompt(args)]` on `func` (whose helper attributes are removed).
pub fn expand(cx: &Ctxt, args: TokenStream, func: &mut ItemFn) -> TokenStream {
    let attrs = PromptAttrs::from_tokens(cx, args);
    let function = Function::from_ast(cx, func, "prompt");
    check(cx, &attrs, &function);
    generate(&attrs, &function)
}

fn check(cx: &Ctxt, attrs: &PromptAttrs, function: &Function) {
    function.check_unique_names(cx, "argument");
    function.reject_headers(cx, "prompt");
    for (key, _) in &attrs.complete {
        if !function.params.iter().any(|p| key == &p.name()) {
            cx.error(key, format!("`{key}` is not an argument of this prompt"));
        }
    }
}

fn generate(attrs: &PromptAttrs, function: &Function) -> TokenStream {
    let ident = &function.ident;
    let output = &function.output;
    let name = attrs.name.as_ref().map_or_else(|| function.default_name(), LitStr::value);
    let title = literals::opt_string(attrs.title.as_deref());
    let description = literals::opt_string(attrs.description.as_deref().or(function.doc.as_deref()));
    let icons = literals::icons(attrs.icons.as_deref());
    let (meta, tags) = (literals::meta(&attrs.tags), literals::tags(&attrs.tags));
    let scopes = literals::tags(&attrs.scopes);
    let count = function.params.len();
    let prompt_arguments = function.params.iter().map(|param| {
        let param_trait = param_trait(param);
        let name = param.name();
        let description = literals::opt_string(param.attrs.description.as_deref());
        let required = if param.attrs.default.is_some() { quote!(false) } else { quote!(#param_trait::is_required()) };
        quote! {
            (#param_trait::IS_ARGUMENT, #_PromptArgument {
                name: ::std::string::String::from(#name),
                description: #description,
                required: #required,
            })
        }
    });
    let known = function.params.iter().map(|param| {
        let (name, param_trait) = (param.name(), param_trait(param));
        quote!((#name, #param_trait::IS_ARGUMENT))
    });
    let fill = fill(function);
    let required_state = arguments::required_state(function, |param| Some(param_trait(param)));
    let call = function.call();
    let span = output.span();
    let trait_path = _IntoPromptResult.respanned(span);
    let into_result = quote_spanned!(span=> <#output as #trait_path>);
    let run = function.boxed_future(&quote!(#into_result::into_prompt_result(#call)));
    let defaults = arguments::default_fns(function);
    let completions = arguments::completion_sources(&attrs.complete);
    let factory = function.factory_struct();
    quote! {
        #factory

        const _: () = {
            #[automatically_derived]
            #[allow(clippy::unit_arg)]
            impl #_PromptFactory for #ident {
                fn definition() -> #_PromptDef {
                    type __McpGet = ::core::result::Result<#_GetPromptResult, #_RpcError>;
                    fn __mcp_fail(error: #_ArgError) -> #_BoxFuture<__McpGet> {
                        ::std::boxed::Box::pin(::core::future::ready(::core::result::Result::Err(error.into_rpc())))
                    }
                    #defaults
                    let __mcp_arguments: [(bool, #_PromptArgument); #count] = [#(#prompt_arguments),*];
                    let __mcp_params: [(&'static str, bool); #count] = [#(#known),*];
                    let __mcp_prompt = #_Prompt {
                        name: ::std::string::String::from(#name),
                        title: #title,
                        description: #description,
                        arguments: __mcp_arguments.into_iter().filter(|a| a.0).map(|a| a.1).collect(),
                        icons: #icons,
                        meta: #meta,
                    };
                    let __mcp_handler = move |
                        __mcp_ctx: #_Context,
                        __mcp_map: ::std::collections::HashMap<::std::string::String, ::std::string::String>,
                    | -> #_BoxFuture<__McpGet> {
                        let __mcp_unknown = __mcp_map.keys().find(|key| !__mcp_params.iter().any(|p| p.1 && p.0 == *key));
                        if let ::core::option::Option::Some(unknown) = __mcp_unknown {
                            return __mcp_fail(#_ArgError::new(::std::format!("unknown argument `{unknown}`")));
                        }
                        #fill
                        #run
                    };
                    #required_state
                    #_PromptDef {
                        prompt: __mcp_prompt,
                        handler: ::std::sync::Arc::new(__mcp_handler),
                        completions: ::std::vec![#(#completions),*],
                        scopes: #scopes,
                        required_state: __mcp_required_state,
                        tags: #tags,
                    }
                }
            }
        };
    }
}

/// `<T as PromptParam<M>>`, spanned at the parameter's type so a type that
/// is neither read from text nor an extractor is reported there.
fn param_trait(param: &Param) -> TokenStream {
    let (ty, span) = (&param.ty, param.ty_span());
    let marker = match param.attrs.role {
        Role::Inferred => quote!(_),
        Role::Arg => quote!(#_AsText<_>),
        Role::Ctx => quote!(#_AsExtractor),
    };
    let trait_path = _PromptParam.respanned(span);
    quote_spanned!(span=> <#ty as #trait_path<#marker>>)
}

/// Statements binding every parameter from `__mcp_ctx` and the string
/// arguments `__mcp_map` (or its default), returning `__mcp_fail(error)` on
/// the first failure.
fn fill(function: &Function) -> TokenStream {
    function
        .params
        .iter()
        .map(|param| {
            let (binding, ty, name) = (&param.binding, &param.ty, param.name());
            let param_trait = param_trait(param);
            let filled = quote! {
                match #param_trait::fill(&__mcp_ctx, &__mcp_map, #name) {
                    ::core::result::Result::Ok(value) => value,
                    ::core::result::Result::Err(error) => return __mcp_fail(error),
                }
            };
            match param.attrs.default.is_some() {
                true => {
                    let default_fn = param.default_fn();
                    quote!(let #binding: #ty = if __mcp_map.contains_key(#name) { #filled } else { #default_fn() };)
                }
                false => quote!(let #binding: #ty = #filled;),
            }
        })
        .collect()
}
