//! Every `mcp_core` item the generated code names, in one table.
//!
//! Generated code never relies on the caller's imports: it names each item
//! by an absolute path. Those paths all go through `::mcp_core::__private`,
//! the hidden module `mcp_core` keeps for this crate, so the table below is
//! the whole contract between the two crates, internal modules can move
//! without touching the macros, and compiler errors about generated code
//! never name an internal module path. Paths into `::core` and `::std` are
//! written in place: they are public and stable already.
//!
//! Each entry is a constant interpolated as `#_Name`. Where a fragment is
//! built with `quote_spanned!` so that errors point at the user's parameter
//! or return type, the path is interpolated as `_Name.respanned(span)` with
//! the fragment's span, since interpolated tokens keep their own span.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// An absolute path into `mcp_core`, emitted at the call site or, once
/// [`respanned`](Self::respanned), at a given span.
#[derive(Clone, Copy)]
pub struct ExportPath {
    path: &'static str,
    span: Option<Span>,
}

impl ExportPath {
    const fn new(path: &'static str) -> Self {
        Self { path, span: None }
    }

    /// The same path with every token at `span`.
    pub fn respanned(self, span: Span) -> Self {
        Self { span: Some(span), ..self }
    }
}

impl ToTokens for ExportPath {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let path: TokenStream = self.path.parse().expect("the `path` matcher of `exports!` admits only paths");
        match self.span {
            None => tokens.extend(path),
            Some(span) => tokens.extend(path.into_iter().map(|mut token| {
                token.set_span(span);
                token
            })),
        }
    }
}

/// `_Name => ::mcp_core::__private::Name`: one constant per path.
macro_rules! exports {
    ($($name:ident => $path:path),* $(,)?) => {
        $(
            #[allow(non_upper_case_globals)]
            pub const $name: ExportPath = ExportPath::new(stringify!($path));
        )*
    };
}

exports! {
    // Definitions and their factories.
    _ToolFactory => ::mcp_core::__private::ToolFactory,
    _ResourceFactory => ::mcp_core::__private::ResourceFactory,
    _PromptFactory => ::mcp_core::__private::PromptFactory,
    _ToolDef => ::mcp_core::__private::ToolDef,
    _ResourceDef => ::mcp_core::__private::ResourceDef,
    _ResourceKind => ::mcp_core::__private::ResourceKind,
    _PromptDef => ::mcp_core::__private::PromptDef,
    _TaskPolicy => ::mcp_core::__private::TaskPolicy,
    _ToolUi => ::mcp_core::__private::ToolUi,
    _ArgumentsCheck => ::mcp_core::__private::ArgumentsCheck,
    _Visibility => ::mcp_core::__private::Visibility,
    _TaskSupport => ::mcp_core::__private::TaskSupport,

    // Handlers: what they receive and return.
    _Context => ::mcp_core::__private::Context,
    _Extractor => ::mcp_core::__private::Extractor,
    _BoxFuture => ::mcp_core::__private::BoxFuture,
    _CallToolResult => ::mcp_core::__private::CallToolResult,
    _GetPromptResult => ::mcp_core::__private::GetPromptResult,
    _ResourceRequest => ::mcp_core::__private::ResourceRequest,
    _RpcError => ::mcp_core::__private::RpcError,
    _assert_send => ::mcp_core::__private::assert_send,

    // Arguments and their schema.
    _Param => ::mcp_core::__private::Param,
    _AsArg => ::mcp_core::__private::AsArg,
    _AsExtractor => ::mcp_core::__private::AsExtractor,
    _Arguments => ::mcp_core::__private::Arguments,
    _ArgError => ::mcp_core::__private::ArgError,
    _ObjectSchema => ::mcp_core::__private::ObjectSchema,
    _complete_fn => ::mcp_core::__private::complete_fn,

    // Resource templates and their variables.
    _UriTemplate => ::mcp_core::__private::UriTemplate,
    _FromText => ::mcp_core::__private::FromText,
    _PromptParam => ::mcp_core::__private::PromptParam,
    _AsText => ::mcp_core::__private::AsText,

    // Return types.
    _IntoToolResult => ::mcp_core::__private::IntoToolResult,
    _IntoResourceResult => ::mcp_core::__private::IntoResourceResult,
    _IntoPromptResult => ::mcp_core::__private::IntoPromptResult,

    // Protocol types.
    _Tool => ::mcp_core::__private::Tool,
    _ToolAnnotations => ::mcp_core::__private::ToolAnnotations,
    _Resource => ::mcp_core::__private::Resource,
    _ResourceTemplate => ::mcp_core::__private::ResourceTemplate,
    _ResourceContents => ::mcp_core::__private::ResourceContents,
    _Annotations => ::mcp_core::__private::Annotations,
    _Role => ::mcp_core::__private::Role,
    _Prompt => ::mcp_core::__private::Prompt,
    _PromptArgument => ::mcp_core::__private::PromptArgument,
    _Icon => ::mcp_core::__private::Icon,

    // The `serde_json` crate, as `mcp_core` depends on it.
    _serde_json => ::mcp_core::__private::serde_json,
}
