//! Attribute macros of `quickmcp`: `#[tool]`, `#[resource]` and `#[prompt]`
//! turn plain functions into MCP handlers. Use them through `quickmcp`,
//! which re-exports them; `docs/macros.md` lists every option.
//!
//! Each attribute re-emits the function unchanged (minus the `#[arg]` /
//! `#[ctx]` helper attributes and parameter doc comments) and adds a hidden
//! struct of the same name implementing `quickmcp::__private::ToolFactory`
//! (or `ResourceFactory`, `PromptFactory`); `tools![..]` and friends name
//! those structs. Expansion runs parse → check → generate:
//!
//! - `attr.rs` parses every option into typed models, `function.rs` the
//!   annotated function, `template.rs` URI templates;
//! - `ctxt.rs` collects every error with its span, so one build shows all;
//! - `tool.rs`, `resource.rs` and `prompt.rs` check and generate, sharing
//!   `arguments.rs` (how parameters become JSON arguments or extractors)
//!   and `literals.rs`;
//! - `exports.rs` names every `quickmcp` item the generated code uses, all
//!   through `quickmcp::__private`.

mod arguments;
mod attr;
mod ctxt;
mod exports;
mod function;
mod literals;
mod prompt;
mod resource;
mod template;
mod tool;

use ctxt::Ctxt;
use exports::{_PromptDef, _PromptFactory, _ResourceDef, _ResourceFactory, _ToolDef, _ToolFactory};
use proc_macro::TokenStream;
use quote::{ToTokens, quote};

/// Turns a function into an MCP tool.
///
/// Parameters are JSON arguments (`Deserialize + JsonSchema` types, described
/// by their doc comments) or extractors (`Context`, `State<T>`, any
/// `Extractor`); the doc comment is the description. Options: `name`,
/// `title`, `description`, `annotations(read_only, destructive, idempotent,
/// open_world, title = "..")`, `icons("..")`, `scopes("..")`; on parameters
/// `#[arg(description, rename, default, header)]` and `#[ctx]`. The function
/// stays callable; register it with `tools![..]`. Every option is described
/// in `docs/macros.md`.
///
/// ```
/// use quickmcp::prelude::*;
///
/// #[derive(serde::Serialize, schemars::JsonSchema)]
/// struct Sum {
///     value: i64,
/// }
///
/// /// Adds two integers.
/// #[tool(annotations(read_only))]
/// async fn add(
///     /// The first term.
///     a: i64,
///     #[arg(default = 1, description = "The second term.")] b: i64,
/// ) -> Result<Json<Sum>, ToolError> {
///     a.checked_add(b).map(|value| Json(Sum { value })).ok_or_else(|| ToolError::new("overflow"))
/// }
///
/// let server = Server::builder("calculator", "1.0.0").tools(tools![add]).build();
/// # let _ = server;
/// ```
#[proc_macro_attribute]
pub fn tool(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Tool, args.into(), item.into()).into()
}

/// Turns a function into an MCP resource (`#[resource("docs://readme")]`)
/// or resource template (`#[resource("weather://forecast/{city}")]`).
///
/// Template variables bind to the parameters of the same name (any `FromStr`
/// type), checked at compile time; other parameters must be extractors.
/// Options: `name`, `title`, `description` (default: the doc comment),
/// `mime`, `annotations(audience(..), priority = .., last_modified = ..)`,
/// `icons(..)`, `size = N` (fixed resources) and `complete(var = function)`
/// (templates). Register it with `resources![..]`; see `docs/macros.md`.
///
/// ```
/// use quickmcp::prelude::*;
///
/// async fn cities(prefix: String) -> Vec<String> {
///     ["Paris", "Prague"].iter().filter(|c| c.starts_with(&prefix)).map(|c| c.to_string()).collect()
/// }
///
/// /// Forecast for a city over `days` days.
/// #[resource("weather://forecast/{city}/{days}", mime = "text/plain", complete(city = cities))]
/// async fn forecast(city: String, days: u8) -> Result<String, ResourceError> {
///     Ok(format!("{city}: sunny for {days} days"))
/// }
///
/// let server = Server::builder("weather", "1.0.0").resources(resources![forecast]).build();
/// # let _ = server;
/// ```
#[proc_macro_attribute]
pub fn resource(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Resource, args.into(), item.into()).into()
}

/// Turns a function into an MCP prompt.
///
/// Parameters are prompt arguments (strings in MCP: use `String`, or
/// `Option<String>` for optional ones) or extractors. Options: `name`,
/// `title`, `description` (default: the doc comment), `icons(..)` and
/// `complete(argument = function)`. Register it with `prompts![..]`; see
/// `docs/macros.md`.
///
/// ```
/// use quickmcp::protocol::PromptMessage;
/// use quickmcp::prelude::*;
///
/// /// Asks for a code review.
/// #[prompt(title = "Code review")]
/// async fn review(
///     /// The code to review.
///     code: String,
///     /// "strict" or "friendly".
///     style: Option<String>,
/// ) -> Vec<PromptMessage> {
///     let style = style.unwrap_or_else(|| "friendly".into());
///     vec![PromptMessage::user(format!("Review this code in a {style} tone:\n{code}"))]
/// }
///
/// let server = Server::builder("reviewer", "1.0.0").prompts(prompts![review]).build();
/// # let _ = server;
/// ```
#[proc_macro_attribute]
pub fn prompt(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Prompt, args.into(), item.into()).into()
}

#[derive(Clone, Copy)]
enum Kind {
    Tool,
    Resource,
    Prompt,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Tool => "tool",
            Kind::Resource => "resource",
            Kind::Prompt => "prompt",
        }
    }
}

/// Parses, checks and generates; on errors, emits the function (so it is
/// still defined), a placeholder factory (so `tools![..]` does not add a
/// second error) and every collected error.
fn expand(kind: Kind, args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let cx = Ctxt::new();
    let mut func = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(func)) => func,
        Ok(other) => {
            cx.error(item_head(&other), format!("`#[{}]` can only be applied to a function", kind.name()));
            let errors = cx.into_compile_errors();
            return quote!(#item #errors);
        }
        Err(e) => {
            let error = e.to_compile_error();
            return quote!(#item #error);
        }
    };
    let generated = match kind {
        Kind::Tool => tool::expand(&cx, args, &mut func),
        Kind::Resource => resource::expand(&cx, args, &mut func),
        Kind::Prompt => prompt::expand(&cx, args, &mut func),
    };
    let Some(errors) = cx.into_compile_errors() else {
        return quote!(#func #generated);
    };
    let placeholder = placeholder(kind, &func);
    quote!(#func #placeholder #errors)
}

/// The factory struct with an impl that is never run (the build fails).
fn placeholder(kind: Kind, func: &syn::ItemFn) -> proc_macro2::TokenStream {
    if matches!(func.sig.inputs.first(), Some(syn::FnArg::Receiver(_))) {
        return proc_macro2::TokenStream::new();
    }
    let (ident, vis) = (&func.sig.ident, &func.vis);
    let (factory, def) = match kind {
        Kind::Tool => (_ToolFactory, _ToolDef),
        Kind::Resource => (_ResourceFactory, _ResourceDef),
        Kind::Prompt => (_PromptFactory, _PromptDef),
    };
    let factory_struct = function::factory_struct(ident, vis);
    quote! {
        #factory_struct
        impl #factory for #ident {
            fn definition() -> #def {
                ::core::unreachable!()
            }
        }
    }
}

/// The tokens naming an item (`struct Foo`), where "not a function" points.
fn item_head(item: &syn::Item) -> proc_macro2::TokenStream {
    match item {
        syn::Item::Struct(syn::ItemStruct { struct_token: keyword, ident, .. }) => quote!(#keyword #ident),
        syn::Item::Enum(syn::ItemEnum { enum_token: keyword, ident, .. }) => quote!(#keyword #ident),
        syn::Item::Union(syn::ItemUnion { union_token: keyword, ident, .. }) => quote!(#keyword #ident),
        syn::Item::Trait(syn::ItemTrait { trait_token: keyword, ident, .. }) => quote!(#keyword #ident),
        syn::Item::Mod(syn::ItemMod { mod_token: keyword, ident, .. }) => quote!(#keyword #ident),
        syn::Item::Const(syn::ItemConst { const_token: keyword, ident, .. }) => quote!(#keyword #ident),
        syn::Item::Static(syn::ItemStatic { static_token: keyword, ident, .. }) => quote!(#keyword #ident),
        syn::Item::Type(syn::ItemType { type_token: keyword, ident, .. }) => quote!(#keyword #ident),
        syn::Item::Impl(syn::ItemImpl { impl_token: keyword, self_ty, .. }) => quote!(#keyword #self_ty),
        other => other.to_token_stream(),
    }
}
