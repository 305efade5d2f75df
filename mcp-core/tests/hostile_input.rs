//! Bad input never panics: random and mutated bytes through the JSON-RPC
//! decoder, random URIs through the URI-template matcher, and random
//! arguments through a tool call. Deterministic (seeded), bounded in count.

use quickmcp::peer::RequestEnv;
use quickmcp::protocol::jsonrpc::Message;
use quickmcp::uri_template::UriTemplate;
use quickmcp::{Server, tool, tools};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEEDS: &[&[u8]] = &[
    br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}"#,
    br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"x"}}"#,
    br#"{"jsonrpc":"2.0","id":"s-1","result":{"content":[]}}"#,
    br#"{"jsonrpc":"2.0","id":7,"error":{"code":-1,"message":"m","data":[1,{"a":null}]}}"#,
];

fn mutate(rng: &mut StdRng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..rng.random_range(1..6) {
        let at = rng.random_range(0..bytes.len().max(1));
        match rng.random_range(0..4) {
            0 if !bytes.is_empty() => {
                bytes.remove(at.min(bytes.len() - 1));
            }
            1 => bytes.insert(at.min(bytes.len()), rng.random()),
            2 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                let alphabet = b"{}[]\",:0-9eE.\\ntrufalsn";
                bytes[i] = alphabet[rng.random_range(0..alphabet.len())];
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

#[test]
fn the_decoder_never_panics_on_mutated_or_random_bytes() {
    let mut rng = StdRng::seed_from_u64(0x6d6370);
    for round in 0..20_000 {
        let bytes = if round % 5 == 0 {
            (0..rng.random_range(0..64)).map(|_| rng.random()).collect()
        } else {
            mutate(&mut rng, SEEDS[round % SEEDS.len()])
        };
        let _ = Message::decode(&bytes);
    }
}

#[test]
fn the_template_matcher_never_panics() {
    let mut rng = StdRng::seed_from_u64(42);
    let templates = ["weather://forecast/{city}", "file:///{+path}{?v,w}", "x://{a},{b}{/c}{.d}{#e}", "db://{t}/{id}"];
    let alphabet = "abc/?#&=,.%2F%ZZé{}+ ";
    let chars: Vec<char> = alphabet.chars().collect();
    for template in templates {
        let template = UriTemplate::parse(template).unwrap();
        for _ in 0..5_000 {
            let tail: String = (0..rng.random_range(0..24)).map(|_| chars[rng.random_range(0..chars.len())]).collect();
            let _ =
                template.matches(&format!("{}{tail}", &template.as_str()[..template.as_str().find('{').unwrap_or(0)]));
            let _ = template.matches(&tail);
        }
    }
    for _ in 0..5_000 {
        let source: String = (0..rng.random_range(0..24)).map(|_| chars[rng.random_range(0..chars.len())]).collect();
        let _ = UriTemplate::parse(&source).map(|t| t.matches("weather://forecast/x"));
    }
}

/// Adds two integers.
#[tool]
async fn add(a: i64, b: i64) -> String {
    (a + b).to_string()
}

#[tokio::test]
async fn random_arguments_get_errors_not_panics() {
    let server = Server::builder("hostile", "0").tools(tools![add]).build();
    let values = ["1", "-1", "1e400", "9223372036854775808", "\"2\"", "null", "[]", "{}", "true", "1.5"];
    let mut rng = StdRng::seed_from_u64(7);
    for id in 0..2_000 {
        let a = values[rng.random_range(0..values.len())];
        let b = values[rng.random_range(0..values.len())];
        let extra = if rng.random_bool(0.2) { r#","c":1"# } else { "" };
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"add","arguments":{{"a":{a},"b":{b}{extra}}}}}}}"#
        );
        let Ok(Message::Request(request)) = Message::decode(body.as_bytes()) else { continue };
        let result = server.handle_request(request, RequestEnv::default()).await.expect("a tool result");
        let value: serde_json::Value = serde_json::from_str(result.get()).unwrap();
        let ok = a == "1" || a == "-1";
        let ok = ok && (b == "1" || b == "-1") && extra.is_empty();
        assert_eq!(value.get("isError").is_none(), ok, "{body} -> {value}");
    }
}
