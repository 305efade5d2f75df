//! A `SKILL.md`'s frontmatter: the YAML block between `---` lines at the
//! top of the file, as the JSON object skill entries carry verbatim.
//!
//! YAML 1.2 (core schema) through `yaml-rust2`. Aliases are refused (their
//! expansion is how a few bytes of YAML become gigabytes, and frontmatter
//! has no use for them), as are keys that are not strings, values JSON
//! cannot hold (`.nan`, `.inf`) and nesting deeper than [`MAX_DEPTH`].

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::Parser;
use yaml_rust2::{Event, Yaml, YamlLoader};

/// Longest frontmatter block, in bytes.
pub(crate) const MAX_SIZE: usize = 64 * 1024;
/// Deepest nesting of sequences and mappings.
const MAX_DEPTH: usize = 32;

/// The YAML between the opening `---` line (the file's first, after a
/// byte-order mark) and the next line that is `---`, trailing blanks
/// allowed; `None` when the file does not start with such a block.
pub(crate) fn block(text: &str) -> Option<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n"))?;
    rest.match_indices("\n---").find_map(|(at, fence)| {
        let after = rest[at + fence.len()..].trim_start_matches([' ', '\t']);
        let closes = after.is_empty() || after.starts_with('\n') || after.starts_with("\r\n");
        closes.then(|| rest[..at].strip_suffix('\r').unwrap_or(&rest[..at]))
    })
}

/// The frontmatter of the `SKILL.md` text, as a JSON object.
pub(crate) fn parse(text: &str) -> Result<Map<String, Value>, String> {
    let yaml = block(text).ok_or("SKILL.md must start with YAML frontmatter between `---` lines")?;
    if yaml.len() > MAX_SIZE {
        return Err(format!("the frontmatter is longer than {MAX_SIZE} bytes"));
    }
    check_events(yaml)?;
    let documents = YamlLoader::load_from_str(yaml).map_err(|e| format!("the frontmatter is not valid YAML: {e}"))?;
    match documents.into_iter().next() {
        Some(Yaml::Hash(map)) => object(map),
        _ => Err("the frontmatter must be a YAML mapping (`key: value` lines)".into()),
    }
}

/// Refuses aliases and deep nesting before anything is built.
fn check_events(yaml: &str) -> Result<(), String> {
    let mut parser = Parser::new_from_str(yaml);
    let mut depth = 0usize;
    loop {
        let (event, _) = parser.next_token().map_err(|e| format!("the frontmatter is not valid YAML: {e}"))?;
        match event {
            Event::Alias(_) => return Err("the frontmatter may not use YAML aliases (`*name`)".into()),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!("the frontmatter nests deeper than {MAX_DEPTH} levels"));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::StreamEnd => return Ok(()),
            _ => {}
        }
    }
}

fn object(map: yaml_rust2::yaml::Hash) -> Result<Map<String, Value>, String> {
    map.into_iter()
        .map(|(key, value)| match key {
            Yaml::String(key) => Ok((key, json(value)?)),
            other => Err(format!("frontmatter keys must be strings, not {other:?}")),
        })
        .collect()
}

fn json(yaml: Yaml) -> Result<Value, String> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::String(s) => Value::String(s),
        Yaml::Real(text) => {
            let number = Yaml::Real(text.clone()).as_f64().and_then(Number::from_f64);
            Value::Number(number.ok_or_else(|| format!("the number {text} has no JSON form"))?)
        }
        Yaml::Array(items) => Value::Array(items.into_iter().map(json).collect::<Result<_, _>>()?),
        Yaml::Hash(map) => Value::Object(object(map)?),
        Yaml::Alias(_) | Yaml::BadValue => return Err("the frontmatter holds a value of no known type".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(text: &str) -> Value {
        Value::Object(parse(text).unwrap())
    }

    #[test]
    fn the_block_is_between_fences() {
        assert_eq!(block("---\nname: a\n---\nbody"), Some("name: a"));
        assert_eq!(block("\u{feff}---\r\nname: a\r\n---  \r\n"), Some("name: a"));
        assert_eq!(block("---\nname: a\n---"), Some("name: a"));
        assert_eq!(block("---\na: '---x'\n----\nb: 1\n---\n"), Some("a: '---x'\n----\nb: 1"));
        assert_eq!(block("name: a\n---\n"), None);
        assert_eq!(block("--- \nname: a\n---\n"), None);
        assert_eq!(block("---\nname: a\n"), None);
    }

    #[test]
    fn yaml_becomes_json() {
        let text = "---\nname: pdf-processing\ndescription: >\n  Extract text\n  from PDFs.\nlicense: \"MIT\"\n\
                    metadata:\n  version: '2.1'\n  count: 3\n  ratio: 0.5\n  flag: true\n  empty: ~\n\
                    allowed-tools: [Read, Bash(python:*)]\n---\n# PDF\n";
        assert_eq!(
            parsed(text),
            json!({
                "name": "pdf-processing",
                "description": "Extract text from PDFs.\n",
                "license": "MIT",
                "metadata": {"version": "2.1", "count": 3, "ratio": 0.5, "flag": true, "empty": null},
                "allowed-tools": ["Read", "Bash(python:*)"],
            })
        );
    }

    #[test]
    fn what_json_cannot_carry_or_could_explode_is_refused() {
        let cases = [
            ("---\nbody only\n", "must start with YAML frontmatter"),
            ("---\n- a\n- b\n---\n", "must be a YAML mapping"),
            ("---\nname: [a\n---\n", "not valid YAML"),
            ("---\na: &x [1]\nb: *x\n---\n", "aliases"),
            ("---\n1: one\n---\n", "keys must be strings"),
            ("---\nratio: .nan\n---\n", "no JSON form"),
            ("---\nname: a\nname: b\n---\n", "not valid YAML"),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
        let deep = format!("---\na: {}{}\n---\n", "[".repeat(40), "]".repeat(40));
        assert!(parse(&deep).unwrap_err().contains("deeper than"));
        let long = format!("---\na: \"{}\"\n---\n", "x".repeat(MAX_SIZE));
        assert!(parse(&long).unwrap_err().contains("longer than"));
    }
}
