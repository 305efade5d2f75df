//! The skills extension (SEP-2640) over a real socket, in both eras: the
//! declaration, `skills/list` pages, `skills/get`, the files as resources,
//! `resources/directory/read`, and the errors a client can provoke.

use mcp_integration_tests::{ERAS, Era, EraClient, HttpClient, spawn};
use quickmcp::Server;
use quickmcp::middleware::{Caller, Component, Middleware};
use quickmcp::skills::{Skill, Skills};
use serde_json::{Value, json};

fn skills() -> Skills {
    Skills::new()
        .skill(
            Skill::new("pdf-processing", "Extract text from PDF files and fill PDF forms")
                .metadata("version", "1.0")
                .instructions("# PDF\n\nFor forms, see [FORMS](references/FORMS.md).\n")
                .file("references/FORMS.md", "# Forms\n")
                .file("templates/regional/eu.md", "EU\n")
                .file("assets/logo.bin", vec![0u8, 159, 146, 150]),
        )
        .skill(Skill::new("git-workflow", "Follow our Git conventions"))
}

fn server() -> Server {
    Server::builder("skills", "1.0.0").page_size(1).skills(skills()).build()
}

fn uris(items: &Value) -> Vec<&str> {
    items.as_array().unwrap().iter().map(|item| item["uri"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn the_extension_is_declared_in_both_eras() {
    let mut session =
        HttpClient::new(format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server()).into_router()).await));
    let initialized = session.initialize().await;
    let declared = json!({"directoryRead": true});
    assert_eq!(initialized["capabilities"]["extensions"]["io.modelcontextprotocol/skills"], declared);
    let stateless = EraClient::start(server(), Era::Stateless).await;
    let discovered = stateless.request("server/discover", json!({})).await;
    assert_eq!(discovered["capabilities"]["extensions"]["io.modelcontextprotocol/skills"], declared);
    assert!(discovered["capabilities"]["resources"].is_object());
}

#[tokio::test]
async fn skills_are_listed_page_by_page_and_got_by_uri() {
    for era in ERAS {
        let client = EraClient::start(server(), era).await;
        let first = client.request("skills/list", json!({})).await;
        assert_eq!(uris(&first["skills"]), ["skill://pdf-processing/SKILL.md"], "{era:?}");
        let cursor = first["nextCursor"].as_str().unwrap().to_owned();
        let second = client.request("skills/list", json!({"cursor": cursor})).await;
        assert_eq!(uris(&second["skills"]), ["skill://git-workflow/SKILL.md"], "{era:?}");
        assert!(second.get("nextCursor").is_none(), "{era:?}");
        if era == Era::Stateless {
            assert_eq!((&first["resultType"], &first["cacheScope"]), (&json!("complete"), &json!("public")));
            assert!(first["ttlMs"].is_u64());
        }

        let entry = &first["skills"][0];
        assert_eq!(
            entry["frontmatter"],
            json!({"name": "pdf-processing", "description": "Extract text from PDF files and fill PDF forms",
                   "metadata": {"version": "1.0"}})
        );
        assert_eq!(
            uris(&entry["resources"]),
            [
                "skill://pdf-processing/SKILL.md",
                "skill://pdf-processing/assets/logo.bin",
                "skill://pdf-processing/references/FORMS.md",
                "skill://pdf-processing/templates/regional/eu.md",
            ]
        );
        for file in entry["resources"].as_array().unwrap() {
            let digest = file["digest"].as_str().unwrap();
            assert!(digest.len() == 71 && digest.starts_with("sha256:"), "{digest}");
        }
        assert_eq!(entry["resources"][2]["size"], 8);

        let got = client.request("skills/get", json!({"uri": "skill://pdf-processing/SKILL.md"})).await;
        assert_eq!(&got["skill"], entry, "{era:?}: skills/get and skills/list agree");
        assert!(got.get("nextCursor").is_none());
    }
}

#[tokio::test]
async fn skill_files_are_resources() {
    for era in ERAS {
        let client = EraClient::start(server(), era).await;
        let skill_md = client.request("resources/read", json!({"uri": "skill://pdf-processing/SKILL.md"})).await;
        let contents = &skill_md["contents"][0];
        assert_eq!(contents["mimeType"], "text/markdown", "{era:?}");
        let text = contents["text"].as_str().unwrap();
        assert!(
            text.starts_with("---\nname: \"pdf-processing\"\n")
                && text.ends_with("see [FORMS](references/FORMS.md).\n")
        );
        let listed = client.request("skills/get", json!({"uri": "skill://pdf-processing/SKILL.md"})).await;
        assert_eq!(listed["skill"]["resources"][0]["size"], text.len());

        let logo = client.request("resources/read", json!({"uri": "skill://pdf-processing/assets/logo.bin"})).await;
        assert_eq!(logo["contents"][0]["blob"], "AJ+Slg==", "{era:?}: bytes that are not UTF-8 travel as a blob");

        let mut resources = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = cursor.as_ref().map_or(json!({}), |c| json!({"cursor": c}));
            let page = client.request("resources/list", params).await;
            resources.extend(page["resources"].as_array().unwrap().iter().cloned());
            match page["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let skill_md = resources.iter().find(|r| r["uri"] == "skill://pdf-processing/SKILL.md").unwrap();
        assert_eq!(skill_md["name"], "pdf-processing");
        assert_eq!(skill_md["description"], "Extract text from PDF files and fill PDF forms");
        assert_eq!(resources.len(), 5, "{era:?}: every file of both skills");
    }
}

#[tokio::test]
async fn directories_are_read_child_by_child() {
    for era in ERAS {
        let client = EraClient::start(server(), era).await;
        let mut children = Vec::new();
        let mut params = json!({"uri": "skill://pdf-processing"});
        loop {
            let page = client.request("resources/directory/read", params.clone()).await;
            assert!(page.get("code").is_none(), "{era:?}: {page}");
            children.extend(
                page["resources"].as_array().unwrap().iter().map(|r| (r["uri"].clone(), r["mimeType"].clone())),
            );
            match page["nextCursor"].as_str() {
                Some(next) => params["cursor"] = next.into(),
                None => break,
            }
        }
        let directory = json!("inode/directory");
        assert_eq!(
            children,
            [
                (json!("skill://pdf-processing/SKILL.md"), json!("text/markdown")),
                (json!("skill://pdf-processing/assets"), directory.clone()),
                (json!("skill://pdf-processing/references"), directory.clone()),
                (json!("skill://pdf-processing/templates"), directory.clone()),
            ],
            "{era:?}"
        );
        let templates =
            client.request("resources/directory/read", json!({"uri": "skill://pdf-processing/templates"})).await;
        assert_eq!(templates["resources"][0]["name"], "regional");
        assert_eq!(templates["resources"][0]["mimeType"], "inode/directory");
    }
}

#[tokio::test]
async fn what_is_not_served_is_invalid_params() {
    for era in ERAS {
        let client = EraClient::start(server(), era).await;
        let cases = [
            ("skills/get", json!({"uri": "skill://nope/SKILL.md"})),
            ("skills/get", json!({"uri": "skill://pdf-processing/references/FORMS.md"})),
            ("skills/get", json!({})),
            ("skills/get", json!({"uri": 7})),
            ("skills/list", json!({"cursor": "not-a-cursor"})),
            ("resources/directory/read", json!({"uri": "skill://pdf-processing/SKILL.md"})),
            ("resources/directory/read", json!({"uri": "skill://pdf-processing/nope"})),
            ("resources/directory/read", json!({"uri": "skill://nope"})),
            ("resources/directory/read", json!({"uri": "file:///etc"})),
            ("resources/directory/read", json!({"uri": "skill://pdf-processing", "cursor": "??"})),
        ];
        for (method, params) in cases {
            let error = client.request(method, params.clone()).await;
            assert_eq!(error["code"], -32602, "{era:?} {method} {params}: {error}");
        }
        let unknown = client.request("skills/get", json!({"uri": "skill://nope/SKILL.md"})).await;
        assert_eq!(unknown["data"]["uri"], "skill://nope/SKILL.md");
    }
}

#[tokio::test]
async fn a_server_without_skills_knows_no_skill_method() {
    for era in ERAS {
        let client = EraClient::start(Server::builder("plain", "1.0.0").build(), era).await;
        for method in ["skills/list", "skills/get", "resources/directory/read"] {
            assert_eq!(client.request(method, json!({"uri": "skill://x"})).await["code"], -32601, "{era:?} {method}");
        }
    }
}

/// Hides everything under `skill://git-workflow/`.
struct HideGit;

impl Middleware for HideGit {
    fn is_visible(&self, component: Component<'_>, _caller: &Caller<'_>) -> bool {
        !component.name().starts_with("skill://git-workflow/")
    }
}

#[tokio::test]
async fn a_skill_hidden_by_middleware_is_neither_listed_nor_got() {
    let server = Server::builder("skills", "1.0.0").skills(skills()).middleware(HideGit).build();
    let client = EraClient::start(server, Era::Session).await;
    let listed = client.request("skills/list", json!({})).await;
    assert_eq!(uris(&listed["skills"]), ["skill://pdf-processing/SKILL.md"]);
    let got = client.request("skills/get", json!({"uri": "skill://git-workflow/SKILL.md"})).await;
    assert_eq!(got["code"], -32602);
    let directory = client.request("resources/directory/read", json!({"uri": "skill://git-workflow"})).await;
    assert_eq!(directory["code"], -32602);
}

#[test]
fn a_broken_skill_fails_the_build_with_its_reason() {
    let broken = Skills::new().skill(Skill::new("Bad Name", "x")).skill(Skill::new("ok", "fine").file("../up", "x"));
    let error = Server::builder("skills", "1.0.0").skills(broken).try_build().unwrap_err();
    assert_eq!(error.invalid_skills.len(), 2);
    let message = error.to_string();
    assert!(message.contains("skill `Bad Name`") && message.contains("skill `ok`"), "{message}");
    let twice = Server::builder("skills", "1.0.0").skills(skills()).skills(skills()).try_build().unwrap_err();
    assert!(twice.duplicates.contains(&"skill `skill://git-workflow/SKILL.md`".to_owned()), "{twice:?}");
}
