//! Every option of `#[tool]`, `#[resource]`, `#[prompt]`, `#[arg]` and
//! `#[ctx]`, parsed in one place into typed models.
//!
//! Attribute arguments are first read into a small syntax tree ([`Node`]);
//! a syntax error there is one error. Interpreting the tree never stops
//! early: an unknown key, a repeated key or a value of the wrong shape is
//! recorded in the [`Ctxt`] with the span of the token at fault, and the
//! remaining options are still read.

use crate::ctxt::Ctxt;
use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, Lit, LitStr, Token};

/// One item of an attribute's argument list.
pub enum Node {
    /// A positional literal: `"weather://forecast/{city}"`.
    Lit(Lit),
    /// A bare key: `read_only`.
    Flag(Ident),
    /// `key = value`.
    Assign(Ident, Expr),
    /// `key(item, ...)`.
    List(Ident, Vec<Node>),
}

impl Node {
    fn key(&self) -> Option<&Ident> {
        match self {
            Node::Lit(_) => None,
            Node::Flag(key) | Node::Assign(key, _) | Node::List(key, _) => Some(key),
        }
    }
}

impl Parse for Node {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Lit) {
            return input.parse().map(Node::Lit);
        }
        let key = input.call(Ident::parse_any)?;
        if input.peek(Token![=]) {
            let eq: Token![=] = input.parse()?;
            if input.is_empty() || input.peek(Token![,]) {
                return Err(syn::Error::new(eq.span, format!("expected a value after `{key} =`")));
            }
            return input.parse().map(|value| Node::Assign(key, value));
        }
        if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let items = Punctuated::<Node, Token![,]>::parse_terminated(&content)?;
            return Ok(Node::List(key, items.into_iter().collect()));
        }
        Ok(Node::Flag(key))
    }
}

/// Reads an attribute's arguments; a syntax error is recorded and yields none.
pub fn parse_nodes(cx: &Ctxt, tokens: TokenStream) -> Vec<Node> {
    match Punctuated::<Node, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(items) => items.into_iter().collect(),
        Err(e) => {
            cx.syn_error(e);
            Vec::new()
        }
    }
}

/// Options of `#[tool]`.
#[derive(Default)]
pub struct ToolAttrs {
    pub name: Option<LitStr>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub annotations: Option<ToolAnnotations>,
    pub icons: Option<Vec<String>>,
    pub scopes: Vec<String>,
    pub tags: Vec<String>,
    pub task: ToolTask,
    pub ui: Option<ToolUi>,
}

/// `#[tool(ui = "ui://..")]` or `ui(resource = "ui://..", visibility("app"))`:
/// the MCP Apps page that shows the tool's results, and who may call it.
#[derive(Default)]
pub struct ToolUi {
    pub resource: Option<LitStr>,
    /// `"model"` and/or `"app"`.
    pub visibility: Option<Vec<&'static str>>,
}

/// `#[tool(task)]`, `task = "optional" | "required"`, `retries = N` and
/// `asks_first`: how the tool runs as a task.
#[derive(Default)]
pub struct ToolTask {
    /// `None`: never as a task; else `"optional"` or `"required"`.
    pub support: Option<&'static str>,
    pub retries: u64,
    pub asks_first: bool,
}

/// `#[tool(annotations(..))]`: behaviour hints.
#[derive(Default)]
pub struct ToolAnnotations {
    pub title: Option<String>,
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

/// Options of `#[resource]`.
#[derive(Default)]
pub struct ResourceAttrs {
    /// The URI or URI template, the first positional literal.
    pub uri: Option<LitStr>,
    pub name: Option<LitStr>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub mime: Option<String>,
    pub annotations: Option<ContentAnnotations>,
    pub icons: Option<Vec<String>>,
    /// `size = N`, with the key for errors on templates.
    pub size: Option<(Ident, u64)>,
    pub complete: Vec<(Ident, Expr)>,
    pub scopes: Vec<String>,
    pub tags: Vec<String>,
}

/// `annotations(audience(..), priority = .., last_modified = ..)` of a resource.
#[derive(Default)]
pub struct ContentAnnotations {
    pub audience: Option<Vec<Audience>>,
    pub priority: Option<f64>,
    pub last_modified: Option<String>,
}

/// A role in `audience(..)`.
#[derive(Clone, Copy)]
pub enum Audience {
    User,
    Assistant,
}

/// Options of `#[prompt]`.
#[derive(Default)]
pub struct PromptAttrs {
    pub name: Option<LitStr>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub icons: Option<Vec<String>>,
    pub complete: Vec<(Ident, Expr)>,
    pub scopes: Vec<String>,
    pub tags: Vec<String>,
}

/// What `#[arg]` / `#[ctx]` say a parameter is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Unmarked: rustc infers argument or extractor from the type's traits.
    Inferred,
    /// `#[arg]`: a JSON argument.
    Arg,
    /// `#[ctx]`: an extractor.
    Ctx,
}

/// Options of a parameter: `#[arg(..)]`, `#[ctx]` and its doc comment.
pub struct ParamAttrs {
    pub role: Role,
    pub description: Option<String>,
    pub rename: Option<LitStr>,
    pub default: Option<Expr>,
    /// `header = "Name"`: the argument is mirrored in an `Mcp-Param-Name`
    /// request header (`x-mcp-header` in the schema).
    pub header: Option<LitStr>,
    /// The first `#[arg]`/`#[ctx]` attribute, for errors about where it may go.
    pub marker: Option<Attribute>,
}

impl ToolAttrs {
    pub fn from_tokens(cx: &Ctxt, tokens: TokenStream) -> Self {
        let mut attrs = Self::default();
        let known = &[
            "name",
            "title",
            "description",
            "annotations",
            "icons",
            "scopes",
            "tags",
            "task",
            "retries",
            "asks_first",
            "ui",
        ];
        let mut options = Options::new(cx, "tool", known);
        let mut needs_task = Vec::new();
        for node in &parse_nodes(cx, tokens) {
            match options.accept(node) {
                Some("task") => attrs.task.support = task_support(cx, node),
                Some("retries") => {
                    attrs.task.retries = int(cx, node).unwrap_or_default();
                    needs_task.push(node_tokens(node));
                }
                Some("asks_first") => {
                    attrs.task.asks_first = flag(cx, node).unwrap_or_default();
                    needs_task.push(node_tokens(node));
                }
                Some("name") => attrs.name = lit_str(cx, node),
                Some("title") => attrs.title = string(cx, node),
                Some("description") => attrs.description = string(cx, node),
                Some("annotations") => attrs.annotations = list(cx, node).map(|l| ToolAnnotations::from_nodes(cx, l)),
                Some("icons") => attrs.icons = strings(cx, node),
                Some("scopes") => attrs.scopes = strings(cx, node).unwrap_or_default(),
                Some("tags") => attrs.tags = strings(cx, node).unwrap_or_default(),
                Some("ui") => attrs.ui = ToolUi::from_node(cx, node),
                _ => {}
            }
        }
        if attrs.task.support.is_none() {
            for option in needs_task {
                cx.error(option, "only a task has this option: add `task` (or `task = \"required\"`)");
            }
        }
        attrs
    }
}

/// `task` (optional) or `task = "optional" | "required"`.
fn task_support(cx: &Ctxt, node: &Node) -> Option<&'static str> {
    match node {
        Node::Flag(_) => Some("optional"),
        Node::Assign(_, Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. })) => match s.value().as_str() {
            "optional" => Some("optional"),
            "required" => Some("required"),
            _ => {
                cx.error(s, "`task` is `\"optional\"` or `\"required\"`");
                None
            }
        },
        _ => {
            shape_error(cx, node, "`KEY` or `KEY = \"optional\" | \"required\"`");
            None
        }
    }
}

impl ToolUi {
    fn from_node(cx: &Ctxt, node: &Node) -> Option<Self> {
        let mut ui = Self::default();
        match node {
            Node::Assign(..) => ui.resource = lit_str(cx, node),
            Node::List(_, nodes) => {
                let mut options = Options::new(cx, "ui", &["resource", "visibility"]);
                for node in nodes {
                    match options.accept(node) {
                        Some("resource") => ui.resource = lit_str(cx, node),
                        Some("visibility") => ui.visibility = strings_lit(cx, node).map(|l| visibility(cx, &l)),
                        _ => {}
                    }
                }
            }
            _ => {
                shape_error(cx, node, "`ui = \"ui://..\"` or `ui(resource = \"ui://..\", visibility(\"app\"))`");
                return None;
            }
        }
        if let Some(resource) = &ui.resource
            && !(resource.value().starts_with("ui://") && resource.value().len() > "ui://".len())
        {
            cx.error(resource, "an app's page is a `ui://` URI, e.g. \"ui://weather/forecast\"");
        }
        Some(ui)
    }
}

/// `visibility("model", "app")`: who may call a tool.
fn visibility(cx: &Ctxt, who: &[LitStr]) -> Vec<&'static str> {
    who.iter()
        .filter_map(|lit| match lit.value().as_str() {
            "model" => Some("model"),
            "app" => Some("app"),
            _ => {
                cx.error(lit, "visibility is `\"model\"` and/or `\"app\"`");
                None
            }
        })
        .collect()
}

impl ToolAnnotations {
    fn from_nodes(cx: &Ctxt, nodes: &[Node]) -> Self {
        let mut hints = Self::default();
        let known = &["title", "read_only", "destructive", "idempotent", "open_world"];
        let mut options = Options::new(cx, "annotations", known);
        for node in nodes {
            match options.accept(node) {
                Some("title") => hints.title = string(cx, node),
                Some("read_only") => hints.read_only = flag(cx, node),
                Some("destructive") => hints.destructive = flag(cx, node),
                Some("idempotent") => hints.idempotent = flag(cx, node),
                Some("open_world") => hints.open_world = flag(cx, node),
                _ => {}
            }
        }
        hints
    }
}

impl ResourceAttrs {
    pub fn from_tokens(cx: &Ctxt, tokens: TokenStream) -> Self {
        let mut attrs = Self::default();
        let known =
            &["name", "title", "description", "mime", "annotations", "icons", "size", "complete", "scopes", "tags"];
        let mut options = Options::new(cx, "resource", known);
        for (i, node) in parse_nodes(cx, tokens).iter().enumerate() {
            if let (0, Node::Lit(lit)) = (i, node) {
                match lit {
                    Lit::Str(uri) => attrs.uri = Some(uri.clone()),
                    other => cx.error(other, "the resource URI must be a string literal"),
                }
                continue;
            }
            match options.accept(node) {
                Some("name") => attrs.name = lit_str(cx, node),
                Some("title") => attrs.title = string(cx, node),
                Some("description") => attrs.description = string(cx, node),
                Some("mime") => attrs.mime = string(cx, node),
                Some("annotations") => {
                    attrs.annotations = list(cx, node).map(|l| ContentAnnotations::from_nodes(cx, l));
                }
                Some("icons") => attrs.icons = strings(cx, node),
                Some("size") => attrs.size = int(cx, node).zip(node.key()).map(|(n, key)| (key.clone(), n)),
                Some("complete") => attrs.complete = completions(cx, node),
                Some("scopes") => attrs.scopes = strings(cx, node).unwrap_or_default(),
                Some("tags") => attrs.tags = strings(cx, node).unwrap_or_default(),
                _ => {}
            }
        }
        attrs
    }
}

impl ContentAnnotations {
    fn from_nodes(cx: &Ctxt, nodes: &[Node]) -> Self {
        let mut annotations = Self::default();
        let mut options = Options::new(cx, "annotations", &["audience", "priority", "last_modified"]);
        for node in nodes {
            match options.accept(node) {
                Some("audience") => annotations.audience = strings_lit(cx, node).map(|l| audience(cx, &l)),
                Some("priority") => annotations.priority = priority(cx, node),
                Some("last_modified") => annotations.last_modified = string(cx, node),
                _ => {}
            }
        }
        annotations
    }
}

impl PromptAttrs {
    pub fn from_tokens(cx: &Ctxt, tokens: TokenStream) -> Self {
        let mut attrs = Self::default();
        let mut options =
            Options::new(cx, "prompt", &["name", "title", "description", "icons", "complete", "scopes", "tags"]);
        for node in &parse_nodes(cx, tokens) {
            match options.accept(node) {
                Some("name") => attrs.name = lit_str(cx, node),
                Some("title") => attrs.title = string(cx, node),
                Some("description") => attrs.description = string(cx, node),
                Some("icons") => attrs.icons = strings(cx, node),
                Some("complete") => attrs.complete = completions(cx, node),
                Some("scopes") => attrs.scopes = strings(cx, node).unwrap_or_default(),
                Some("tags") => attrs.tags = strings(cx, node).unwrap_or_default(),
                _ => {}
            }
        }
        attrs
    }
}

impl ParamAttrs {
    /// Reads and removes `#[arg]`, `#[ctx]` and doc comments from a
    /// parameter's attributes (rustc rejects doc comments on parameters, and
    /// the helper attributes exist only for us).
    pub fn take(cx: &Ctxt, attrs: &mut Vec<Attribute>) -> Self {
        let mut param =
            Self { role: Role::Inferred, description: None, rename: None, default: None, header: None, marker: None };
        let doc = doc_comment(attrs);
        let mut options = Options::new(cx, "arg", &["description", "rename", "default", "header"]);
        for attr in attrs.iter() {
            let role = if attr.path().is_ident("arg") {
                Role::Arg
            } else if attr.path().is_ident("ctx") {
                Role::Ctx
            } else {
                continue;
            };
            if param.role != Role::Inferred && param.role != role {
                cx.error(attr, "a parameter cannot be both `#[arg]` and `#[ctx]`");
            }
            param.role = role;
            param.marker.get_or_insert_with(|| attr.clone());
            let tokens = match (&attr.meta, role) {
                (syn::Meta::Path(_), _) => continue,
                (_, Role::Ctx) => {
                    cx.error(attr, "`#[ctx]` takes no options");
                    continue;
                }
                (syn::Meta::List(list), _) => list.tokens.clone(),
                (syn::Meta::NameValue(nv), _) => {
                    cx.error(nv, "write `#[arg(option = ..)]`");
                    continue;
                }
            };
            for node in &parse_nodes(cx, tokens) {
                match options.accept(node) {
                    Some("description") => param.description = string(cx, node),
                    Some("rename") => param.rename = lit_str(cx, node),
                    Some("default") => param.default = expr(cx, node).cloned(),
                    Some("header") => param.header = lit_str(cx, node),
                    _ => {}
                }
            }
        }
        attrs.retain(|a| !(a.path().is_ident("arg") || a.path().is_ident("ctx") || a.path().is_ident("doc")));
        param.description = param.description.or(doc);
        param
    }
}

/// The doc comment of `attrs`: lines joined with newlines, each stripped of
/// the space after `///`, the whole trimmed; `None` when empty.
pub fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        let syn::Meta::NameValue(nv) = &attr.meta else {
            continue;
        };
        let Expr::Lit(syn::ExprLit { lit: Lit::Str(text), .. }) = &nv.value else {
            continue;
        };
        for line in text.value().split('\n') {
            lines.push(line.strip_prefix(' ').unwrap_or(line).trim_end().to_owned());
        }
    }
    let joined = lines.join("\n");
    let trimmed = joined.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// The keys of one attribute or nested list: reports unknown and repeated
/// keys and positional literals, each at its token.
struct Options<'c> {
    cx: &'c Ctxt,
    owner: &'static str,
    known: &'static [&'static str],
    seen: Vec<String>,
}

impl<'c> Options<'c> {
    fn new(cx: &'c Ctxt, owner: &'static str, known: &'static [&'static str]) -> Self {
        Self { cx, owner, known, seen: Vec::new() }
    }

    /// The known key `node` sets the first time, or `None` (with an error).
    fn accept(&mut self, node: &Node) -> Option<&'static str> {
        let Some(key) = node.key() else {
            self.cx.error(node_tokens(node), format!("unexpected literal; `{}` options are `key = value`", self.owner));
            return None;
        };
        let name = key.unraw().to_string();
        let Some(known) = self.known.iter().copied().find(|k| *k == name) else {
            let hint = match closest(&name, self.known) {
                Some(similar) => format!("did you mean `{similar}`?"),
                None => format!(
                    "expected one of {}",
                    self.known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                ),
            };
            self.cx.error(key, format!("unknown `{}` option `{name}`; {hint}", self.owner));
            return None;
        };
        if self.seen.contains(&name) {
            self.cx.error(key, format!("duplicate `{}` option `{name}`", self.owner));
            return None;
        }
        self.seen.push(name);
        Some(known)
    }
}

fn node_tokens(node: &Node) -> TokenStream {
    match node {
        Node::Lit(lit) => quote::quote!(#lit),
        Node::Flag(key) | Node::List(key, _) => quote::quote!(#key),
        Node::Assign(key, value) => quote::quote!(#key = #value),
    }
}

/// The known key closest to a misspelt one, if any is close.
fn closest(name: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .copied()
        .map(|k| (edit_distance(name, k), k))
        .filter(|&(d, k)| d <= (k.len() / 3).max(2))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

fn shape_error(cx: &Ctxt, node: &Node, expected: &str) {
    let key = node.key().map(|k| k.unraw().to_string()).unwrap_or_default();
    let example = expected.replace("KEY", &key);
    match node {
        Node::Assign(_, value) => cx.error(value, format!("`{key}` expects {example}")),
        _ => cx.error(node_tokens(node), format!("`{key}` expects {example}")),
    }
}

fn lit_str(cx: &Ctxt, node: &Node) -> Option<LitStr> {
    if let Node::Assign(_, Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. })) = node {
        return Some(s.clone());
    }
    shape_error(cx, node, "a string: `KEY = \"...\"`");
    None
}

fn string(cx: &Ctxt, node: &Node) -> Option<String> {
    lit_str(cx, node).map(|s| s.value())
}

fn flag(cx: &Ctxt, node: &Node) -> Option<bool> {
    match node {
        Node::Flag(_) => return Some(true),
        Node::Assign(_, Expr::Lit(syn::ExprLit { lit: Lit::Bool(b), .. })) => return Some(b.value),
        _ => {}
    }
    shape_error(cx, node, "a flag: `KEY` or `KEY = true|false`");
    None
}

fn list<'n>(cx: &Ctxt, node: &'n Node) -> Option<&'n [Node]> {
    if let Node::List(_, items) = node {
        return Some(items);
    }
    shape_error(cx, node, "a list: `KEY(..)`");
    None
}

fn strings_lit(cx: &Ctxt, node: &Node) -> Option<Vec<LitStr>> {
    let Node::List(_, items) = node else {
        shape_error(cx, node, "a list of strings: `KEY(\"..\", \"..\")`");
        return None;
    };
    let mut values = Vec::new();
    for item in items {
        match item {
            Node::Lit(Lit::Str(s)) => values.push(s.clone()),
            other => cx.error(node_tokens(other), "expected a string literal"),
        }
    }
    Some(values)
}

fn strings(cx: &Ctxt, node: &Node) -> Option<Vec<String>> {
    strings_lit(cx, node).map(|l| l.iter().map(LitStr::value).collect())
}

fn expr<'n>(cx: &Ctxt, node: &'n Node) -> Option<&'n Expr> {
    if let Node::Assign(_, value) = node {
        return Some(value);
    }
    shape_error(cx, node, "a value: `KEY = <expression>`");
    None
}

fn int(cx: &Ctxt, node: &Node) -> Option<u64> {
    if let Node::Assign(_, Expr::Lit(syn::ExprLit { lit: Lit::Int(n), .. })) = node {
        match n.base10_parse() {
            Ok(n) => return Some(n),
            Err(e) => {
                cx.syn_error(e);
                return None;
            }
        }
    }
    shape_error(cx, node, "an integer: `KEY = 1024`");
    None
}

fn priority(cx: &Ctxt, node: &Node) -> Option<f64> {
    let value = match node {
        Node::Assign(_, Expr::Lit(syn::ExprLit { lit: Lit::Float(f), .. })) => f.base10_parse::<f64>().ok(),
        Node::Assign(_, Expr::Lit(syn::ExprLit { lit: Lit::Int(n), .. })) => n.base10_parse::<u8>().ok().map(f64::from),
        _ => None,
    };
    match value {
        Some(p) if (0.0..=1.0).contains(&p) => Some(p),
        _ => {
            shape_error(cx, node, "a number from 0 to 1: `KEY = 0.5`");
            None
        }
    }
}

fn audience(cx: &Ctxt, roles: &[LitStr]) -> Vec<Audience> {
    let mut audience = Vec::new();
    for role in roles {
        match role.value().as_str() {
            "user" => audience.push(Audience::User),
            "assistant" => audience.push(Audience::Assistant),
            other => cx.error(role, format!("unknown role `{other}`; expected \"user\" or \"assistant\"")),
        }
    }
    audience
}

/// `complete(arg = function, ...)`.
fn completions(cx: &Ctxt, node: &Node) -> Vec<(Ident, Expr)> {
    let Node::List(_, items) = node else {
        shape_error(cx, node, "a list: `KEY(argument = function)`");
        return Vec::new();
    };
    let mut sources: Vec<(Ident, Expr)> = Vec::new();
    for item in items {
        match item {
            Node::Assign(key, _) if sources.iter().any(|(k, _)| k == key) => {
                cx.error(key, format!("duplicate completion for `{key}`"));
            }
            Node::Assign(key, value) => sources.push((key.clone(), value.clone())),
            other => cx.error(node_tokens(other), "expected `argument = function`"),
        }
    }
    sources
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let known = &["name", "title", "description"];
        assert_eq!(closest("nmae", known), Some("name"));
        assert_eq!(closest("descripton", known), Some("description"));
        assert_eq!(closest("zzz", known), None);
    }

    #[test]
    fn doc_comments_are_joined_and_trimmed() {
        let item: syn::ItemFn = syn::parse_quote! {
            /// First line.
            ///   indented
            ///
            fn f() {}
        };
        assert_eq!(doc_comment(&item.attrs).as_deref(), Some("First line.\n  indented"));
    }
}
