//! The `WWW-Authenticate` header (RFC 9110 §11.6.1): one or more
//! challenges, each a scheme and its parameters, such as
//! `Bearer error="insufficient_scope", scope="files:read", resource_metadata="https://…"`.

use std::collections::BTreeMap;

/// One challenge: its scheme (lower-cased) and parameters (names lower-cased).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Challenge {
    /// `bearer`, `dpop`, …
    pub scheme: String,
    /// Its parameters, e.g. `scope`, `error`, `resource_metadata`.
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    /// A parameter's value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// `error`, e.g. `invalid_token`, `insufficient_scope`, `use_dpop_nonce`.
    pub fn error(&self) -> Option<&str> {
        self.param("error")
    }

    /// `scope`, the scopes the request needs.
    pub fn scope(&self) -> Option<&str> {
        self.param("scope").filter(|s| !s.trim().is_empty())
    }

    /// `resource_metadata`, the URL of the protected-resource metadata (RFC 9728 §5.1).
    pub fn resource_metadata(&self) -> Option<&str> {
        self.param("resource_metadata")
    }
}

/// Longest header parsed; a longer one is cut (the server is not trusted).
const MAX_HEADER: usize = 8 * 1024;

/// The challenges of one or more `WWW-Authenticate` values.
pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    let mut challenges = Vec::new();
    for value in values {
        let value = value.get(..MAX_HEADER.min(value.len())).unwrap_or_default();
        challenges.extend(parse_one(value));
    }
    challenges
}

/// The challenges of the `WWW-Authenticate` headers in `headers`.
pub fn from_headers(headers: &reqwest::header::HeaderMap) -> Vec<Challenge> {
    parse(headers.get_all(reqwest::header::WWW_AUTHENTICATE).iter().filter_map(|v| v.to_str().ok()))
}

fn parse_one(text: &str) -> Vec<Challenge> {
    let mut lexer = Lexer { rest: text };
    let mut challenges: Vec<Challenge> = Vec::new();
    loop {
        lexer.skip(|c| c == ',' || c.is_whitespace());
        let Some(word) = lexer.token() else { break };
        lexer.skip(char::is_whitespace);
        if lexer.rest.starts_with('=') && !lexer.rest.starts_with("==") && !challenges.is_empty() {
            // `name=value`: a parameter of the current challenge.
            lexer.rest = &lexer.rest[1..];
            lexer.skip(char::is_whitespace);
            let value = lexer.value();
            if let Some(current) = challenges.last_mut() {
                current.params.insert(word.to_ascii_lowercase(), value);
            }
        } else if lexer.rest.starts_with('=') {
            // A token68 without a scheme before it: skip it.
            lexer.skip(|c| c == '=');
        } else {
            challenges.push(Challenge { scheme: word.to_ascii_lowercase(), params: BTreeMap::new() });
            // A token68 (`Basic abc==`) right after the scheme: skip it.
            let before = lexer.rest;
            if let Some(_token68) = lexer.token() {
                lexer.skip(char::is_whitespace);
                if lexer.rest.starts_with('=') && !lexer.rest.starts_with("==") {
                    lexer.rest = before; // it was a parameter name
                } else {
                    lexer.skip(|c| c == '=');
                }
            }
        }
    }
    challenges
}

struct Lexer<'a> {
    rest: &'a str,
}

impl<'a> Lexer<'a> {
    fn skip(&mut self, what: impl Fn(char) -> bool) {
        self.rest = self.rest.trim_start_matches(what);
    }

    /// A token (RFC 9110 `tchar`s, plus `/` for token68).
    fn token(&mut self) -> Option<&'a str> {
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~/".contains(c)))
            .unwrap_or(self.rest.len());
        let (token, rest) = self.rest.split_at(end);
        self.rest = rest;
        (!token.is_empty()).then_some(token)
    }

    /// A token or a quoted string (backslash escapes undone).
    fn value(&mut self) -> String {
        let Some(quoted) = self.rest.strip_prefix('"') else {
            return self.token().unwrap_or_default().to_owned();
        };
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => {
                    self.rest = &quoted[at + 1..];
                    return value;
                }
                c => value.push(c),
            }
        }
        self.rest = "";
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parameters_are_read_quoted_or_not() {
        let challenges = parse([
            r#"Bearer error="insufficient_scope", scope="files:read files:write", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", error_description="needs \"write\"""#,
        ]);
        assert_eq!(challenges.len(), 1);
        let bearer = &challenges[0];
        assert_eq!(bearer.scheme, "bearer");
        assert_eq!(bearer.error(), Some("insufficient_scope"));
        assert_eq!(bearer.scope(), Some("files:read files:write"));
        assert_eq!(
            bearer.resource_metadata(),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(bearer.param("error_description"), Some(r#"needs "write""#));
    }

    #[test]
    fn several_challenges_and_token68_are_told_apart() {
        let challenges = parse([r#"Basic abc123==, DPoP algs="ES256 RS256", error=use_dpop_nonce, Bearer realm=mcp"#]);
        let schemes: Vec<_> = challenges.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["basic", "dpop", "bearer"]);
        assert_eq!(challenges[1].param("algs"), Some("ES256 RS256"));
        assert_eq!(challenges[1].error(), Some("use_dpop_nonce"));
        assert_eq!(challenges[2].param("realm"), Some("mcp"));
    }

    #[test]
    fn broken_headers_give_what_can_be_read() {
        assert!(parse([""]).is_empty());
        let cut = parse([r#"Bearer scope="never closed"#]);
        assert_eq!(cut[0].scope(), Some("never closed"));
        assert_eq!(parse(["Bearer scope=\"\""])[0].scope(), None, "an empty scope is no scope");
    }
}
