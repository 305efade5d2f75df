//! The `arguments` of a call to a representative `#[tool]` (numbers, an
//! optional, a nested struct, an enum): the generated decoding answers
//! every input with a result or a tool error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quickmcp::protocol::jsonrpc::{Message, RequestId};
use quickmcp::peer::RequestEnv;
use quickmcp::prelude::*;
use std::sync::OnceLock;

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Units {
    Metric,
    Imperial,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Window {
    days: u8,
    hourly: Option<bool>,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Forecast {
    summary: String,
}

/// A forecast.
#[tool]
async fn forecast(city: String, units: Option<Units>, window: Window, scale: f64) -> Json<Forecast> {
    let units = if matches!(units, Some(Units::Imperial)) { "F" } else { "C" };
    Json(Forecast { summary: format!("{city} {} {units} {scale}", window.days) })
}

fn server() -> &'static (Server, tokio::runtime::Runtime) {
    static SERVER: OnceLock<(Server, tokio::runtime::Runtime)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a runtime");
        (Server::builder("fuzz", "0").tools(tools![forecast]).build(), runtime)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(arguments) = std::str::from_utf8(data) else { return };
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"forecast","arguments":{arguments}}}}}"#
    );
    let Ok(Message::Request(request)) = Message::decode(body.as_bytes()) else { return };
    assert_eq!(request.id, RequestId::Number(1));
    let (server, runtime) = server();
    let _ = runtime.block_on(server.handle_request(request, RequestEnv::default()));
});
