//! What the user sees: results as pretty JSON on stdout, the server's
//! notifications as one line each on stderr.

use quickmcp_client::ServerNotification;
use serde_json::Value;
use std::io::Write;

/// Prints `value` as pretty JSON on stdout.
pub fn print(value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}").and_then(|()| stdout.flush()).map_err(|e| format!("cannot write the result: {e}"))
}

/// A notification as one line for stderr: logs and progress in words,
/// anything else as its method and params.
pub fn describe(notification: &ServerNotification) -> String {
    let params = &notification.params;
    match notification.method.as_str() {
        "notifications/message" => {
            let level = params["level"].as_str().unwrap_or("log");
            let data = compact(&params["data"]);
            match params["logger"].as_str() {
                Some(logger) => format!("[{level}] {logger}: {data}"),
                None => format!("[{level}] {data}"),
            }
        }
        "notifications/progress" => {
            let mut line = format!("progress {}", compact(&params["progress"]));
            if !params["total"].is_null() {
                line += &format!("/{}", compact(&params["total"]));
            }
            if let Some(message) = params["message"].as_str() {
                line += &format!(": {message}");
            }
            line
        }
        method if params.is_null() => method.to_owned(),
        method => format!("{method} {}", compact(params)),
    }
}

/// A string as itself, anything else as compact JSON; at most 2000
/// characters (a server may send a lot).
fn compact(value: &Value) -> String {
    let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
    match text.char_indices().nth(2000) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(method: &str, params: Value) -> String {
        describe(&ServerNotification { method: method.into(), params })
    }

    #[test]
    fn logs_and_progress_read_as_words() {
        let log = json!({"level": "info", "logger": "weather", "data": "analysing text"});
        assert_eq!(line("notifications/message", log), "[info] weather: analysing text");
        assert_eq!(line("notifications/message", json!({"level": "debug", "data": {"a": 1}})), "[debug] {\"a\":1}");
        let progress = json!({"progressToken": 1, "progress": 3, "total": 10, "message": "sieving"});
        assert_eq!(line("notifications/progress", progress), "progress 3/10: sieving");
        assert_eq!(line("notifications/tools/list_changed", Value::Null), "notifications/tools/list_changed");
        assert_eq!(
            line("notifications/resources/updated", json!({"uri": "a://b"})),
            "notifications/resources/updated {\"uri\":\"a://b\"}"
        );
        assert_eq!(compact(&json!("é".repeat(3000))).chars().count(), 2001);
    }
}
