//! RFC 6570 URI templates: parsing, matching a URI back to its variables,
//! and expansion.
//!
//! Matching covers the expressions MCP servers use: simple `{var}`, reserved
//! `{+path}`, fragment `{#frag}`, label `{.ext}`, path segments `{/seg}`, and
//! query forms `{?a,b}` / `{&c}` (which must come last and match parameters
//! in any order). Matched values are percent-decoded; a value of an
//! expression that may not hold `/` (all but `{+var}` and `{#var}`) that
//! decodes to one, or to `.` or `..`, does not match, so a client cannot
//! smuggle a path through a `{var}`.
//!
//! Matching runs in time linear in the URI (the template becomes a regular
//! expression for `regex-lite`, which never backtracks), and URIs longer
//! than [`MAX_URI_LEN`] never match.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::collections::HashMap;
use std::fmt;

/// Longest URI a template is matched against.
pub const MAX_URI_LEN: usize = 8 * 1024;

/// A parsed URI template.
#[derive(Debug, Clone)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
    /// Trailing `{?…}` / `{&…}` variables, matched against the query string.
    query: Vec<String>,
    /// The path part as an anchored expression, one group per `Expr`.
    matcher: regex_lite::Regex,
}

impl PartialEq for UriTemplate {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for UriTemplate {}

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
    /// use quickmcp::uri_template::UriTemplate;
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
        let matcher = matcher_for(&parts)?;
        Ok(Self { source: source.to_owned(), parts, query, matcher })
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
        if uri.len() > MAX_URI_LEN {
            return None;
        }
        let mut vars = HashMap::new();
        let (path, query) = match (self.query.is_empty(), uri.split_once('?')) {
            (false, Some((path, query))) => (path, Some(query)),
            _ => (uri, None),
        };
        let captures = self.matcher.captures(path)?;
        let exprs = self.parts.iter().filter_map(|p| match p {
            Part::Expr { op, vars } => Some((*op, vars)),
            Part::Literal(_) => None,
        });
        for ((op, names), group) in exprs.zip(captures.iter().skip(1)) {
            if let Some(text) = group
                && !bind(op, names, text.as_str(), &mut vars)
            {
                return None;
            }
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
    /// use quickmcp::uri_template::UriTemplate;
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

/// The path part of a template as an anchored regular expression: literals
/// verbatim, each expression one group of the characters its operator
/// admits (prefixed ones optional, as a whole).
fn matcher_for(parts: &[Part]) -> Result<regex_lite::Regex, TemplateError> {
    let mut pattern = String::from("^");
    for part in parts {
        match part {
            Part::Literal(text) => pattern.push_str(&regex_lite::escape(text)),
            Part::Expr { op, .. } => {
                let class = match op {
                    Op::Reserved => "[^?#]+",
                    Op::Fragment => "(?s:.+)",
                    Op::Simple | Op::Label | Op::Path => "[^/?#&=]+",
                };
                match op.prefix() {
                    Some(prefix) => {
                        pattern.push_str(&format!("(?:{}({class}))?", regex_lite::escape(&prefix.to_string())))
                    }
                    None => pattern.push_str(&format!("({class})")),
                }
            }
        }
    }
    pattern.push('$');
    regex_lite::Regex::new(&pattern).map_err(|e| TemplateError(e.to_string()))
}

fn bind(op: Op, names: &[String], text: &str, vars: &mut HashMap<String, String>) -> bool {
    let pieces: Vec<&str> =
        if names.len() == 1 { vec![text] } else { text.splitn(names.len(), op.separator()).collect() };
    for (name, piece) in names.iter().zip(pieces) {
        match decode(piece) {
            Some(value) if op.allows('/') || is_plain_segment(&value) => vars.insert(name.clone(), value),
            _ => return false,
        };
    }
    true
}

/// Whether a decoded value stays one path segment: no `/` or `\\`, and not
/// `.` or `..`.
fn is_plain_segment(value: &str) -> bool {
    !value.contains(['/', '\\']) && value != "." && value != ".."
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
    fn a_variable_cannot_smuggle_a_path() {
        let t = "weather://forecast/{city}";
        assert!(m(t, "weather://forecast/..%2F..%2Fetc").is_none());
        assert!(m(t, "weather://forecast/a%5Cb").is_none());
        assert!(m(t, "weather://forecast/..").is_none() && m(t, "weather://forecast/%2E%2E").is_none());
        assert_eq!(m(t, "weather://forecast/St.%20Louis").unwrap()["city"], "St. Louis");
        assert_eq!(m("file:///{+path}", "file:///a/../b").unwrap()["path"], "a/../b", "{{+var}} may");
    }

    #[test]
    fn matching_is_linear_and_bounded() {
        let slow = UriTemplate::parse("x://{name}{.ext}{a},{b}").unwrap();
        let long = format!("x://{}", "a".repeat(MAX_URI_LEN - 8));
        // With backtracking these took minutes; linear matching answers at once.
        assert!(slow.matches(&long).is_none());
        assert!(slow.matches(&format!("{long},b")).is_some());
        assert!(slow.matches(&format!("x://{}", "a".repeat(MAX_URI_LEN))).is_none(), "too long");
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
