//! Generated schemas: the shapes `#[tool]` produces for common parameter
//! types, each checked against the JSON Schema 2020-12 meta-schema and
//! against real arguments.

use quickmcp::prelude::*;
use quickmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Units {
    Metric,
    Imperial,
}

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)] // read only through the schema
struct Address {
    street: String,
    city: String,
    zip: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct Summary {
    count: usize,
}

/// Uses every common parameter shape.
#[tool]
async fn everything(
    /// A unit system.
    units: Units,
    /// Optional units.
    maybe_units: Option<Units>,
    /// A nested struct.
    address: Address,
    /// A list of tags.
    tags: Vec<String>,
    /// An optional count.
    count: Option<u32>,
    /// Has a default.
    #[arg(default = 3)]
    days: u8,
    /// Renamed on the wire.
    #[arg(rename = "userName")]
    user_name: String,
) -> Json<Summary> {
    let _ = (units, maybe_units, address, count, days, user_name);
    Json(Summary { count: tags.len() })
}

/// Takes nothing.
#[tool]
async fn nothing() -> Json<Vec<u8>> {
    Json(vec![1, 2])
}

async fn tools_list() -> Vec<Value> {
    let server = Server::builder("schemas", "0").tools(tools![everything, nothing]).build();
    let mut client = quickmcp_axum::TestClient::new(quickmcp_axum::McpRouter::new(server).into_router());
    client.initialize().await;
    client.request("tools/list", json!({})).await["tools"].as_array().unwrap().clone()
}

#[tokio::test]
async fn every_schema_is_valid_json_schema_2020_12() {
    for tool in tools_list().await {
        for key in ["inputSchema", "outputSchema"] {
            let schema = &tool[key];
            assert!(jsonschema::draft202012::meta::is_valid(schema), "{} {key}: {schema}", tool["name"]);
        }
    }
}

#[tokio::test]
async fn shapes_of_common_parameter_types() {
    let tools = tools_list().await;
    let schema = &tools[0]["inputSchema"];
    let props = &schema["properties"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["additionalProperties"], false);
    let mut required: Vec<&str> = schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    required.sort_unstable();
    assert_eq!(required, ["address", "tags", "units", "userName"]);
    assert_eq!(props["tags"]["type"], "array");
    assert_eq!(props["count"]["type"], "integer");
    assert_eq!(props["days"]["default"], 3);
    assert!(props.get("user_name").is_none() && props.get("userName").is_some());
    assert!(!props["maybe_units"].to_string().contains("null"), "{}", props["maybe_units"]);
    assert!(!props["count"].to_string().contains("null"));
    assert!(schema["$defs"]["Address"].is_object() && schema["$defs"]["Units"].is_object());
    assert_eq!(props["units"]["description"], "A unit system.");

    let nothing = &tools[1];
    assert_eq!(nothing["inputSchema"], json!({"type": "object", "properties": {}, "additionalProperties": false}));
    assert_eq!(nothing["outputSchema"]["properties"]["result"]["type"], "array");
}

#[tokio::test]
async fn schemas_accept_what_the_tool_accepts_and_reject_the_rest() {
    let tools = tools_list().await;
    let validator = jsonschema::validator_for(&tools[0]["inputSchema"]).unwrap();
    let good = json!({
        "units": "metric", "address": {"street": "1 Rue", "city": "Paris"},
        "tags": ["a"], "userName": "ann", "maybe_units": "imperial", "count": 2
    });
    assert!(validator.is_valid(&good));
    assert!(
        !validator
            .is_valid(&json!({"units": "kelvin", "address": {"street": "", "city": ""}, "tags": [], "userName": ""}))
    );
    assert!(!validator.is_valid(
        &json!({"units": "metric", "address": {"street": "", "city": ""}, "tags": [], "userName": "", "extra": 1})
    ));

    let server = Server::builder("schemas", "0").tools(tools![everything]).build();
    let mut client = quickmcp_axum::TestClient::new(quickmcp_axum::McpRouter::new(server).into_router());
    client.initialize().await;
    let result = client.call_tool("everything", good).await;
    assert_eq!(result["structuredContent"], json!({"count": 1}));
    let result = client.call_tool("everything", json!({"units": "metric"})).await;
    assert_eq!(result["isError"], true);
}
