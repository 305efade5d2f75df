//! RFC 6570 URI templates: parsing, matching a URI back to its variables,
//! and expansion.
//!
//! Matching covers the expressions MCP servers use: simple `{var}`, reserved
//! `{+path}`, fragment `{#frag}`, label `{.ext}`, path segments `{/seg}`, and
//! query forms `{?a,b}` / `{&c}` (which must come last and match parameters
//! in any order). Matched values are percent-decoded.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::collections::HashMap;
use std::fmt;

/// A parsed URI template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
    /// Trailing `{?…}` / `{&…}` variables, matched against the query string.
    query: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Expr { op: Op, vars: Vec<String> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Simple,
    Reserved,
    Fragment,
    Label,
    Path,
}

impl Op {
    fn prefix(self) -> Option<char> {
        match self {
            Op::Simple | Op::Reserved => None,
            Op::Fragment => Some('#'),
            Op::Label => Some('.'),
            Op::Path => Some('/'),
        }
    }
    fn separator(self) -> char {
        match self {
            Op::Label => '.',
            Op::Path => '/',
            _ => ',',
        }
    }
    /// Whether a matched value may contain `c`.
    fn allows(self, c: char) -> bool {
        match self {
            Op::Reserved => c != '?' && c != '#',
            Op::Fragment => true,
            Op::Simple | Op::Label | Op::Path => !matches!(c, '/' | '?' | '#' | '&' | '='),
        }
    }
}

/// Why a template string is not a valid template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid URI template: {}", self.0)
    }
}

impl std::error::Error for TemplateError {}

impl UriTemplate {
    /// Parses `source`.
    ///
    /// ```
    /// use mcp_core::uri_template::UriTemplate;
    /// let t = UriTemplate::parse("weather://forecast/{city}{?days}").unwrap();
    /// let vars = t.matches("weather://forecast/S%C3%A3o%20Paulo?days=3").unwrap();
    /// assert_eq!(vars["city"], "São Paulo");
    /// assert_eq!(vars["days"], "3");
    /// assert!(t.matches("weather://forecast/a/b").is_none());
    /// ```
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut query = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find('{') {
            if !query.is_empty() && open > 0 {
                return Err(TemplateError("query expressions must come last".into()));
            }
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let close = rest[open..].find('}').ok_or_else(|| TemplateError("unclosed `{`".into()))? + open;
            let body = &rest[open + 1..close];
            let (op, names) = match body.chars().next() {
                Some('+') => (Some(Op::Reserved), &body[1..]),
                Some('#') => (Some(Op::Fragment), &body[1..]),
                Some('.') => (Some(Op::Label), &body[1..]),
                Some('/') => (Some(Op::Path), &body[1..]),
                Some('?' | '&') => (None, &body[1..]),
                Some(';' | '=' | ',' | '!' | '@' | '|') => {
                    return Err(TemplateError(format!("unsupported operator in `{{{body}}}`")));
                }
                _ => (Some(Op::Simple), body),
            };
            let vars = names.split(',').map(var_name).collect::<Result<Vec<_>, _>>()?;
            match op {
                Some(op) if query.is_empty() => parts.push(Part::Expr { op, vars }),
                Some(_) => return Err(TemplateError("query expressions must come last".into())),
                None => query.extend(vars),
            }
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err(TemplateError("unmatched `}`".into()));
        }
        if !rest.is_empty() {
            if !query.is_empty() {
                return Err(TemplateError("query expressions must come last".into()));
            }
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(Self { source: source.to_owned(), parts, query })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Every variable name, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        let path = self.parts.iter().flat_map(|p| match p {
            Part::Expr { vars, .. } => vars.as_slice(),
            Part::Literal(_) => &[],
        });
        path.chain(self.query.iter()).map(String::as_str)
    }

    /// Whether the template has no variables (a fixed URI).
    pub fn is_fixed(&self) -> bool {
        self.variables().next().is_none()
    }

    /// Matches `uri`, returning its percent-decoded variables.
    pub fn matches(&self, uri: &str) -> Option<HashMap<String, String>> {
        let mut vars = HashMap::new();
        let (path, query) = match (self.query.is_empty(), uri.split_once('?')) {
            (false, Some((path, query))) => (path, Some(query)),
            _ => (uri, None),
        };
        if !match_parts(&self.parts, path, &mut vars) {
            return None;
        }
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if self.query.iter().any(|q| q == key) {
                vars.insert(key.to_owned(), decode(value)?);
            }
        }
        Some(vars)
    }

    /// Expands the template with `vars`; absent variables expand to nothing.
    ///
    /// ```
    /// use mcp_core::uri_template::UriTemplate;
    /// let t = UriTemplate::parse("file:///{+path}{?v}").unwrap();
    /// let vars = [("path".to_string(), "a b/c".to_string())].into();
    /// assert_eq!(t.expand(&vars), "file:///a%20b/c");
    /// ```
    pub fn expand(&self, vars: &HashMap<String, String>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Expr { op, vars: names } => {
                    let set = if *op == Op::Reserved || *op == Op::Fragment { RESERVED_KEPT } else { UNRESERVED_KEPT };
                    let values: Vec<String> = names
                        .iter()
                        .filter_map(|n| vars.get(n))
                        .map(|v| utf8_percent_encode(v, set).to_string())
                        .collect();
                    if !values.is_empty() {
                        out.extend(op.prefix());
                        out.push_str(&values.join(&op.separator().to_string()));
                    }
                }
            }
        }
        let mut first = true;
        for name in &self.query {
            if let Some(value) = vars.get(name) {
                out.push(if first { '?' } else { '&' });
                first = false;
                out.push_str(name);
                out.push('=');
                out.push_str(&utf8_percent_encode(value, UNRESERVED_KEPT).to_string());
            }
        }
        out
    }
}

impl fmt::Display for UriTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Everything but RFC 3986 unreserved characters is encoded.
const UNRESERVED_KEPT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// Reserved characters are kept as well (`{+var}`, `{#var}`).
const RESERVED_KEPT: &AsciiSet = &UNRESERVED_KEPT
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'#')
    .remove(b'[')
    .remove(b']')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'%');

fn var_name(spec: &str) -> Result<String, TemplateError> {
    let name = spec.trim_end_matches('*');
    let name = name.split_once(':').map_or(name, |(n, _)| n);
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if valid { Ok(name.to_owned()) } else { Err(TemplateError(format!("invalid variable name `{spec}`"))) }
}

fn decode(value: &str) -> Option<String> {
    percent_decode_str(value).decode_utf8().ok().map(|v| v.into_owned())
}

/// Backtracking match of `parts` against all of `input`.
fn match_parts(parts: &[Part], input: &str, vars: &mut HashMap<String, String>) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return input.is_empty();
    };
    match first {
        Part::Literal(text) => input.strip_prefix(text.as_str()).is_some_and(|tail| match_parts(rest, tail, vars)),
        Part::Expr { op, vars: names } => {
            // A prefixed expression (`{/seg}`, `{.ext}`, `{#f}`) may be absent
            // altogether; a simple or reserved one must match something.
            if op.prefix().is_some_and(|p| !input.starts_with(p)) {
                return match_parts(rest, input, vars);
            }
            let body = match op.prefix() {
                Some(p) => match input.strip_prefix(p) {
                    Some(body) => body,
                    None => return false,
                },
                None => input,
            };
            let longest = body.char_indices().find(|&(_, c)| !op.allows(c)).map_or(body.len(), |(i, _)| i);
            let ends: Vec<usize> = body[..longest].char_indices().map(|(i, c)| i + c.len_utf8()).collect();
            for &end in ends.iter().rev() {
                if match_parts(rest, &body[end..], vars) {
                    return bind(*op, names, &body[..end], vars);
                }
            }
            false
        }
    }
}

fn bind(op: Op, names: &[String], text: &str, vars: &mut HashMap<String, String>) -> bool {
    let pieces: Vec<&str> =
        if names.len() == 1 { vec![text] } else { text.splitn(names.len(), op.separator()).collect() };
    for (name, piece) in names.iter().zip(pieces) {
        match decode(piece) {
            Some(value) => vars.insert(name.clone(), value),
            None => return false,
        };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(t: &str, uri: &str) -> Option<HashMap<String, String>> {
        UriTemplate::parse(t).unwrap().matches(uri)
    }

    #[test]
    fn simple_variables() {
        assert_eq!(m("weather://forecast/{city}", "weather://forecast/Paris").unwrap()["city"], "Paris");
        assert!(m("weather://forecast/{city}", "weather://forecast/").is_none());
        assert!(m("weather://forecast/{city}", "weather://other/Paris").is_none());
        let v = m("db://{table}/{id}", "db://users/42").unwrap();
        assert_eq!((v["table"].as_str(), v["id"].as_str()), ("users", "42"));
        let v = m("x://{a},{b}", "x://1,2").unwrap();
        assert_eq!(v["b"], "2");
    }

    #[test]
    fn reserved_path_and_query() {
        assert_eq!(m("file:///{+path}", "file:///a/b/c.txt").unwrap()["path"], "a/b/c.txt");
        let v = m("search://{q}{?limit,page}", "search://rust?page=2&limit=10").unwrap();
        assert_eq!((v["q"].as_str(), v["limit"].as_str(), v["page"].as_str()), ("rust", "10", "2"));
        let v = m("search://{q}{?limit}", "search://rust").unwrap();
        assert!(!v.contains_key("limit"));
        assert_eq!(m("x://root{/seg}", "x://root/abc").unwrap()["seg"], "abc");
        assert_eq!(m("x://f{.ext}", "x://f.json").unwrap()["ext"], "json");
    }

    #[test]
    fn rejects_bad_templates_and_encodings() {
        assert!(UriTemplate::parse("x://{a").is_err());
        assert!(UriTemplate::parse("x://{}").is_err());
        assert!(UriTemplate::parse("x://{?q}/tail").is_err());
        assert!(m("x://{a}", "x://%FF").is_none());
    }

    #[test]
    fn expansion_round_trips() {
        let t = UriTemplate::parse("x://{a}/{+b}{?c}").unwrap();
        let vars: HashMap<String, String> =
            [("a", "é f"), ("b", "p/q"), ("c", "1&2")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let uri = t.expand(&vars);
        assert_eq!(t.matches(&uri).unwrap(), vars);
    }
}
