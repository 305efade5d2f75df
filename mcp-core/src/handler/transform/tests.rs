use super::*;
use crate::context::Scope;
use crate::protocol::{Content, Tool};
use crate::server::Server;
use serde_json::json;

/// A tool whose result is the JSON text of the arguments it received.
fn echo() -> ToolDef {
    let tool = Tool {
        name: "get_weather".into(),
        title: None,
        description: Some("Current weather".into()),
        input_schema: json!({
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city", "x-mcp-header": "City"},
                "units": {"type": "string"},
                "days": {"type": "integer"},
                "query": {"$ref": "#/$defs/Query"},
            },
            "required": ["city", "units", "query"],
            "additionalProperties": false,
            "$defs": {"Query": {"type": "string"}},
        }),
        output_schema: Some(json!({"type": "object"})),
        annotations: None,
        icons: None,
        meta: None,
    };
    let mut def = ToolDef::new(tool, |_ctx, raw| async move {
        let text = raw.map_or_else(|| "none".to_owned(), |raw| raw.get().to_owned());
        CallToolResult::success(vec![Content::text(text)])
    });
    def.scopes = vec!["weather:read".into()];
    def.tags = vec!["weather".into()];
    def
}

fn context() -> Context {
    Context::new(Scope {
        server: Server::builder("t", "0").build(),
        session: None,
        stateless: None,
        request_id: None,
        progress_token: None,
        sink: None,
        cancel: None,
        extensions: http::Extensions::new(),
        task: None,
        gate: None,
    })
}

/// Calls `def` with `arguments`: what the original received, or the error.
async fn call(def: &ToolDef, arguments: Value) -> Result<Value, RpcError> {
    let raw = serde_json::value::to_raw_value(&arguments).unwrap();
    let result = (def.handler)(context(), Some(raw)).await?;
    Ok(serde_json::from_str(&result.text()).unwrap_or(Value::Null))
}

fn weather() -> ToolTransform {
    ToolTransform::new()
        .rename("weather")
        .title("Weather")
        .describe("The weather where the user is")
        .argument("city", ArgTransform::new().rename("location").describe("Where").default(json!("Paris")))
        .hide_argument("units", json!("metric"))
        .argument("days", ArgTransform::new().describe("How many days ahead"))
        .tags(["public", "weather"])
        .meta("vendor", json!("acme"))
}

#[test]
fn the_schema_is_rewritten_and_the_rest_kept() {
    let original = echo();
    let def = weather().apply(&original).unwrap();
    assert_eq!(def.tool.name, "weather");
    assert_eq!(def.tool.title.as_deref(), Some("Weather"));
    assert_eq!(def.tool.description.as_deref(), Some("The weather where the user is"));
    assert_eq!(
        def.tool.input_schema,
        json!({
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "Where", "x-mcp-header": "City", "default": "Paris"},
                "days": {"type": "integer", "description": "How many days ahead"},
                "query": {"$ref": "#/$defs/Query"},
            },
            "required": ["query"],
            "additionalProperties": false,
            "$defs": {"Query": {"type": "string"}},
        })
    );
    assert_eq!(def.header_params().collect::<Vec<_>>(), [("location", "City")]);
    assert_eq!(def.tags, ["weather", "public"]);
    assert_eq!(def.tool.meta, Some(json!({"tags": ["weather", "public"], "vendor": "acme"})));
    assert_eq!(
        (def.scopes, def.task, def.tool.output_schema),
        (original.scopes.clone(), original.task, original.tool.output_schema.clone())
    );
    assert_eq!(original.tool.name, "get_weather", "the original is untouched");
    assert!(original.tool.input_schema["properties"]["units"].is_object());
}

#[tokio::test]
async fn calls_are_mapped_back_to_the_original_names() {
    let def = weather().apply(&echo()).unwrap();
    let got = call(&def, json!({"location": "Oslo", "query": "q", "days": 2})).await.unwrap();
    assert_eq!(got, json!({"city": "Oslo", "units": "metric", "query": "q", "days": 2}));
    let got = call(&def, json!({"query": "q"})).await.unwrap();
    assert_eq!(got, json!({"city": "Paris", "units": "metric", "query": "q"}), "default and fixed value");
    let got = (def.handler)(context(), None).await.unwrap();
    assert_eq!(serde_json::from_str::<Value>(&got.text()).unwrap(), json!({"city": "Paris", "units": "metric"}));
    let got = call(&def, json!({"query": "q", "surprise": 1})).await.unwrap();
    assert_eq!(got["surprise"], 1, "other names pass through, for the original to judge");
}

#[tokio::test]
async fn hidden_and_renamed_away_names_are_invalid_params() {
    let def = weather().apply(&echo()).unwrap();
    let error = call(&def, json!({"location": "Oslo", "units": "kelvin"})).await.unwrap_err();
    assert_eq!(error.code, crate::protocol::jsonrpc::code::INVALID_PARAMS);
    assert_eq!(error.message, "Invalid params: unknown argument `units` of tool `weather`");
    let error = call(&def, json!({"city": "Oslo"})).await.unwrap_err();
    assert_eq!(error.message, "Invalid params: unknown argument `city` of tool `weather` (it is now `location`)");
    let error = call(&def, json!([1])).await.unwrap_err();
    assert_eq!(error.code, crate::protocol::jsonrpc::code::INVALID_PARAMS);
}

#[tokio::test]
async fn swapped_names_and_a_hidden_name_reused_map_as_declared() {
    let swap = ToolTransform::new()
        .argument("city", ArgTransform::new().rename("units"))
        .argument("units", ArgTransform::new().rename("city"));
    let def = swap.apply(&echo()).unwrap();
    let got = call(&def, json!({"units": "Oslo", "city": "metric"})).await.unwrap();
    assert_eq!(got, json!({"city": "Oslo", "units": "metric"}));
    let reuse = ToolTransform::new()
        .hide_argument("units", json!("metric"))
        .argument("days", ArgTransform::new().rename("units"));
    let def = reuse.apply(&echo()).unwrap();
    let got = call(&def, json!({"city": "Oslo", "units": 3})).await.unwrap();
    assert_eq!(got, json!({"city": "Oslo", "days": 3, "units": "metric"}));
}

#[tokio::test]
async fn a_wrapper_sees_the_new_names_and_calls_the_original() {
    let wrapped = weather().wrap(|ctx, arguments, original| async move {
        if arguments["location"] == "Atlantis" {
            return Ok(CallToolResult::error("no weather under the sea"));
        }
        let seen = Value::Object(arguments.clone()).to_string();
        let mut result = original.call(ctx, arguments).await?;
        result.content.push(Content::text(seen));
        Ok(result)
    });
    let def = wrapped.apply(&echo()).unwrap();
    let result =
        (def.handler)(context(), Some(serde_json::value::to_raw_value(&json!({"query": "q"})).unwrap())).await.unwrap();
    let texts: Vec<Value> = result
        .content
        .iter()
        .map(|c| match c {
            Content::Text(text) => serde_json::from_str(&text.text).unwrap(),
            _ => Value::Null,
        })
        .collect();
    assert_eq!(texts[0], json!({"city": "Paris", "units": "metric", "query": "q"}), "the original's arguments");
    assert_eq!(texts[1], json!({"location": "Paris", "query": "q"}), "the wrapper's: new names, defaults in");
    let refused = call(&def, json!({"location": "Atlantis"})).await.unwrap();
    assert_eq!(refused, Value::Null);
    let error = call(&def, json!({"units": "x"})).await.unwrap_err();
    assert!(error.message.contains("`units`"), "refused before the wrapper runs");
}

#[tokio::test]
async fn a_transform_without_argument_changes_keeps_the_handler() {
    let original = echo();
    let def = ToolTransform::new().describe("d").apply(&original).unwrap();
    assert!(Arc::ptr_eq(&def.handler, &original.handler));
    let got = call(&def, json!({"city": "Oslo", "units": "x"})).await.unwrap();
    assert_eq!(got, json!({"city": "Oslo", "units": "x"}));
}

#[test]
fn each_mistake_is_an_error_naming_the_tool_and_the_argument() {
    let apply = |t: ToolTransform| t.apply(&echo()).unwrap_err();
    let error = apply(ToolTransform::new().argument("town", ArgTransform::new().rename("x")));
    assert_eq!(error, TransformError::UnknownArgument { tool: "get_weather".into(), argument: "town".into() });
    assert_eq!(error.to_string(), "cannot transform tool `get_weather`: it has no argument `town`");
    let error = apply(
        ToolTransform::new()
            .argument("city", ArgTransform::new().rename("place"))
            .argument("units", ArgTransform::new().rename("place")),
    );
    assert!(matches!(&error, TransformError::SameName { name, .. } if name == "place"), "{error}");
    assert!(error.to_string().contains("arguments `city` and `units` would both be named `place`"), "{error}");
    let error = apply(ToolTransform::new().argument("city", ArgTransform::new().rename("days")));
    assert_eq!(
        error,
        TransformError::NameTaken { tool: "get_weather".into(), argument: "city".into(), name: "days".into() }
    );
    let error = apply(ToolTransform::new().argument("units", ArgTransform::new().hide()));
    assert_eq!(error, TransformError::HiddenRequired { tool: "get_weather".into(), argument: "units".into() });
    assert!(error.to_string().contains("argument `units` is required"), "{error}");
    assert!(ToolTransform::new().argument("days", ArgTransform::new().hide()).apply(&echo()).is_ok(), "optional");
    let error = apply(ToolTransform::new().argument("city", ArgTransform::new().rename("")));
    assert!(matches!(error, TransformError::InvalidArgumentName { .. }));
    for name in ["", "a b", "ü", &"x".repeat(129)] {
        let error = apply(ToolTransform::new().rename(name));
        assert!(matches!(error, TransformError::InvalidToolName { .. }), "{name}");
    }
    assert!(ToolTransform::new().rename("a.b-c_D9").apply(&echo()).is_ok());
}

#[tokio::test]
async fn hiding_an_optional_argument_without_a_value_sends_nothing() {
    let def = ToolTransform::new().argument("days", ArgTransform::new().hide()).apply(&echo()).unwrap();
    assert!(def.tool.input_schema["properties"].get("days").is_none());
    let got = call(&def, json!({"city": "Oslo"})).await.unwrap();
    assert_eq!(got, json!({"city": "Oslo"}));
    assert!(call(&def, json!({"days": 1})).await.is_err());
}

#[test]
fn transforms_compose_and_a_later_argument_transform_replaces_an_earlier_one() {
    let first = ToolTransform::new().rename("weather").argument("city", ArgTransform::new().rename("place"));
    let second = ToolTransform::new().argument("place", ArgTransform::new().rename("where"));
    let def = second.apply(&first.apply(&echo()).unwrap()).unwrap();
    assert!(def.tool.input_schema["properties"]["where"].is_object());
    assert_eq!(def.tool.input_schema["required"], json!(["where", "units", "query"]));
    let replaced = ToolTransform::new()
        .argument("city", ArgTransform::new().rename("a"))
        .argument("city", ArgTransform::new().rename("b"));
    let def = replaced.apply(&echo()).unwrap();
    assert!(
        def.tool.input_schema["properties"].get("a").is_none() && def.tool.input_schema["properties"]["b"].is_object()
    );
}
