//! The top-level members of a JSON object serde_json has already checked,
//! found in one light pass.
//!
//! A call's text is validated once, by the envelope; what reads parts of
//! it again (the stateless era's members of the params, a tool's
//! arguments) only needs to know where each member starts and ends. That
//! takes the structure alone (strings, nesting, commas) and costs a few
//! instructions a byte, strings skipped eight bytes a step, where a second
//! serde pass costs several times more. Nothing found here is trusted
//! further than its bounds: each member is read by serde when it is used.

use std::borrow::Cow;

/// Calls `each(key, value)` for every top-level member of the JSON object
/// `object`, in order: `key` is the text between its quotes (escapes
/// kept), `value` the member's JSON text. `None` when `object` is not a
/// JSON object or its structure breaks off; what is inside a member is not
/// checked here (serde checks it where it is read).
pub(crate) fn for_each<'a>(object: &'a str, each: impl FnMut(&'a str, &'a str)) -> Option<()> {
    for_each_expecting(object, None, each)
}

/// [`for_each`], told of a member that most calls repeat verbatim:
/// `(key, value)`, with `value` a JSON object this module found whole
/// before. Where the member's key is `key` and its text starts with
/// `value`, the value ends where `value` does, without a scan: the scan
/// would read the same bytes and stop at the same brace. (Clients send the
/// same `_meta` with every stateless-era request, and it is most of the
/// params.)
pub(crate) fn for_each_expecting<'a>(
    object: &'a str,
    expected: Option<(&str, &str)>,
    mut each: impl FnMut(&'a str, &'a str),
) -> Option<()> {
    debug_assert!(expected.is_none_or(|(_, v)| v.starts_with('{') && value_end(v.as_bytes(), 0) == Some(v.len())));
    let bytes = object.as_bytes();
    let mut at = skip_space(bytes, 0);
    if *bytes.get(at)? != b'{' {
        return None;
    }
    at = skip_space(bytes, at + 1);
    if *bytes.get(at)? == b'}' {
        return Some(());
    }
    loop {
        let key_end = string_end(bytes, at)?;
        let key = object.get(at + 1..key_end - 1)?;
        at = skip_space(bytes, key_end);
        if *bytes.get(at)? != b':' {
            return None;
        }
        let start = skip_space(bytes, at + 1);
        let end = match expected {
            Some((k, v)) if k == key && bytes[start..].starts_with(v.as_bytes()) => start + v.len(),
            _ => value_end(bytes, start)?,
        };
        each(key, object.get(start..end)?);
        at = skip_space(bytes, end);
        match *bytes.get(at)? {
            b',' => at = skip_space(bytes, at + 1),
            b'}' => return Some(()),
            _ => return None,
        }
    }
}

/// A key as [`for_each`] gives it, its escapes read (`None` if they are
/// not valid JSON escapes).
pub(crate) fn unescaped(key: &str) -> Option<Cow<'_, str>> {
    if !key.bytes().any(|b| b == b'\\') {
        return Some(Cow::Borrowed(key));
    }
    serde_json::from_str(&format!("\"{key}\"")).ok().map(Cow::Owned)
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The index after the string that opens at `at`.
fn string_end(bytes: &[u8], at: usize) -> Option<usize> {
    if *bytes.get(at)? != b'"' {
        return None;
    }
    let mut i = at + 1;
    loop {
        i = quote_or_backslash(bytes, i)?;
        match bytes[i] {
            b'"' => return Some(i + 1),
            _ => i += 2,
        }
    }
}

/// The index of the first `"` or `\` at or after `from`, eight bytes a
/// step. Most strings in a call are a few bytes long, where calling
/// `memchr` costs more than the search.
fn quote_or_backslash(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // A byte of `word` that is zero sets its high bit in the result; a
    // borrow can set more above it, never below, so the lowest is exact.
    let zero_bytes = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(8);
    let mut at = from;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let found = zero_bytes(word ^ (ONES * u64::from(b'"'))) | zero_bytes(word ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words.remainder().iter().position(|&b| b == b'"' || b == b'\\').map(|i| at + i)
}

/// The index after the value that starts at `at`.
fn value_end(bytes: &[u8], at: usize) -> Option<usize> {
    match *bytes.get(at)? {
        b'"' => string_end(bytes, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match *bytes.get(i)? {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        // A number, `true`, `false` or `null`: up to what follows it.
        _ => {
            let length =
                bytes[at..].iter().position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'));
            Some(at + length.unwrap_or(bytes.len() - at))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn finds_the_first_quote_or_backslash_at_every_offset() {
        for length in 0..40 {
            for at in 0..length {
                for mark in [b'"', b'\\'] {
                    // High bytes and 0x01 around the mark: the cases a borrow could confuse.
                    let mut bytes: Vec<u8> = (0..length).map(|i| [b'a', 0x01, 0xff, b'#'][i % 4]).collect();
                    bytes[at] = mark;
                    for from in 0..=at {
                        assert_eq!(quote_or_backslash(&bytes, from), Some(at), "{bytes:?} from {from}");
                    }
                    assert_eq!(quote_or_backslash(&bytes, at + 1), None);
                }
            }
        }
    }

    fn members(text: &str) -> Option<Vec<(String, String)>> {
        let mut found = Vec::new();
        for_each(text, |k, v| found.push((k.to_owned(), v.to_owned()))).map(|()| found)
    }

    #[test]
    fn finds_each_member_as_serde_reads_it() {
        let texts = [
            r#"{}"#,
            r#" { } "#,
            r#"{"a":1}"#,
            r#"{ "name" : "add" , "arguments" : { "a" : [1, {"b": "}]"}], "c": -2.5e3 }, "_meta": {"x": null} }"#,
            r#"{"k\"ey":"va\\\"lue","t":true,"f":false,"n":null,"e":[],"o":{}}"#,
            "{\"uni\":\"é ☃\",\n\t\"last\":\r\n0}",
            // Longer strings, escapes at their start and end.
            r#"{"abcdefghijklmno":"abcdefghijklmnop","abcdefghijklmnopq\"rs":"0123456789abcdef\\","x":"\"0123456789abcdefghij\"k"}"#,
        ];
        for text in texts {
            let expected: serde_json::Map<String, Value> = serde_json::from_str(text).unwrap();
            let found = members(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(found.len(), expected.len(), "{text}");
            for (key, value) in found {
                let key: String = serde_json::from_str(&format!("\"{key}\"")).unwrap();
                assert_eq!(serde_json::from_str::<Value>(&value).unwrap(), expected[&key], "{text}");
            }
        }
    }

    #[test]
    fn an_expected_member_is_found_as_a_scan_finds_it() {
        let meta = r#"{"v":"2026-07-28","caps":{"x":[1,"}"]}}"#;
        let texts = [
            format!(r#"{{"name":"add","_meta":{meta},"arguments":{{}}}}"#),
            format!(r#"{{"_meta" : {meta} }}"#),
            // Another value under the key, one the expected text is a
            // prefix of up to its last brace, and the text under another key.
            r#"{"_meta":{"v":"2025"},"a":1}"#.to_owned(),
            format!(r#"{{"_meta":{}"y":2}}}}"#, &meta[..meta.len() - 1]),
            format!(r#"{{"other":{meta},"_meta":{{}}}}"#),
            format!(r#"{{"_m\u0065ta":{meta}}}"#),
        ];
        for text in &texts {
            let mut scanned = Vec::new();
            let mut told = Vec::new();
            let a = for_each(text, |k, v| scanned.push((k, v)));
            let b = for_each_expecting(text, Some(("_meta", meta)), |k, v| told.push((k, v)));
            assert_eq!((a, &scanned), (b, &told), "{text}");
            assert!(a.is_some(), "{text}");
        }
    }

    #[test]
    fn keys_are_unescaped_only_when_they_must_be() {
        assert!(matches!(unescaped("city"), Some(Cow::Borrowed("city"))));
        assert_eq!(unescaped(r"c\u0069ty").as_deref(), Some("city"));
        assert_eq!(unescaped(r#"a\"b"#).as_deref(), Some("a\"b"));
        assert_eq!(unescaped(r"bad\x"), None);
    }

    #[test]
    fn what_is_not_an_object_has_no_members() {
        for text in [
            "",
            "[]",
            "[{\"a\":1}]",
            "\"{}\"",
            "1",
            "{",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":1",
            "{\"a\":1,",
            "{\"a\" 1}",
            "{\"a\":\"1}",
        ] {
            assert_eq!(members(text), None, "{text:?}");
        }
    }
}
