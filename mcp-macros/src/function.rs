//! The function an attribute is applied to, as a typed model (its name,
//! parameters with their `#[arg]`/`#[ctx]` options, return type), and the
//! checks all three attributes share: no `self`, no generics, no `unsafe`,
//! unique argument names.

use crate::attr::{ParamAttrs, doc_comment};
use crate::ctxt::Ctxt;
use crate::exports::_assert_send;
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, Pat, ReturnType, Type, Visibility};

/// The annotated function.
pub struct Function {
    pub ident: Ident,
    pub vis: Visibility,
    pub is_async: bool,
    pub doc: Option<String>,
    pub params: Vec<Param>,
    /// The return type; `()` when there is none.
    pub output: Type,
}

/// One parameter of the annotated function.
pub struct Param {
    /// What the generated code binds the value to before calling the
    /// function; the user's pattern (`State(db)`) stays in the function.
    pub binding: Ident,
    pub ty: Type,
    pub pat: Pat,
    /// `rename`, else the pattern's only binding.
    pub name: Option<String>,
    pub attrs: ParamAttrs,
    index: usize,
}

impl Param {
    /// The JSON / template name: `rename`, the pattern's only binding, or
    /// `argN` for patterns binding several names.
    pub fn name(&self) -> String {
        self.name.clone().unwrap_or_else(|| format!("arg{}", self.index))
    }

    /// The tokens that gave the parameter its name, for errors.
    pub fn name_tokens(&self) -> TokenStream {
        match &self.attrs.rename {
            Some(rename) => rename.to_token_stream(),
            None => self.pat.to_token_stream(),
        }
    }

    /// The local fn the generated code calls for the `#[arg(default)]` value,
    /// so a mistyped default is reported once.
    pub fn default_fn(&self) -> Ident {
        format_ident!("__mcp_default_{}", self.index)
    }

    /// The span errors about the parameter's type point at.
    pub fn ty_span(&self) -> Span {
        self.ty.span()
    }
}

impl Function {
    /// Reads `func`, removing our helper attributes from its parameters so
    /// the function can be emitted again unchanged otherwise.
    pub fn from_ast(cx: &Ctxt, func: &mut ItemFn, attribute: &str) -> Self {
        let sig = &mut func.sig;
        if !sig.generics.params.is_empty() {
            cx.error(&sig.generics, format!("`#[{attribute}]` functions cannot be generic; use concrete types"));
        } else if let Some(clause) = &sig.generics.where_clause {
            cx.error(clause, format!("`#[{attribute}]` functions cannot have a `where` clause"));
        }
        if let Some(unsafety) = &sig.unsafety {
            cx.error(unsafety, format!("`#[{attribute}]` functions cannot be `unsafe`"));
        }
        if let Some(variadic) = &sig.variadic {
            cx.error(variadic, format!("`#[{attribute}]` functions cannot be variadic"));
        }
        let mut params = Vec::new();
        for (index, input) in sig.inputs.iter_mut().enumerate() {
            match input {
                FnArg::Receiver(receiver) => {
                    let message = format!(
                        "`#[{attribute}]` cannot be used on methods: `self` is not supported; write a free function \
                         and reach shared data with `State<T>`"
                    );
                    cx.error(receiver.self_token, message);
                }
                FnArg::Typed(typed) => {
                    let attrs = ParamAttrs::take(cx, &mut typed.attrs);
                    if let Some(impl_trait) = find_impl_trait(&typed.ty) {
                        cx.error(
                            impl_trait,
                            format!(
                                "`impl Trait` parameters make a `#[{attribute}]` function generic; use a concrete type"
                            ),
                        );
                    }
                    let name = attrs.rename.as_ref().map(syn::LitStr::value).or_else(|| single_binding(&typed.pat));
                    params.push(Param {
                        binding: format_ident!("__mcp_arg_{}", index),
                        ty: (*typed.ty).clone(),
                        pat: (*typed.pat).clone(),
                        name,
                        attrs,
                        index,
                    });
                }
            }
        }
        let output = match &sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => (**ty).clone(),
        };
        if let Some(impl_trait) = find_impl_trait(&output) {
            cx.error(
                impl_trait,
                format!("`#[{attribute}]` functions cannot return `impl Trait`; name the return type"),
            );
        }
        Self {
            ident: sig.ident.clone(),
            vis: func.vis.clone(),
            is_async: sig.asyncness.is_some(),
            doc: doc_comment(&func.attrs),
            params,
            output,
        }
    }

    /// The name the function is registered under by default.
    pub fn default_name(&self) -> String {
        self.ident.unraw().to_string()
    }

    /// Reports parameters sharing a JSON name (`what`: "argument", ...).
    pub fn check_unique_names(&self, cx: &Ctxt, what: &str) {
        for (i, param) in self.params.iter().enumerate() {
            let name = param.name();
            if self.params[..i].iter().any(|earlier| earlier.name() == name) {
                cx.error(param.name_tokens(), format!("duplicate {what} name `{name}`"));
            }
        }
    }

    /// Reports `#[arg(header = ..)]`, which only tools support.
    pub fn reject_headers(&self, cx: &Ctxt, attribute: &str) {
        for header in self.params.iter().filter_map(|p| p.attrs.header.as_ref()) {
            cx.error(header, format!("`header` applies to `#[tool]` arguments, not to `#[{attribute}]` parameters"));
        }
    }

    /// The arguments the generated code passes to the function.
    pub fn bindings(&self) -> impl Iterator<Item = &Ident> {
        self.params.iter().map(|p| &p.binding)
    }

    /// Calls the function with the bound parameters, awaiting it when async.
    pub fn call(&self) -> TokenStream {
        let ident = &self.ident;
        let bindings = self.bindings();
        let call = quote!(#ident(#(#bindings),*));
        if self.is_async { quote!(#call.await) } else { call }
    }

    /// The boxed `Send` future running `body` (which calls the function),
    /// spanned at the function's name: a non-`Send` future is reported
    /// there, with rustc's note on the value held across an `.await`.
    pub fn boxed_future(&self, body: &TokenStream) -> TokenStream {
        let span = self.ident.span();
        let assert_send = _assert_send.respanned(span);
        quote_spanned!(span=> #assert_send(async move { #body }))
    }

    /// The hidden struct `tools![..]` (or `resources!`, `prompts!`) names.
    pub fn factory_struct(&self) -> TokenStream {
        factory_struct(&self.ident, &self.vis)
    }
}

/// `struct <fn name> {}`: a braced struct lives in the type namespace only,
/// so it can share the function's name; it is never constructed.
pub fn factory_struct(ident: &Ident, vis: &Visibility) -> TokenStream {
    quote! {
        #[allow(
            non_camel_case_types,
            dead_code,
            missing_docs,
            missing_debug_implementations,
            missing_copy_implementations,
            unreachable_pub,
            clippy::empty_structs_with_brackets
        )]
        #[doc(hidden)]
        #vis struct #ident {}
    }
}

/// The name a pattern binds when it binds exactly one (`city`, `State(db)`).
fn single_binding(pat: &Pat) -> Option<String> {
    let mut names = Vec::new();
    collect_bindings(pat, &mut names);
    match names.as_slice() {
        [only] => Some(only.unraw().to_string()),
        _ => None,
    }
}

fn collect_bindings(pat: &Pat, names: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(p) => {
            names.push(p.ident.clone());
            if let Some((_, sub)) = &p.subpat {
                collect_bindings(sub, names);
            }
        }
        Pat::Reference(p) => collect_bindings(&p.pat, names),
        Pat::Paren(p) => collect_bindings(&p.pat, names),
        Pat::Type(p) => collect_bindings(&p.pat, names),
        Pat::Tuple(p) => p.elems.iter().for_each(|e| collect_bindings(e, names)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|e| collect_bindings(e, names)),
        Pat::Slice(p) => p.elems.iter().for_each(|e| collect_bindings(e, names)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| collect_bindings(&f.pat, names)),
        Pat::Or(p) => p.cases.iter().take(1).for_each(|c| collect_bindings(c, names)),
        _ => {}
    }
}

/// The first `impl Trait` inside `ty`, if any.
fn find_impl_trait(ty: &Type) -> Option<&syn::TypeImplTrait> {
    match ty {
        Type::ImplTrait(it) => Some(it),
        Type::Array(t) => find_impl_trait(&t.elem),
        Type::Group(t) => find_impl_trait(&t.elem),
        Type::Paren(t) => find_impl_trait(&t.elem),
        Type::Ptr(t) => find_impl_trait(&t.elem),
        Type::Reference(t) => find_impl_trait(&t.elem),
        Type::Slice(t) => find_impl_trait(&t.elem),
        Type::Tuple(t) => t.elems.iter().find_map(find_impl_trait),
        Type::Path(t) => t.path.segments.iter().find_map(|segment| match &segment.arguments {
            syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => find_impl_trait(ty),
                _ => None,
            }),
            _ => None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_only_binding() {
        assert_eq!(single_binding(&syn::parse_quote!(city)).as_deref(), Some("city"));
        assert_eq!(single_binding(&syn::parse_quote!(State(db))).as_deref(), Some("db"));
        assert_eq!(single_binding(&syn::parse_quote!(r#type)).as_deref(), Some("type"));
        assert_eq!(single_binding(&syn::parse_quote!((a, b))), None);
        assert_eq!(single_binding(&syn::parse_quote!(_)), None);
    }
}
