//! `#[prompt]`: checks the function and generates its `PromptFactory`.
//!
//! Prompt arguments arrive as strings; the handler turns them into a JSON
//! object and decodes each parameter exactly as `#[tool]` does, so
//! `String`, `Option<String>` and string-like enums work, and a bad call is
//! an "invalid params" error naming the argument.

use crate::attr::PromptAttrs;
use crate::ctxt::Ctxt;
use crate::exports::{
    _BoxFuture, _Context, _GetPromptResult, _IntoPromptResult, _Prompt, _PromptArgument, _PromptDef, _PromptFactory,
    _RpcError, _serde_json,
};
use crate::function::Function;
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
    let count = function.params.len();
    let prompt_arguments = function.params.iter().map(|param| {
        let is_argument = arguments::is_argument(param);
        let name = param.name();
        let description = literals::opt_string(param.attrs.description.as_deref());
        let required = if param.attrs.default.is_some() {
            quote!(false)
        } else {
            let param_trait = arguments::param_trait(param);
            quote!(#param_trait::is_required())
        };
        quote! {
            (#is_argument, #_PromptArgument {
                name: ::std::string::String::from(#name),
                description: #description,
                required: #required,
            })
        }
    });
    let known = arguments::known_names(function);
    let call = function.call();
    let span = output.span();
    let trait_path = _IntoPromptResult.respanned(span);
    let into_result = quote_spanned!(span=> <#output as #trait_path>);
    let run = function.boxed_future(&quote!(#into_result::into_prompt_result(#call)));
    let body = arguments::decode_then(&quote!(::core::option::Option::Some(&__mcp_raw)), function, &run);
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
                    fn __mcp_fail(error: impl ::core::fmt::Display) -> #_BoxFuture<__McpGet> {
                        let error = #_RpcError::invalid_params(error);
                        ::std::boxed::Box::pin(::core::future::ready(::core::result::Result::Err(error)))
                    }
                    #defaults
                    let __mcp_arguments: [(bool, #_PromptArgument); #count] = [#(#prompt_arguments),*];
                    #known
                    let __mcp_prompt = #_Prompt {
                        name: ::std::string::String::from(#name),
                        title: #title,
                        description: #description,
                        arguments: __mcp_arguments.into_iter().filter(|a| a.0).map(|a| a.1).collect(),
                        icons: #icons,
                    };
                    let __mcp_handler = move |
                        __mcp_ctx: #_Context,
                        __mcp_map: ::std::collections::HashMap<::std::string::String, ::std::string::String>,
                    | -> #_BoxFuture<__McpGet> {
                        let __mcp_raw = match #_serde_json::value::to_raw_value(&__mcp_map) {
                            ::core::result::Result::Ok(raw) => raw,
                            ::core::result::Result::Err(error) => return __mcp_fail(error),
                        };
                        #body
                    };
                    #_PromptDef {
                        prompt: __mcp_prompt,
                        handler: ::std::sync::Arc::new(__mcp_handler),
                        completions: ::std::vec![#(#completions),*],
                    }
                }
            }
        };
    }
}
