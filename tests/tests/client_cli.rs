//! The `mcp` command-line tool (mcp-client's binary), run as a process
//! against the weather example on a real socket in both eras, against the
//! auth example with a token, and against a stdio server it starts; and
//! what it says when something goes wrong.

use mcp_examples::{auth, weather};
use mcp_integration_tests::spawn;
use serde_json::Value;
use std::process::{Command, Output, Stdio};

use mcp_integration_tests::mcp_command as mcp;

/// Runs `mcp ARGS` off the async threads (the servers run on them).
async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("mcp runs")).await.unwrap()
}

async fn mcp_with(args: &[&str]) -> Output {
    let mut command = mcp();
    command.args(args);
    run(command).await
}

fn stdout_json(output: &Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {text}\nstderr: {}", stderr(output)))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_ok(output: &Output) {
    assert!(output.status.success(), "mcp failed ({}): {}", output.status, stderr(output));
}

async fn weather_url() -> String {
    format!("{}/mcp", spawn(weather::app(quickmcp_axum::McpConfig::default())).await)
}

#[tokio::test]
async fn call_list_read_prompt_ping_and_info_in_both_eras() {
    let url = weather_url().await;
    for (era, revision) in [("stateless", "2026-07-28"), ("session", "2025-11-25")] {
        let info = mcp_with(&["info", &url, "--era", era]).await;
        assert_ok(&info);
        let info = stdout_json(&info);
        assert_eq!((info["era"].as_str(), info["protocolVersion"].as_str()), (Some(era), Some(revision)), "{info}");

        let call = mcp_with(&["call", &url, "get_weather", r#"{"city":"Paris"}"#, "--era", era]).await;
        assert_ok(&call);
        assert_eq!(stdout_json(&call)["structuredContent"]["city"], "Paris");

        let tools = mcp_with(&["list", &url, "--era", era]).await;
        assert_ok(&tools);
        let names: Vec<Value> = stdout_json(&tools).as_array().unwrap().iter().map(|t| t["name"].clone()).collect();
        assert!(names.contains(&"get_weather".into()), "{names:?}");
        for (kind, key, expected) in [
            ("resources", "uri", "weather://cities"),
            ("templates", "uriTemplate", "weather://forecast/{city}"),
            ("prompts", "name", "plan_trip"),
        ] {
            let listed = mcp_with(&["list", kind, &url, "--era", era]).await;
            assert_ok(&listed);
            let listed = stdout_json(&listed);
            assert!(listed.as_array().unwrap().iter().any(|item| item[key] == expected), "{kind}: {listed}");
        }

        let read = mcp_with(&["read", &url, "weather://forecast/Paris", "--era", era]).await;
        assert_ok(&read);
        assert_eq!(stdout_json(&read)["contents"][0]["uri"], "weather://forecast/Paris");

        let prompt = mcp_with(&["prompt", &url, "plan_trip", r#"{"city":"Oslo"}"#, "--era", era]).await;
        assert_ok(&prompt);
        let text = stdout_json(&prompt)["messages"][0]["content"]["text"].as_str().unwrap_or_default().to_owned();
        assert!(text.contains("Oslo"), "{text}");

        let ping = mcp_with(&["ping", &url, "--era", era]).await;
        assert_ok(&ping);
        assert_eq!(stdout_json(&ping), serde_json::json!({}));
    }
}

#[tokio::test]
async fn arguments_come_from_standard_input_and_logs_go_to_standard_error() {
    let url = weather_url().await;
    let mut command = mcp();
    command.args(["call", &url, "analyze_text", "-", "--log-level", "debug"]).stdin(Stdio::piped());
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), br#"{"text": "One. Two three."}"#).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_ok(&output);
    assert_eq!(stdout_json(&output)["structuredContent"]["words"], 3);
    assert!(stderr(&output).contains("[debug] analysing text"), "{}", stderr(&output));
}

#[tokio::test]
async fn a_stdio_server_after_the_double_dash() {
    let server = env!("CARGO_BIN_EXE_stdio_fixture_server");
    for era in ["stateless", "session"] {
        let call = mcp_with(&["call", "add", r#"{"a":2,"b":3}"#, "--era", era, "--", server]).await;
        assert_ok(&call);
        assert_eq!(stdout_json(&call)["content"][0]["text"], "5");
    }
    let read = mcp_with(&["list", "resources", "--", server]).await;
    assert_ok(&read);
    assert_eq!(stdout_json(&read).as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_bearer_token_from_the_option_or_the_environment() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = quickmcp_axum::McpConfig { port: listener.local_addr().unwrap().port(), ..Default::default() };
    let base = format!("http://127.0.0.1:{}", config.port);
    let app = auth::app(config).unwrap();
    tokio::spawn(async move { quickmcp_axum::serve(listener, app).await });
    let url = format!("{base}/mcp");
    let issued: Value = reqwest::get(format!("{base}/dev-issuer/token?sub=alice&scope=weather:read"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = issued["access_token"].as_str().unwrap();

    let refused = mcp_with(&["call", &url, "whoami"]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("Unauthorized: a bearer token is required"), "{}", stderr(&refused));

    let given = mcp_with(&["call", &url, "whoami", "--token", token]).await;
    assert_ok(&given);
    assert_eq!(stdout_json(&given)["content"][0]["text"], "alice (scopes: weather:read)");

    let mut from_environment = mcp();
    from_environment.args(["call", &url, "whoami", "--era", "session"]).env("MCP_TOKEN", token);
    let from_environment = run(from_environment).await;
    assert_ok(&from_environment);
    assert_eq!(stdout_json(&from_environment)["content"][0]["text"], "alice (scopes: weather:read)");
}

#[tokio::test]
async fn failures_say_what_happened_with_their_exit_status() {
    let url = weather_url().await;
    // The tool ran and failed: its result on stdout, status 1.
    let failed = mcp_with(&["call", &url, "get_weather", r#"{"city":"Atlantis"}"#]).await;
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(stdout_json(&failed)["isError"], true);
    assert!(stderr(&failed).contains("the tool reported an error"), "{}", stderr(&failed));
    // The server refused the request.
    let unknown = mcp_with(&["call", &url, "no_such_tool"]).await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("Unknown tool: no_such_tool"), "{}", stderr(&unknown));
    // Nobody listens.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/mcp", listener.local_addr().unwrap())
    };
    let refused = mcp_with(&["ping", &closed]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("Connection refused"), "{}", stderr(&refused));
    // A command line that makes no sense: status 2, and nothing is started.
    let usage = mcp_with(&["call", &url, "get_weather", "{city: Paris}"]).await;
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).starts_with("mcp: the arguments are not JSON"), "{}", stderr(&usage));
    let help = mcp_with(&["--help"]).await;
    assert_ok(&help);
    assert!(String::from_utf8_lossy(&help.stdout).contains("mcp list -- ./target/debug/examples/weather --stdio"));
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_on_in_time() {
    // Accepts connections, reads, never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut command = mcp();
    command.args(["ping", &url, "--timeout", "1"]);
    let started = std::time::Instant::now();
    let silent = run(command).await;
    assert_eq!(silent.status.code(), Some(1));
    assert!(stderr(&silent).contains("no answer within 1 s"), "{}", stderr(&silent));
    // Far below the 60 s default: the option, not the default, ended it.
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "{:?}", started.elapsed());
}
