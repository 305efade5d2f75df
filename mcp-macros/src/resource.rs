//! `#[resource("uri")]`: checks the URI (or URI template) against the
//! function and generates its `ResourceFactory`.
//!
//! Template variables bind to parameters of the same name (checked here, at
//! compile time); every other parameter must be an extractor, which rustc
//! checks on the parameter's type.

use crate::attr::{Audience, ContentAnnotations, ResourceAttrs, Role};
use crate::ctxt::Ctxt;
use crate::exports::{
    _Annotations, _ArgError, _BoxFuture, _Context, _Extractor, _FromText, _IntoResourceResult, _Resource,
    _ResourceContents, _ResourceDef, _ResourceFactory, _ResourceKind, _ResourceRequest, _ResourceTemplate, _Role,
    _RpcError, _UriTemplate,
};
use crate::function::{Function, Param};
use crate::{arguments, literals, template};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, LitStr};

/// Expands `#[resource(args)]` on `func` (whose helper attributes are removed).
pub fn expand(cx: &Ctxt, args: TokenStream, func: &mut ItemFn) -> TokenStream {
    let attrs = ResourceAttrs::from_tokens(cx, args);
    let function = Function::from_ast(cx, func, "resource");
    let Some(uri) = attrs.uri.clone() else {
        cx.error_at(Span::call_site(), "missing resource URI: write `#[resource(\"scheme://path\")]`");
        return TokenStream::new();
    };
    let variables = check(cx, &attrs, &function, &uri);
    generate(&attrs, &function, &uri, variables.as_deref())
}

/// Checks the URI and the bindings; returns the template's variables, or
/// `None` for a fixed URI.
fn check(cx: &Ctxt, attrs: &ResourceAttrs, function: &Function, uri: &LitStr) -> Option<Vec<String>> {
    let source = uri.value();
    if !template::has_scheme(&source) {
        cx.error(uri, "a resource URI starts with a scheme, e.g. `file:///..` or `weather://..`");
    }
    for param in &function.params {
        if let Some(default) = &param.attrs.default {
            cx.error(default, "`default` is not supported on `#[resource]` parameters");
        }
    }
    function.check_unique_names(cx, "parameter");
    function.reject_headers(cx, "resource");
    if !template::is_template(&source) {
        for (key, _) in &attrs.complete {
            cx.error(key, "`complete` needs a URI template: this resource has a fixed URI");
        }
        check_arg_markers(cx, function, &[]);
        return None;
    }
    let variables = match template::variables(&source) {
        Ok(variables) => variables,
        Err(reason) => {
            cx.error(uri, format!("invalid URI template: {reason}"));
            return None;
        }
    };
    if let Some((key, _)) = &attrs.size {
        cx.error(key, "`size` applies to fixed resources, not to URI templates");
    }
    for variable in &variables {
        if !function.params.iter().any(|p| binds(p, variable)) {
            let message = format!(
                "URI template variable `{variable}` has no parameter; add a parameter named `{variable}` \
                 (or mark one `#[arg(rename = \"{variable}\")]`)"
            );
            cx.error(uri, message);
        }
    }
    for (key, _) in &attrs.complete {
        if !variables.iter().any(|v| key == v) {
            cx.error(key, format!("`{key}` is not a variable of the URI template `{source}`"));
        }
    }
    check_arg_markers(cx, function, &variables);
    Some(variables)
}

/// `#[arg]` parameters must be template variables.
fn check_arg_markers(cx: &Ctxt, function: &Function, variables: &[String]) {
    for param in &function.params {
        let Some(marker) = param.attrs.marker.as_ref().filter(|_| param.attrs.role == Role::Arg) else {
            continue;
        };
        if !variables.contains(&param.name()) {
            let message = if variables.is_empty() {
                "this resource has a fixed URI: its parameters must be extractors, not `#[arg]`"
            } else {
                "`#[arg]` parameters of a `#[resource]` must be URI template variables"
            };
            cx.error(marker, message);
        }
    }
}

/// Whether `param` binds template variable `variable`.
fn binds(param: &Param, variable: &str) -> bool {
    param.attrs.role != Role::Ctx && param.name.as_deref() == Some(variable)
}

/// Whether `param` binds one of the template's `variables` (else it is an
/// extractor).
fn binds_any(param: &Param, variables: &[String]) -> bool {
    variables.iter().any(|variable| binds(param, variable))
}

fn generate(attrs: &ResourceAttrs, function: &Function, uri: &LitStr, variables: Option<&[String]>) -> TokenStream {
    let ident = &function.ident;
    let output = &function.output;
    let name = attrs.name.as_ref().map_or_else(|| function.default_name(), LitStr::value);
    let title = literals::opt_string(attrs.title.as_deref());
    let description = literals::opt_string(attrs.description.as_deref().or(function.doc.as_deref()));
    let mime_type = literals::opt_string(attrs.mime.as_deref());
    let annotations = annotations(attrs.annotations.as_ref());
    let icons = literals::icons(attrs.icons.as_deref());
    let (meta, tags) = (literals::meta(&attrs.tags), literals::tags(&attrs.tags));
    let scopes = literals::tags(&attrs.scopes);
    let mime = match &attrs.mime {
        Some(mime) => quote!(::core::option::Option::Some(#mime)),
        None => quote!(::core::option::Option::None),
    };
    let fill = fill(function, variables.unwrap_or_default());
    let required_state = arguments::required_state(function, |param| {
        let (ty, span) = (&param.ty, param.ty_span());
        let extractor = _Extractor.respanned(span);
        (!binds_any(param, variables.unwrap_or_default())).then(|| quote_spanned!(span=> <#ty as #extractor>))
    });
    let call = function.call();
    let span = output.span();
    let trait_path = _IntoResourceResult.respanned(span);
    let into_result = quote_spanned!(span=> <#output as #trait_path>);
    let run = function.boxed_future(&quote!(#into_result::into_contents(#call, &__mcp_uri, #mime)));
    let kind = match variables {
        None => {
            let size = match &attrs.size {
                Some((_, size)) => quote!(::core::option::Option::Some(#size)),
                None => quote!(::core::option::Option::None),
            };
            quote! {
                #_ResourceKind::Fixed(#_Resource {
                    uri: ::std::string::String::from(#uri),
                    name: ::std::string::String::from(#name),
                    title: #title,
                    description: #description,
                    mime_type: #mime_type,
                    size: #size,
                    annotations: #annotations,
                    icons: #icons,
                        meta: #meta,
                })
            }
        }
        Some(_) => quote! {
            #_ResourceKind::Template(
                #_ResourceTemplate {
                    uri_template: ::std::string::String::from(#uri),
                    name: ::std::string::String::from(#name),
                    title: #title,
                    description: #description,
                    mime_type: #mime_type,
                    annotations: #annotations,
                    icons: #icons,
                        meta: #meta,
                },
                #_UriTemplate::parse(#uri).expect("the URI template was checked by #[resource]"),
            )
        },
    };
    let completions = arguments::completion_sources(&attrs.complete);
    let factory = function.factory_struct();
    quote! {
        #factory

        const _: () = {
            #[automatically_derived]
            #[allow(clippy::unit_arg, clippy::expect_used)]
            impl #_ResourceFactory for #ident {
                fn definition() -> #_ResourceDef {
                    type __McpRead = ::core::result::Result<::std::vec::Vec<#_ResourceContents>, #_RpcError>;
                    fn __mcp_fail(error: #_RpcError) -> #_BoxFuture<__McpRead> {
                        ::std::boxed::Box::pin(::core::future::ready(::core::result::Result::Err(error)))
                    }
                    let __mcp_handler = move |
                        __mcp_ctx: #_Context,
                        __mcp_req: #_ResourceRequest,
                    | -> #_BoxFuture<__McpRead> {
                        #fill
                        let __mcp_uri = __mcp_req.uri;
                        #run
                    };
                    #required_state
                    #_ResourceDef {
                        kind: #kind,
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

/// Binds template variables with `FromText` and everything else with
/// `Extractor`, each spanned at the parameter's type.
fn fill(function: &Function, variables: &[String]) -> TokenStream {
    function
        .params
        .iter()
        .map(|param| {
            let Param { binding, ty, .. } = param;
            let span = param.ty_span();
            let value = match param.name.as_deref() {
                Some(name) if binds_any(param, variables) => {
                    let (from_text, arg_error) = (_FromText.respanned(span), _ArgError.respanned(span));
                    quote_spanned! {span=>
                        <#ty as #from_text<_>>::from_text(&__mcp_req.vars, #name).map_err(#arg_error::into_rpc)
                    }
                }
                _ => {
                    let (extractor, rpc_error) = (_Extractor.respanned(span), _RpcError.respanned(span));
                    quote_spanned! {span=>
                        <#ty as #extractor>::extract(&__mcp_ctx).map_err(#rpc_error::internal)
                    }
                }
            };
            quote! {
                let #binding: #ty = match #value {
                    ::core::result::Result::Ok(value) => value,
                    ::core::result::Result::Err(error) => return __mcp_fail(error),
                };
            }
        })
        .collect()
}

fn annotations(annotations: Option<&ContentAnnotations>) -> TokenStream {
    let Some(annotations) = annotations else {
        return quote!(::core::option::Option::None);
    };
    let audience = match &annotations.audience {
        Some(roles) => {
            let roles = roles.iter().map(|role| match role {
                Audience::User => quote!(#_Role::User),
                Audience::Assistant => quote!(#_Role::Assistant),
            });
            quote!(::core::option::Option::Some(::std::vec![#(#roles),*]))
        }
        None => quote!(::core::option::Option::None),
    };
    let priority = match annotations.priority {
        Some(priority) => quote!(::core::option::Option::Some(#priority)),
        None => quote!(::core::option::Option::None),
    };
    let last_modified = literals::opt_string(annotations.last_modified.as_deref());
    quote! {
        ::core::option::Option::Some(#_Annotations {
            audience: #audience,
            priority: #priority,
            last_modified: #last_modified,
        })
    }
}
