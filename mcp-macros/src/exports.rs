//! Every `quickmcp` item the generated code names, in one table.
//!
//! Generated code never relies on the caller's imports: it names each item
//! by an absolute path. Those paths all go through `::quickmcp::__private`,
//! the hidden module `quickmcp` keeps for this crate, so the table below is
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

/// An absolute path into `quickmcp`, emitted at the call site or, once
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

/// `_Name => ::quickmcp::__private::Name`: one constant per path.
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
    _ToolFactory => ::quickmcp::__private::ToolFactory,
    _ResourceFactory => ::quickmcp::__private::ResourceFactory,
    _PromptFactory => ::quickmcp::__private::PromptFactory,
    _ToolDef => ::quickmcp::__private::ToolDef,
    _ResourceDef => ::quickmcp::__private::ResourceDef,
    _ResourceKind => ::quickmcp::__private::ResourceKind,
    _PromptDef => ::quickmcp::__private::PromptDef,
    _TaskPolicy => ::quickmcp::__private::TaskPolicy,
    _ToolUi => ::quickmcp::__private::ToolUi,
    _ArgumentsCheck => ::quickmcp::__private::ArgumentsCheck,
    _Visibility => ::quickmcp::__private::Visibility,
    _TaskSupport => ::quickmcp::__private::TaskSupport,

    // Handlers: what they receive and return.
    _Context => ::quickmcp::__private::Context,
    _Extractor => ::quickmcp::__private::Extractor,
    _BoxFuture => ::quickmcp::__private::BoxFuture,
    _CallToolResult => ::quickmcp::__private::CallToolResult,
    _GetPromptResult => ::quickmcp::__private::GetPromptResult,
    _ResourceRequest => ::quickmcp::__private::ResourceRequest,
    _RpcError => ::quickmcp::__private::RpcError,
    _assert_send => ::quickmcp::__private::assert_send,

    // Arguments and their schema.
    _Param => ::quickmcp::__private::Param,
    _AsArg => ::quickmcp::__private::AsArg,
    _AsExtractor => ::quickmcp::__private::AsExtractor,
    _Arguments => ::quickmcp::__private::Arguments,
    _ArgError => ::quickmcp::__private::ArgError,
    _ObjectSchema => ::quickmcp::__private::ObjectSchema,
    _complete_fn => ::quickmcp::__private::complete_fn,

    // Resource templates and their variables.
    _UriTemplate => ::quickmcp::__private::UriTemplate,
    _FromText => ::quickmcp::__private::FromText,
    _PromptParam => ::quickmcp::__private::PromptParam,
    _AsText => ::quickmcp::__private::AsText,

    // Return types.
    _IntoToolResult => ::quickmcp::__private::IntoToolResult,
    _IntoResourceResult => ::quickmcp::__private::IntoResourceResult,
    _IntoPromptResult => ::quickmcp::__private::IntoPromptResult,

    // Protocol types.
    _Tool => ::quickmcp::__private::Tool,
    _ToolAnnotations => ::quickmcp::__private::ToolAnnotations,
    _Resource => ::quickmcp::__private::Resource,
    _ResourceTemplate => ::quickmcp::__private::ResourceTemplate,
    _ResourceContents => ::quickmcp::__private::ResourceContents,
    _Annotations => ::quickmcp::__private::Annotations,
    _Role => ::quickmcp::__private::Role,
    _Prompt => ::quickmcp::__private::Prompt,
    _PromptArgument => ::quickmcp::__private::PromptArgument,
    _Icon => ::quickmcp::__private::Icon,

    // The `serde_json` crate, as `quickmcp` depends on it.
    _serde_json => ::quickmcp::__private::serde_json,
}
