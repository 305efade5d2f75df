//! OpenAPI → tools, end to end over real HTTP: the Petstore (3.0, called in
//! process) and the library (3.1, called over HTTP) as one MCP server, in
//! both protocol eras; every generated schema checked against the JSON
//! Schema 2020-12 meta-schema, and structured results against their
//! output schemas.

use mcp_integration_tests::Era;
use mcp_integration_tests::openapi_apps::{library_app, openapi_server};
use mcp_integration_tests::{EraClient, spawn};
use serde_json::{Value, json};

async fn client(era: Era) -> EraClient {
    let library = spawn(library_app()).await;
    EraClient::start(openapi_server(&library), era).await
}

fn tool<'a>(tools: &'a [Value], name: &str) -> &'a Value {
    tools.iter().find(|t| t["name"] == name).unwrap_or_else(|| panic!("no tool {name}"))
}

/// Checks structured content against the tool's output schema, as clients do.
fn check_output(tools: &[Value], name: &str, result: &Value) {
    let schema = &tool(tools, name)["outputSchema"];
    let validator = jsonschema::draft202012::new(schema).unwrap();
    let structured = &result["structuredContent"];
    assert!(validator.is_valid(structured), "{name}: {structured} does not match {schema}");
}

#[tokio::test]
async fn the_documents_become_tools_with_valid_schemas() {
    let client = client(Era::Session).await;
    let tools = client.request("tools/list", json!({})).await["tools"].as_array().unwrap().clone();
    let mut names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["add_book", "categoryTree", "createPets", "delete_books_id", "listPets", "searchBooks", "showPetById"]
    );
    for tool in &tools {
        for key in ["inputSchema", "outputSchema"] {
            if let Some(schema) = tool.get(key) {
                assert!(jsonschema::draft202012::meta::is_valid(schema), "{} {key}: {schema}", tool["name"]);
            }
        }
    }
    // 3.0: `nullable` became a null type; the body's properties are arguments.
    let create = &tool(&tools, "createPets")["inputSchema"];
    assert_eq!(create["properties"]["tag"]["type"], json!(["string", "null"]));
    assert_eq!(create["required"], json!(["id", "name"]));
    assert_eq!(create["additionalProperties"], false);
    // A non-object response is wrapped under `result`, like `Json<Vec<T>>`.
    let list = &tool(&tools, "listPets");
    assert_eq!(list["outputSchema"]["required"], json!(["result"]));
    assert_eq!(list["outputSchema"]["properties"]["result"]["items"]["required"], json!(["id", "name"]));
    assert_eq!(list["description"], "List all pets");
    assert_eq!(list["annotations"]["readOnlyHint"], true);
    // 3.1: path, query, header and body merged; the body's `authorId`
    // collides with the path's and becomes `body_authorId`; `oneOf` kept.
    let add = &tool(&tools, "add_book")["inputSchema"];
    let mut properties: Vec<&String> = add["properties"].as_object().unwrap().keys().collect();
    properties.sort_unstable();
    assert_eq!(properties, ["X-Request-Id", "authorId", "body_authorId", "format", "notify", "subtitle", "title"]);
    assert_eq!(add["properties"]["authorId"]["type"], "integer");
    assert_eq!(add["properties"]["body_authorId"]["type"], "string");
    assert_eq!(add["properties"]["format"]["oneOf"][1]["properties"]["kind"]["const"], "ebook");
    assert_eq!(add["properties"]["format"]["description"], "Print or ebook.");
    assert_eq!(add["required"], json!(["authorId", "format", "title"]));
    // A recursive type stays a `$ref` into `$defs`.
    let tree = &tool(&tools, "categoryTree")["outputSchema"];
    assert_eq!(tree["properties"]["children"]["items"], json!({"$ref": "#/$defs/Category"}));
    assert!(tree["$defs"]["Category"].is_object());
    assert_eq!(tool(&tools, "delete_books_id")["annotations"]["destructiveHint"], true);
}

async fn petstore_calls(era: Era) {
    let client = client(era).await;
    let tools = client.request("tools/list", json!({})).await["tools"].as_array().unwrap().clone();
    let created = client.call("createPets", json!({"id": 1, "name": "Rex"})).await;
    assert_eq!(created["isError"], Value::Null, "{created}");
    assert_eq!(created["content"][0]["text"], "201 Created");
    client.call("createPets", json!({"id": 2, "name": "Tom", "tag": "cat"})).await;
    let listed = client.call("listPets", json!({"limit": 1})).await;
    assert_eq!(listed["structuredContent"], json!({"result": [{"id": 1, "name": "Rex", "tag": null}]}));
    check_output(&tools, "listPets", &listed);
    let shown = client.call("showPetById", json!({"petId": "2"})).await;
    assert_eq!(shown["structuredContent"], json!({"id": 2, "name": "Tom", "tag": "cat"}));
    check_output(&tools, "showPetById", &shown);
    let missing = client.call("showPetById", json!({"petId": "99"})).await;
    assert_eq!(missing["isError"], true);
    let text = missing["content"][0]["text"].as_str().unwrap();
    assert_eq!(text, r#"GET /pets/{petId} answered 404 Not Found: {"code":404,"message":"no pet 99"}"#);
    let invalid = client.call("createPets", json!({"id": "one"})).await;
    assert_eq!(invalid["isError"], true);
    assert!(invalid["content"][0]["text"].as_str().unwrap().starts_with("invalid arguments: "), "{invalid}");
}

#[tokio::test]
async fn petstore_calls_in_the_session_era() {
    petstore_calls(Era::Session).await;
}

#[tokio::test]
async fn petstore_calls_in_the_stateless_era() {
    petstore_calls(Era::Stateless).await;
}

#[tokio::test]
async fn library_calls_fill_path_query_header_and_body() {
    let client = client(Era::Session).await;
    let tools = client.request("tools/list", json!({})).await["tools"].as_array().unwrap().clone();
    let arguments = json!({"authorId": 7, "body_authorId": "pub-7", "title": "Poems / Vol 1", "notify": true,
        "X-Request-Id": "r1", "format": {"kind": "ebook", "megabytes": 1.5}});
    let added = client.call("add_book", arguments).await;
    let book = json!({"id": 1, "title": "Poems / Vol 1", "authorId": 7, "publisherAuthorId": "pub-7",
        "format": {"kind": "ebook", "megabytes": 1.5}, "subtitle": null, "tags": ["notified", "request:r1"]});
    assert_eq!(added["structuredContent"], book, "{added}");
    check_output(&tools, "add_book", &added);
    // `oneOf`: a format that is neither print nor ebook is refused before any request.
    let wrong = client.call("add_book", json!({"authorId": 7, "title": "x", "format": {"kind": "scroll"}})).await;
    assert_eq!(wrong["isError"], true);
    let refused =
        client.call("add_book", json!({"authorId": 7, "title": "", "format": {"kind": "print", "pages": 3}})).await;
    assert_eq!(refused["isError"], true);
    assert!(refused["content"][0]["text"].as_str().unwrap().contains("422 Unprocessable Entity"), "{refused}");
    // Arrays in the query are exploded (`tags=a&tags=b`).
    let found = client.call("searchBooks", json!({"tags": ["notified", "request:r1"]})).await;
    assert_eq!(found["structuredContent"]["result"][0]["id"], 1, "{found}");
    let none = client.call("searchBooks", json!({"tags": ["notified", "other"]})).await;
    assert_eq!(none["structuredContent"], json!({"result": []}));
    // `GET /books/{id}` is a resource template.
    let templates = client.request("resources/templates/list", json!({})).await;
    assert_eq!(templates["resourceTemplates"][0]["uriTemplate"], "library://books/{id}");
    let read = client.request("resources/read", json!({"uri": "library://books/1"})).await;
    let text: Value = serde_json::from_str(read["contents"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text, book);
    let missing = client.request("resources/read", json!({"uri": "library://books/5"})).await;
    assert_eq!(missing["code"], -32002, "{missing}");
    let deleted = client.call("delete_books_id", json!({"id": 1})).await;
    assert_eq!(deleted["content"][0]["text"], "204 No Content");
    let tree = client.call("categoryTree", json!({})).await;
    assert_eq!(tree["structuredContent"]["children"][0]["children"][0]["name"], "crime");
    check_output(&tools, "categoryTree", &tree);
}
