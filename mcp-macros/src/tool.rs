//! `#[tool]`: checks the function and generates its `ToolFactory`.
//!
//! The handler decodes the arguments synchronously (they borrow the raw
//! request bytes), rejects unknown keys, fills every parameter, and only
//! then returns the boxed future that runs the function. Argument problems
//! become `isError: true` results naming the argument.

use crate::attr::{ToolAnnotations, ToolAttrs, ToolTask, ToolUi};
use crate::ctxt::Ctxt;
use crate::exports::{
    _ArgError, _ArgumentsCheck, _BoxFuture, _CallToolResult, _Context, _IntoToolResult, _ObjectSchema, _RpcError,
    _TaskPolicy, _TaskSupport, _Tool, _ToolAnnotations, _ToolDef, _ToolFactory, _ToolUi, _Visibility, _serde_json,
};
use crate::function::Function;
use crate::{arguments, literals};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

/// Expands `#[tool(args)]` on `func` (whose helper attributes are removed).
pub fn expand(cx: &Ctxt, args: TokenStream, func: &mut ItemFn) -> TokenStream {
    let attrs = ToolAttrs::from_tokens(cx, args);
    let function = Function::from_ast(cx, func, "tool");
    check(cx, &attrs, &function);
    generate(&attrs, &function)
}

fn check(cx: &Ctxt, attrs: &ToolAttrs, function: &Function) {
    function.check_unique_names(cx, "argument");
    for header in function.params.iter().filter_map(|p| p.attrs.header.as_ref()) {
        let value = header.value();
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if value.is_empty() || !value.chars().all(token) {
            cx.error(header, "a header name is made of letters, digits and `!#$%&'*+-.^_`|~`");
        }
    }
    if let Some(name) = &attrs.name {
        let value = name.value();
        let valid = (1..=128).contains(&value.len())
            && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !valid {
            cx.error(name, "tool names are 1 to 128 characters among `A-Z a-z 0-9 _ - .`");
        }
    }
}

fn generate(attrs: &ToolAttrs, function: &Function) -> TokenStream {
    let ident = &function.ident;
    let output = &function.output;
    let name = attrs.name.as_ref().map_or_else(|| function.default_name(), syn::LitStr::value);
    let title = literals::opt_string(attrs.title.as_deref());
    let description = literals::opt_string(attrs.description.as_deref().or(function.doc.as_deref()));
    let annotations = annotations(attrs.annotations.as_ref());
    let icons = literals::icons(attrs.icons.as_deref());
    let (meta, tags) = (literals::meta(&attrs.tags), literals::tags(&attrs.tags));
    let scopes = &attrs.scopes;
    let task = task_policy(&attrs.task);
    let ui = ui(attrs.ui.as_ref());
    let describe = arguments::describe(function);
    let headers = headers(function);
    let schema_mut = (!function.params.is_empty()).then(|| quote!(mut));
    let input_mut = (!headers.is_empty()).then(|| quote!(mut));
    let known = arguments::known_names(function);
    let call = function.call();
    let span = output.span();
    let trait_path = _IntoToolResult.respanned(span);
    let into_result = quote_spanned!(span=> <#output as #trait_path>);
    let run = function.boxed_future(&quote!(::core::result::Result::Ok(#into_result::into_tool_result(#call))));
    let required_state = arguments::required_state(function, |param| Some(arguments::param_trait(param)));
    let body = arguments::decode_then(&quote!(__mcp_raw.as_deref()), function, &run);
    let check = arguments_check(attrs, function);
    let defaults = arguments::default_fns(function);
    let factory = function.factory_struct();
    quote! {
        #factory

        const _: () = {
            #[automatically_derived]
            #[allow(clippy::unit_arg)]
            impl #_ToolFactory for #ident {
                fn definition() -> #_ToolDef {
                    type __McpCall = ::core::result::Result<#_CallToolResult, #_RpcError>;
                    fn __mcp_fail(error: #_ArgError) -> #_BoxFuture<__McpCall> {
                        ::std::boxed::Box::pin(::core::future::ready(error.into_tool_outcome()))
                    }
                    #defaults
                    let #schema_mut __mcp_schema = #_ObjectSchema::new();
                    #describe
                    let #input_mut __mcp_input = __mcp_schema.finish();
                    #headers
                    #known
                    let __mcp_check: ::core::option::Option<#_ArgumentsCheck> = #check;
                    let __mcp_tool = #_Tool {
                        name: ::std::string::String::from(#name),
                        title: #title,
                        description: #description,
                        input_schema: __mcp_input,
                        output_schema: #into_result::output_schema(),
                        annotations: #annotations,
                        icons: #icons,
                        meta: #meta,
                    };
                    let __mcp_handler = move |
                        __mcp_ctx: #_Context,
                        __mcp_raw: ::core::option::Option<::std::boxed::Box<#_serde_json::value::RawValue>>,
                    | -> #_BoxFuture<__McpCall> {
                        #body
                    };
                    #required_state
                    #_ToolDef {
                        tool: __mcp_tool,
                        handler: ::std::sync::Arc::new(__mcp_handler),
                        scopes: ::std::vec![#(::std::string::String::from(#scopes)),*],
                        required_state: __mcp_required_state,
                        tags: #tags,
                        task: #task,
                        check: __mcp_check,
                    }
                    #ui
                }
            }
        };
    }
}

/// For a task tool: the check of its arguments (decoded and filled as a
/// call would, then dropped), which refuses a bad call before any task
/// exists. Other tools decode when called: `None`.
fn arguments_check(attrs: &ToolAttrs, function: &Function) -> TokenStream {
    if attrs.task.support.is_none() {
        return quote!(::core::option::Option::None);
    }
    let decode = arguments::decode_then(&quote!(__mcp_raw), function, &quote!(::core::result::Result::Ok(())));
    quote! {{
        let __mcp_known = __mcp_known.clone();
        ::core::option::Option::Some(::std::sync::Arc::new(
            move |__mcp_ctx: &#_Context,
                  __mcp_raw: ::core::option::Option<&#_serde_json::value::RawValue>|
                  -> ::core::result::Result<(), ::core::result::Result<#_CallToolResult, #_RpcError>> {
                #[allow(unused_variables)]
                fn __mcp_fail(
                    error: #_ArgError,
                ) -> ::core::result::Result<(), ::core::result::Result<#_CallToolResult, #_RpcError>> {
                    ::core::result::Result::Err(error.into_tool_outcome())
                }
                #[allow(unused_variables)]
                {
                    #decode
                }
            },
        ))
    }}
}

fn task_policy(task: &ToolTask) -> TokenStream {
    let support = match task.support {
        None => quote!(#_TaskSupport::Forbidden),
        Some("required") => quote!(#_TaskSupport::Required),
        Some(_) => quote!(#_TaskSupport::Optional),
    };
    let retries = u32::try_from(task.retries).unwrap_or(u32::MAX);
    let asks_first = task.asks_first;
    quote!(#_TaskPolicy { support: #support, retries: #retries, asks_first: #asks_first })
}

/// `.with_ui(..)` after the definition, when the tool shows an app's page.
fn ui(ui: Option<&ToolUi>) -> TokenStream {
    let Some(ui) = ui else { return TokenStream::new() };
    let page = match &ui.resource {
        Some(uri) => quote!(#_ToolUi::new(#uri)),
        None => quote!(<#_ToolUi as ::core::default::Default>::default()),
    };
    let visibility = ui.visibility.as_ref().map(|who| {
        let who = who.iter().map(|w| match *w {
            "model" => quote!(#_Visibility::Model),
            _ => quote!(#_Visibility::App),
        });
        quote!(.visibility([#(#who),*]))
    });
    quote!(.with_ui(#page #visibility))
}

fn annotations(hints: Option<&ToolAnnotations>) -> TokenStream {
    let Some(hints) = hints else {
        return quote!(::core::option::Option::None);
    };
    let title = literals::opt_string(hints.title.as_deref());
    let [read_only, destructive, idempotent, open_world] =
        [hints.read_only, hints.destructive, hints.idempotent, hints.open_world].map(|hint| match hint {
            Some(value) => quote!(::core::option::Option::Some(#value)),
            None => quote!(::core::option::Option::None),
        });
    quote! {
        ::core::option::Option::Some(#_ToolAnnotations {
            title: #title,
            read_only_hint: #read_only,
            destructive_hint: #destructive,
            idempotent_hint: #idempotent,
            open_world_hint: #open_world,
        })
    }
}

/// Marks the properties of `#[arg(header = "..")]` arguments with
/// `x-mcp-header`, which the HTTP transport checks against `Mcp-Param-*`.
fn headers(function: &Function) -> TokenStream {
    function
        .params
        .iter()
        .filter_map(|param| {
            let header = param.attrs.header.as_ref()?;
            let name = param.name();
            Some(quote! {
                if let ::core::option::Option::Some(property) = __mcp_input
                    .get_mut("properties")
                    .and_then(|properties| properties.get_mut(#name))
                    .and_then(#_serde_json::Value::as_object_mut)
                {
                    property.insert(
                        ::std::string::String::from("x-mcp-header"),
                        #_serde_json::Value::from(#header),
                    );
                }
            })
        })
        .collect()
}
