//! URI templates read at compile time: the syntax check and the variable
//! names `#[resource]` binds to parameters.
//!
//! The rules mirror `quickmcp::uri_template::UriTemplate::parse` (which the
//! generated code runs again at registration): the operators `+ # . / ? &`,
//! `*` and `:N` modifiers stripped from names, query expressions last.

/// Whether `uri` is a template rather than a fixed URI.
pub fn is_template(uri: &str) -> bool {
    uri.contains('{') || uri.contains('}')
}

/// The variables of `source` in order (repeats removed), or why it is not a
/// valid template.
pub fn variables(source: &str) -> Result<Vec<String>, String> {
    let mut variables: Vec<String> = Vec::new();
    let mut in_query = false;
    let mut rest = source;
    while let Some(open) = rest.find('{') {
        if in_query && open > 0 {
            return Err("query expressions (`{?..}`, `{&..}`) must come last".into());
        }
        let close = rest[open..].find('}').ok_or("unclosed `{`")? + open;
        let body = &rest[open + 1..close];
        let names = match body.chars().next() {
            Some('+' | '#' | '.' | '/') if in_query => {
                return Err("query expressions (`{?..}`, `{&..}`) must come last".into());
            }
            Some('+' | '#' | '.' | '/') => &body[1..],
            Some('?' | '&') => {
                in_query = true;
                &body[1..]
            }
            Some(op @ (';' | '=' | ',' | '!' | '@' | '|')) => {
                return Err(format!("unsupported operator `{op}` in `{{{body}}}`"));
            }
            _ if in_query => {
                return Err("query expressions (`{?..}`, `{&..}`) must come last".into());
            }
            _ => body,
        };
        for spec in names.split(',') {
            let name = var_name(spec)?;
            if !variables.contains(&name) {
                variables.push(name);
            }
        }
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return Err("unmatched `}`".into());
    }
    if in_query && !rest.is_empty() {
        return Err("query expressions (`{?..}`, `{&..}`) must come last".into());
    }
    Ok(variables)
}

/// A variable name without its `*` (explode) or `:N` (prefix) modifier.
fn var_name(spec: &str) -> Result<String, String> {
    let name = spec.trim_end_matches('*');
    let name = name.split_once(':').map_or(name, |(n, _)| n);
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if valid { Ok(name.to_owned()) } else { Err(format!("invalid variable name `{spec}`")) }
}

/// Whether `uri` starts with an RFC 3986 scheme (`letter *(letter / digit / + - .) ":"`).
pub fn has_scheme(uri: &str) -> bool {
    let Some((scheme, _)) = uri.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_operator_and_modifier() {
        let vars = variables("x://{a}/{+b}{#c}{.d}{/e*}{?f,g:3}{&h}").unwrap();
        assert_eq!(vars, ["a", "b", "c", "d", "e", "f", "g", "h"]);
        assert_eq!(variables("weather://forecast/{city}").unwrap(), ["city"]);
        assert_eq!(variables("x://{a}/{a}").unwrap(), ["a"]);
    }

    #[test]
    fn rejects_what_the_runtime_rejects() {
        for bad in ["x://{a", "x://{}", "x://{?q}/tail", "x://{?q}{a}", "x://a}", "x://{;a}", "x://{a b}"] {
            assert!(variables(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn schemes() {
        assert!(has_scheme("weather://x"));
        assert!(has_scheme("urn:isbn:1"));
        assert!(!has_scheme("/no/scheme"));
        assert!(!has_scheme("1x://y"));
    }
}
