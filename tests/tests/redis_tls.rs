//! Sessions in a Redis reached over TLS (`rediss://`) as an ACL user, the
//! way managed Redis is run: a private `redis-server` with a certificate
//! from a CA made here, the default user off. Two replicas serve one
//! session through it; a wrong password or an untrusted certificate is a
//! replica that is not ready (503), never one that hangs. Skipped (said)
//! without `redis-server` or `openssl`.

use mcp_integration_tests::fixtures::{ask_name, record};
use mcp_integration_tests::{HttpClient, read_events, skip_without_service, spawn};
use quickmcp::prelude::*;
use quickmcp::redis::RedisSessions;
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A CA, a server certificate for 127.0.0.1 signed by it, and a
/// `redis-server` serving TLS only with one ACL user, `mcp`.
struct TlsRedis {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl TlsRedis {
    fn start() -> Option<Self> {
        let dir = std::env::temp_dir().join(mcp_integration_tests::unique("mcp-tls-redis"));
        std::fs::create_dir_all(&dir).ok()?;
        let openssl = |args: &[&str]| {
            Command::new("openssl")
                .current_dir(&dir)
                .args(args)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let subject_ca = ["-subj", "/CN=mcp test CA"];
        let made = openssl(
            &[
                &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1"]
                    [..],
                &subject_ca[..],
            ]
            .concat(),
        ) && openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]) && std::fs::write(dir.join("san.cnf"), "subjectAltName=IP:127.0.0.1\n").is_ok()
            && openssl(&[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "1",
                "-extfile",
                "san.cnf",
            ]);
        if !made {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let child = Command::new("redis-server")
            .current_dir(&dir)
            .args([
                "--port",
                "0",
                "--tls-port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args(["--tls-cert-file", "server.pem", "--tls-key-file", "server.key", "--tls-ca-cert-file", "ca.pem"])
            .args(["--tls-auth-clients", "no"])
            .args(["--user", "default", "off", "--user", "mcp", "on", ">s3cret-for-tests", "~*", "&*", "+@all"])
            // A user who may not track keys: no record cache, sessions all the same.
            .args(["--user", "untracked", "on", ">s3cret-for-tests", "~*", "&*", "+@all", "-client|tracking"])
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        Some(Self { child, port, dir })
    }

    fn ca(&self) -> Vec<u8> {
        std::fs::read(self.dir.join("ca.pem")).unwrap()
    }

    fn url(&self, password: &str) -> String {
        self.url_of("mcp", password)
    }

    fn url_of(&self, user: &str, password: &str) -> String {
        format!("rediss://{user}:{password}@127.0.0.1:{}/", self.port)
    }

    async fn wait_ready(&self) {
        mcp_integration_tests::wait_for_port(self.port).await;
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn installed(program: &str, flag: &str) -> bool {
    Command::new(program).arg(flag).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

async fn replica(settings: RedisSessions) -> String {
    let sessions = settings.connect().await.expect("a usable URL");
    let server = Server::builder("replica", "0").tools(tools![record, ask_name]).sessions(sessions).build();
    spawn(quickmcp_axum::McpRouter::new(server).into_router()).await
}

async fn status_of_ready(base: &str) -> u16 {
    reqwest::get(format!("{base}/ready")).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn replicas_share_sessions_through_redis_over_tls_as_an_acl_user() {
    if !installed("openssl", "version") || !installed("redis-server", "--version") {
        return skip_without_service("openssl or redis-server is not installed");
    }
    let Some(redis) = TlsRedis::start() else {
        return skip_without_service("could not make certificates or start redis-server with TLS");
    };
    redis.wait_ready().await;
    let settings = |password: &str| RedisSessions::new(redis.url(password)).tls_root_certificate(redis.ca());
    let (a, b) = (replica(settings("s3cret-for-tests")).await, replica(settings("s3cret-for-tests")).await);
    assert_eq!(status_of_ready(&a).await, 200);

    let mut on_a = HttpClient::new(format!("{a}/mcp"));
    on_a.initialize().await;
    let on_b = HttpClient { url: format!("{b}/mcp"), ..on_a.clone() };
    let record = |client: &HttpClient, id: i64| {
        let client = client.clone();
        async move { client.request(id, "tools/call", json!({"name": "record", "arguments": {"entry": "x"}})).await }
    };
    let text = |messages: Vec<serde_json::Value>| messages.last().unwrap()["result"]["content"][0]["text"].clone();
    assert_eq!(text(record(&on_a, 1).await), "1");
    assert_eq!(text(record(&on_b, 2).await), "2", "written through A, read through B, over TLS");
    let ask =
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "ask_name", "arguments": {}}});
    let events = read_events(on_a.post(&ask).await, Duration::from_secs(10), |message| {
        if message["method"] == "elicitation/create" {
            let reply = json!({"jsonrpc": "2.0", "id": message["id"], "result": {"action": "accept", "content": {"name": "Ed"}}});
            let on_b = on_b.clone();
            tokio::spawn(async move { assert_eq!(on_b.post(&reply).await.status(), 202) });
        }
        message["id"] == 3
    })
    .await;
    assert_eq!(events.last().unwrap().1["result"]["content"][0]["text"], "accept: \"Ed\"");

    // Each replica's record cache keeps its tracking connection over TLS.
    let certificates = redis::TlsCertificates { client_tls: None, root_cert: Some(redis.ca()) };
    let direct = redis::Client::build_with_tls(redis.url("s3cret-for-tests"), certificates).unwrap();
    let mut direct = direct.get_multiplexed_async_connection().await.unwrap();
    let mut tracking = 0;
    for _ in 0..100 {
        let clients: String = redis::cmd("CLIENT").arg("LIST").query_async(&mut direct).await.unwrap();
        tracking = clients.lines().filter(|client| client.split(' ').any(|field| field == "flags=t")).count();
        if tracking == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(tracking, 2, "one tracking connection per replica");

    // As a user who may not track keys, a replica reads Redis every time.
    let untracked =
        replica(RedisSessions::new(redis.url_of("untracked", "s3cret-for-tests")).tls_root_certificate(redis.ca()));
    let mut on_untracked = HttpClient::new(format!("{}/mcp", untracked.await));
    on_untracked.initialize().await;
    for id in 0..5 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(text(record(&on_untracked, 10 + id).await), (id + 1).to_string());
    }

    // A wrong password, or a certificate from a CA nobody said to trust: not
    // ready, and what needs Redis is a prompt 503.
    let wrong_password = replica(settings("not-the-password")).await;
    let untrusted = replica(RedisSessions::new(redis.url("s3cret-for-tests"))).await;
    for base in [wrong_password, untrusted] {
        let started = std::time::Instant::now();
        assert_eq!(status_of_ready(&base).await, 503, "{base}");
        let params = quickmcp_axum::TestClient::initialize_params(json!({}));
        let client = HttpClient::new(format!("{base}/mcp"));
        let refused = client.post(&json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params})).await;
        assert_eq!(refused.status(), 503);
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    }
}
