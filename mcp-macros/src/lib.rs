//! Attribute macros of `mcp-core`: `#[tool]`, `#[resource]` and `#[prompt]`
//! turn plain functions into MCP handlers. Use them through `mcp_core`,
//! which re-exports them; `docs/macros.md` lists every option.
//!
//! Each attribute re-emits the function unchanged (minus the `#[arg]` /
//! `#[ctx]` helper attributes and parameter doc comments) and adds a hidden
//! struct of the same name implementing `mcp_core::__private::ToolFactory`
//! (or `ResourceFactory`, `PromptFactory`); `tools![..]` and friends name
//! those structs. Expansion runs parse → check → generate:
//!
//! - [`attr`] parses every option into typed models, [`function`] the
//!   annotated function, [`template`] URI templates;
//! - [`ctxt`] collects every error with its span, so one build shows all;
//! - [`tool`], [`resource`] and [`prompt`] check and generate, sharing
//!   [`arguments`] (how parameters become JSON arguments or extractors)
//!   and [`literals`].

mod arguments;
mod attr;
mod ctxt;
mod function;
mod literals;
mod prompt;
mod resource;
mod template;
mod tool;

use ctxt::Ctxt;
use proc_macro::TokenStream;
use quote::{ToTokens, quote};

/// Turns a function into an MCP tool. See `mcp_core::tool`.
#[proc_macro_attribute]
pub fn tool(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Tool, args.into(), item.into()).into()
}

/// Turns a function into an MCP resource or resource template. See `mcp_core::resource`.
#[proc_macro_attribute]
pub fn resource(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Resource, args.into(), item.into()).into()
}

/// Turns a function into an MCP prompt. See `mcp_core::prompt`.
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
fn expand(
    kind: Kind,
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let cx = Ctxt::new();
    let mut func = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(func)) => func,
        Ok(other) => {
            cx.error(
                item_head(&other),
                format!("`#[{}]` can only be applied to a function", kind.name()),
            );
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
        Kind::Tool => (quote!(ToolFactory), quote!(ToolDef)),
        Kind::Resource => (quote!(ResourceFactory), quote!(ResourceDef)),
        Kind::Prompt => (quote!(PromptFactory), quote!(PromptDef)),
    };
    quote! {
        #[allow(non_camel_case_types, dead_code)]
        #[doc(hidden)]
        #vis struct #ident {}
        impl ::mcp_core::__private::#factory for #ident {
            fn definition() -> ::mcp_core::#def {
                ::core::unreachable!()
            }
        }
    }
}

/// The tokens naming an item (`struct Foo`), where "not a function" points.
fn item_head(item: &syn::Item) -> proc_macro2::TokenStream {
    match item {
        syn::Item::Struct(syn::ItemStruct {
            struct_token: keyword,
            ident,
            ..
        }) => quote!(#keyword #ident),
        syn::Item::Enum(syn::ItemEnum {
            enum_token: keyword,
            ident,
            ..
        }) => quote!(#keyword #ident),
        syn::Item::Union(syn::ItemUnion {
            union_token: keyword,
            ident,
            ..
        }) => quote!(#keyword #ident),
        syn::Item::Trait(syn::ItemTrait {
            trait_token: keyword,
            ident,
            ..
        }) => quote!(#keyword #ident),
        syn::Item::Mod(syn::ItemMod {
            mod_token: keyword,
            ident,
            ..
        }) => quote!(#keyword #ident),
        syn::Item::Const(syn::ItemConst {
            const_token: keyword,
            ident,
            ..
        }) => quote!(#keyword #ident),
        syn::Item::Static(syn::ItemStatic {
            static_token: keyword,
            ident,
            ..
        }) => quote!(#keyword #ident),
        syn::Item::Type(syn::ItemType {
            type_token: keyword,
            ident,
            ..
        }) => quote!(#keyword #ident),
        syn::Item::Impl(syn::ItemImpl {
            impl_token: keyword,
            self_ty,
            ..
        }) => quote!(#keyword #self_ty),
        other => other.to_token_stream(),
    }
}
