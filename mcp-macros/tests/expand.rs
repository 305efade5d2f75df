//! What the attributes generate, checked through a real `Server`: schemas,
//! descriptions, argument decoding and errors, extractors, resources and
//! prompts.
#![warn(clippy::pedantic)]
#![allow(clippy::unused_async, clippy::needless_pass_by_value)]

use quickmcp::peer::RequestEnv;
use quickmcp::prelude::*;
use quickmcp::protocol::jsonrpc::{Request, RequestId, RpcError};
use quickmcp::serde_json::value::RawValue;
use quickmcp::serde_json::{self, Value, json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

type Ctx = quickmcp::Context;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Units {
    Metric,
    Imperial,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Location {
    city: String,
    country: Option<String>,
}

#[derive(Debug, PartialEq, Serialize, JsonSchema)]
struct Weather {
    city: String,
    celsius: f64,
    units: Units,
}

#[derive(Clone)]
struct Db {
    name: &'static str,
}

/// Current weather for a city.
///
/// Deterministic demo data.
#[tool(title = "Weather", annotations(read_only, open_world = false), icons("https://example.com/w.png"))]
async fn get_weather(
    /// City name, e.g. "Paris".
    city: String,
    /// Unit system for temperatures.
    units: Option<Units>,
) -> Result<Json<Weather>, ToolError> {
    if city.is_empty() {
        return Err(ToolError::new("city must not be empty"));
    }
    Ok(Json(Weather { city, celsius: 21.5, units: units.unwrap_or(Units::Metric) }))
}

/// Takes nothing.
#[tool]
async fn health_check() -> &'static str {
    "ok"
}

#[tool(name = "add-numbers", description = "Adds two integers.", scopes("math:write"))]
fn add(a: i64, #[arg(default = 10)] b: i64) -> String {
    (a + b).to_string()
}

#[tool]
async fn locate(
    #[arg(rename = "where", description = "Where to look.")] location: Location,
    tags: Vec<String>,
    units: Units,
) -> String {
    format!("{}/{}/{}/{units:?}", location.city, location.country.unwrap_or_default(), tags.join("+"))
}

#[tool]
async fn session_info(ctx: Ctx, full: quickmcp::Context, State(db): State<Db>, #[ctx] again: State<Db>) -> String {
    format!("{}:{}:{}:{}", ctx.session_id().is_none(), full.session_id().is_none(), db.name, again.0.name)
}

#[tool]
async fn nothing() {}

#[tool]
async fn regional(#[arg(header = "Region")] region: String, #[arg(default = 1)] count: u8) -> String {
    format!("{region}:{count}")
}

/// Five-day forecast.
#[resource("weather://forecast/{city}/{days}", mime = "application/json", complete(city = suggest_cities))]
async fn forecast(city: String, days: u32, State(db): State<Db>) -> Result<Json<Vec<String>>, ResourceError> {
    Ok(Json((0..days).map(|d| format!("{city}:{d}:{}", db.name)).collect()))
}

async fn suggest_cities(prefix: String) -> Vec<String> {
    ["Paris", "Prague", "Lima"].iter().filter(|c| c.starts_with(&prefix)).map(|c| (*c).to_owned()).collect()
}

/// The README.
#[resource("docs://readme", name = "readme", size = 5, annotations(audience("user"), priority = 0.5))]
fn readme() -> &'static str {
    "hello"
}

#[resource("search://{q}{?limit}")]
async fn search(q: String, limit: Option<u8>) -> String {
    format!("{q}:{limit:?}")
}

/// Reviews code.
#[prompt(title = "Code review", complete(style = suggest_styles))]
async fn review(
    /// The code to review.
    code: String,
    style: Option<String>,
    #[arg(default = String::from("en"))] language: String,
    _ctx: Ctx,
) -> String {
    format!("review {code} in {} style ({language})", style.as_deref().unwrap_or("plain"))
}

/// Summarises a note, by number.
#[prompt]
async fn summarize(
    id: u64,
    words: Option<u16>,
    State(db): State<Db>,
) -> Result<String, quickmcp::handler::PromptError> {
    match id {
        0 => Err(quickmcp::handler::PromptError::not_found(format!("note {id}"))),
        1 => Err(quickmcp::protocol::jsonrpc::RpcError::new(-32042, "ask the user first").into()),
        2 => Err("the notes are locked".into()),
        _ => Ok(format!("Summarise note {id} of {} in {} words.", db.name, words.unwrap_or(50))),
    }
}

mod nested {
    use quickmcp::{resource, tool};

    /// Echoes `type`, a keyword.
    #[tool]
    pub fn echo(#[arg] r#type: String, #[ctx] _ctx: super::Ctx) -> String {
        r#type
    }

    /// A template variable that is not a Rust identifier.
    #[resource("files://{dir.name}")]
    pub fn directory(#[arg(rename = "dir.name")] dir: String) -> String {
        dir
    }
}

async fn suggest_styles(_prefix: String) -> Vec<&'static str> {
    vec!["strict", "friendly"]
}

fn server() -> Server {
    Server::builder("test", "0.0.0")
        .tools(tools![get_weather, health_check, add, locate, session_info, nothing, regional])
        .resources(resources![forecast, readme, search])
        .prompts(prompts![review, summarize])
        .state(Db { name: "main" })
        .build()
}

async fn request(server: &Server, method: &str, params: Value) -> Result<Value, RpcError> {
    let params = RawValue::from_string(params.to_string()).unwrap();
    let request = Request { id: RequestId::Number(1), method: method.into(), params: Some(params) };
    let raw = server.handle_request(request, RequestEnv::default()).await?;
    Ok(serde_json::from_str(raw.get()).unwrap())
}

async fn call(name: &str, arguments: Value) -> Value {
    request(&server(), "tools/call", json!({ "name": name, "arguments": arguments })).await.unwrap()
}

fn tool_json(name: &str) -> Value {
    let defs = tools![get_weather, health_check, add, locate, session_info, nothing, regional];
    let def = defs.into_iter().find(|d| d.tool.name == name).unwrap();
    serde_json::to_value(&def.tool).unwrap()
}

#[test]
fn doc_comments_describe_the_tool_and_its_arguments() {
    let tool = tool_json("get_weather");
    assert_eq!(tool["description"], "Current weather for a city.\n\nDeterministic demo data.");
    assert_eq!(tool["title"], "Weather");
    assert_eq!(tool["annotations"], json!({ "readOnlyHint": true, "openWorldHint": false }));
    assert_eq!(tool["icons"], json!([{ "src": "https://example.com/w.png" }]));
    let schema = &tool["inputSchema"];
    assert_eq!(schema["properties"]["city"]["description"], "City name, e.g. \"Paris\".");
    assert_eq!(schema["properties"]["units"]["description"], "Unit system for temperatures.");
}

#[test]
fn optional_arguments_are_not_required_and_never_null() {
    let schema = &tool_json("get_weather")["inputSchema"];
    assert_eq!(schema["required"], json!(["city"]));
    assert_eq!(schema["additionalProperties"], false);
    assert!(!schema["properties"]["units"].to_string().contains("null"), "{schema}");
}

#[test]
fn zero_arguments_is_an_empty_object() {
    let tool = tool_json("health_check");
    assert_eq!(tool["inputSchema"], json!({ "type": "object", "properties": {}, "additionalProperties": false }));
    assert_eq!(tool["description"], "Takes nothing.");
    assert!(tool.get("outputSchema").is_none());
}

#[test]
fn names_descriptions_defaults_and_scopes_from_options() {
    let defs = tools![add];
    assert_eq!(defs[0].scopes, ["math:write"]);
    let tool = tool_json("add-numbers");
    assert_eq!(tool["description"], "Adds two integers.");
    assert_eq!(tool["inputSchema"]["required"], json!(["a"]));
    assert_eq!(tool["inputSchema"]["properties"]["b"]["default"], 10);
}

#[test]
fn renamed_nested_enum_and_vec_arguments() {
    let schema = &tool_json("locate")["inputSchema"];
    assert_eq!(schema["required"], json!(["where", "tags", "units"]));
    assert_eq!(schema["properties"]["where"]["description"], "Where to look.");
    assert_eq!(schema["properties"]["tags"]["type"], "array");
    assert!(schema["$defs"]["Location"].is_object(), "{schema}");
    assert!(schema["$defs"]["Units"].is_object(), "{schema}");
    assert!(schema["properties"].get("location").is_none());
}

#[test]
fn header_arguments_are_marked_in_the_schema() {
    let defs = tools![regional];
    assert_eq!(defs[0].header_params().collect::<Vec<_>>(), [("region", "Region")]);
    let schema = &tool_json("regional")["inputSchema"];
    assert_eq!(schema["properties"]["region"]["x-mcp-header"], "Region");
    assert!(schema["properties"]["count"].get("x-mcp-header").is_none());
}

#[test]
fn extractors_stay_out_of_the_schema() {
    let schema = &tool_json("session_info")["inputSchema"];
    assert_eq!(schema["properties"], json!({}));
}

#[test]
fn json_results_have_an_output_schema() {
    let tool = tool_json("get_weather");
    assert_eq!(tool["outputSchema"]["type"], "object");
    assert!(tool["outputSchema"]["properties"]["celsius"].is_object());
}

#[tokio::test]
async fn calls_decode_arguments_and_convert_results() {
    let result = call("get_weather", json!({ "city": "Paris", "units": "imperial" })).await;
    assert_eq!(result["structuredContent"], json!({ "city": "Paris", "celsius": 21.5, "units": "imperial" }));
    let result = call("get_weather", json!({ "city": "" })).await;
    assert_eq!(result["isError"], true);
    assert_eq!(result["content"][0]["text"], "city must not be empty");
    let result = call("add-numbers", json!({ "a": 1 })).await;
    assert_eq!(result["content"][0]["text"], "11");
    let result = call("add-numbers", json!({ "a": 1, "b": 2 })).await;
    assert_eq!(result["content"][0]["text"], "3");
    let result = call("locate", json!({ "where": { "city": "Lima" }, "tags": ["a", "b"], "units": "metric" })).await;
    assert_eq!(result["content"][0]["text"], "Lima//a+b/Metric");
    let result = call("health_check", Value::Null).await;
    assert_eq!(result["content"][0]["text"], "ok");
    let result = call("nothing", json!({})).await;
    assert_eq!(result, json!({ "content": [] }));
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_naming_the_argument() {
    let missing = call("get_weather", json!({})).await;
    assert_eq!(missing["isError"], true);
    assert_eq!(missing["content"][0]["text"], "missing required argument `city`");
    let invalid = call("get_weather", json!({ "city": "Paris", "units": "kelvin" })).await;
    assert!(invalid["content"][0]["text"].as_str().unwrap().starts_with("invalid value for argument `units`"));
    let unknown = call("get_weather", json!({ "city": "Paris", "extra": 1 })).await;
    assert_eq!(unknown["content"][0]["text"], "unknown argument `extra`");
    let old_name = call("locate", json!({ "location": {}, "tags": [], "units": "metric" })).await;
    assert_eq!(old_name["content"][0]["text"], "unknown argument `location`");
    let not_object = call("health_check", json!([1])).await;
    assert_eq!(not_object["content"][0]["text"], "arguments must be a JSON object");
}

#[tokio::test]
async fn extractors_by_alias_full_path_pattern_and_marker() {
    let result = call("session_info", json!({})).await;
    assert_eq!(result["content"][0]["text"], "true:true:main:main");
    let refused = Server::builder("t", "0").tools(tools![session_info]).try_build().unwrap_err();
    assert_eq!(refused.missing_state, vec!["tool `session_info` needs `State<expand::Db>`"], "named once");
    // Added after the build, the tool's calls are a server error.
    let without_state = Server::builder("t", "0").build();
    without_state.add_tool(<session_info as quickmcp::__private::ToolFactory>::definition());
    let params = json!({ "name": "session_info" });
    let error = request(&without_state, "tools/call", params).await.unwrap_err();
    assert_eq!(error.code, -32603);
    assert!(error.message.contains("no state of type"), "{error:?}");
}

#[tokio::test]
async fn raw_identifiers_paths_and_renamed_variables() {
    let server = Server::builder("t", "0").tools(tools![nested::echo]).resources(resources![nested::directory]).build();
    let result = request(&server, "tools/call", json!({ "name": "echo", "arguments": { "type": "x" } })).await;
    assert_eq!(result.unwrap()["content"][0]["text"], "x");
    let result = request(&server, "resources/read", json!({ "uri": "files://docs" })).await;
    assert_eq!(result.unwrap()["contents"][0]["text"], "docs");
}

#[tokio::test]
async fn functions_stay_callable() {
    assert_eq!(add(2, 3), "5");
    assert_eq!(health_check().await, "ok");
    assert!(get_weather(String::new(), None).await.is_err());
    assert_eq!(search("x".into(), Some(3)).await, "x:Some(3)");
}

#[tokio::test]
async fn resource_templates_bind_variables_to_parameters() {
    let server = server();
    let result = request(&server, "resources/read", json!({ "uri": "weather://forecast/Paris/2" })).await.unwrap();
    let contents = &result["contents"][0];
    assert_eq!(contents["mimeType"], "application/json");
    assert_eq!(contents["text"], r#"["Paris:0:main","Paris:1:main"]"#);
    let error = request(&server, "resources/read", json!({ "uri": "weather://forecast/Paris/abc" })).await.unwrap_err();
    assert_eq!(error.code, quickmcp::protocol::jsonrpc::code::INVALID_PARAMS);
    assert!(error.message.contains("`days`"), "{error:?}");
    let result = request(&server, "resources/read", json!({ "uri": "search://rust?limit=5" })).await.unwrap();
    assert_eq!(result["contents"][0]["text"], "rust:Some(5)");
    let result = request(&server, "resources/read", json!({ "uri": "search://rust" })).await.unwrap();
    assert_eq!(result["contents"][0]["text"], "rust:None");
}

#[tokio::test]
async fn resources_are_listed_with_their_options() {
    let server = server();
    let list = request(&server, "resources/list", json!({})).await.unwrap();
    assert_eq!(
        list["resources"][0],
        json!({
            "uri": "docs://readme", "name": "readme", "description": "The README.", "size": 5,
            "annotations": { "audience": ["user"], "priority": 0.5 },
        })
    );
    let templates = request(&server, "resources/templates/list", json!({})).await.unwrap();
    assert_eq!(
        templates["resourceTemplates"][0],
        json!({
            "uriTemplate": "weather://forecast/{city}/{days}", "name": "forecast",
            "description": "Five-day forecast.", "mimeType": "application/json",
        })
    );
    let read = request(&server, "resources/read", json!({ "uri": "docs://readme" })).await.unwrap();
    assert_eq!(read["contents"][0], json!({ "uri": "docs://readme", "mimeType": "text/plain", "text": "hello" }));
}

#[tokio::test]
async fn completions_are_registered() {
    let server = server();
    let params = json!({
        "ref": { "type": "ref/resource", "uri": "weather://forecast/{city}/{days}" },
        "argument": { "name": "city", "value": "P" },
    });
    let result = request(&server, "completion/complete", params).await.unwrap();
    assert_eq!(result["completion"]["values"], json!(["Paris", "Prague"]));
    let params =
        json!({ "ref": { "type": "ref/prompt", "name": "review" }, "argument": { "name": "style", "value": "" } });
    let result = request(&server, "completion/complete", params).await.unwrap();
    assert_eq!(result["completion"]["values"], json!(["strict", "friendly"]));
}

#[tokio::test]
async fn prompt_arguments_are_parsed_from_text_and_errors_keep_their_code() {
    let server = server();
    let get =
        |arguments: Value| request(&server, "prompts/get", json!({ "name": "summarize", "arguments": arguments }));
    let result = get(json!({ "id": "3", "words": "20" })).await.unwrap();
    assert_eq!(result["messages"][0]["content"]["text"], "Summarise note 3 of main in 20 words.");
    let invalid = get(json!({ "id": "three" })).await.unwrap_err();
    assert_eq!(invalid.code, -32602);
    assert!(invalid.message.contains("invalid value \"three\" for `id`"), "{invalid:?}");
    let not_found = get(json!({ "id": "0" })).await.unwrap_err();
    assert_eq!((not_found.code, not_found.message.as_str()), (-32602, "Not found: note 0"));
    assert_eq!(get(json!({ "id": "1" })).await.unwrap_err().code, -32042, "a returned RpcError keeps its code");
    assert_eq!(get(json!({ "id": "2" })).await.unwrap_err().code, -32603);
    let list = request(&server, "prompts/list", json!({})).await.unwrap();
    let arguments = &list["prompts"][1]["arguments"];
    assert_eq!(arguments, &json!([{ "name": "id", "required": true }, { "name": "words", "required": false }]));
}

#[tokio::test]
async fn prompts_have_required_and_optional_arguments() {
    let server = server();
    let list = request(&server, "prompts/list", json!({})).await.unwrap();
    assert_eq!(
        list["prompts"][0],
        json!({
            "name": "review", "title": "Code review", "description": "Reviews code.",
            "arguments": [
                { "name": "code", "description": "The code to review.", "required": true },
                { "name": "style", "required": false },
                { "name": "language", "required": false },
            ],
        })
    );
    let params = json!({ "name": "review", "arguments": { "code": "fn main() {}", "style": "strict" } });
    let result = request(&server, "prompts/get", params).await.unwrap();
    assert_eq!(result["messages"][0]["content"]["text"], "review fn main() {} in strict style (en)");
    let missing = request(&server, "prompts/get", json!({ "name": "review", "arguments": {} })).await.unwrap_err();
    assert_eq!(missing.code, quickmcp::protocol::jsonrpc::code::INVALID_PARAMS);
    assert!(missing.message.contains("missing required argument `code`"), "{missing:?}");
    let params = json!({ "name": "review", "arguments": { "code": "x", "tone": "y" } });
    let unknown = request(&server, "prompts/get", params).await.unwrap_err();
    assert!(unknown.message.contains("unknown argument `tone`"), "{unknown:?}");
}
