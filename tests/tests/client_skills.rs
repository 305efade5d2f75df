//! `quickmcp-client` against our own server over HTTP, in both eras: skills
//! listed, loaded and verified (SEP-2640), and tool arguments mirrored in
//! `Mcp-Param-*` headers, which the server checks against the body.

use mcp_integration_tests::spawn;
use quickmcp::prelude::*;
use quickmcp::skills::{Skill, Skills};
use quickmcp_client::{Client, ClientError, Era};
use serde_json::json;

/// Routes a request by region.
#[tool]
async fn route(
    /// Where the request goes.
    #[arg(header = "Region")]
    region: String,
) -> String {
    format!("routed to {region}")
}

fn server() -> Server {
    let skills = Skills::new().skill(
        Skill::new("git-workflow", "Follow this team's Git conventions")
            .instructions("# Git workflow\n\nSee [commits](references/COMMITS.md).\n")
            .file("references/COMMITS.md", "Subjects in the imperative.\n"),
    );
    Server::builder("docs", "1.0.0").tools(tools![route]).skills(skills).build()
}

async fn clients() -> Vec<Client> {
    let url = format!("{}/mcp", spawn(quickmcp_axum::McpRouter::new(server()).into_router()).await);
    let mut clients = Vec::new();
    for era in [Era::Stateless, Era::Session] {
        clients.push(Client::builder().era(era).connect_http(&url).await.unwrap());
    }
    clients
}

#[tokio::test]
async fn skills_are_listed_then_loaded_and_their_files_read_verified() {
    for client in clients().await {
        let skills = client.list_skills().await.unwrap();
        assert_eq!(skills.len(), 1, "{skills:?}");
        let skill = &skills[0];
        assert_eq!(skill.name(), Some("git-workflow"));
        assert_eq!(client.get_skill(&skill.uri).await.unwrap(), *skill);
        let text = client.load_skill(skill).await.unwrap();
        assert!(text.contains("# Git workflow"), "{text}");
        let commits = skill.resources.iter().find(|f| f.uri.ends_with("COMMITS.md")).unwrap();
        let bytes = client.read_skill_file(skill, &commits.uri).await.unwrap();
        assert_eq!(bytes, b"Subjects in the imperative.\n");

        // An entry that does not match what the server serves is refused.
        let mut tampered = skill.clone();
        tampered.frontmatter.insert("description".into(), json!("Something else"));
        assert!(matches!(client.load_skill(&tampered).await, Err(ClientError::Protocol(_))));
        let unlisted = client.read_skill_file(skill, "skill://git-workflow/secret.md").await.unwrap_err();
        assert!(unlisted.to_string().contains("lists no file"), "{unlisted}");
    }
}

#[tokio::test]
async fn a_mirrored_argument_travels_in_its_header_and_the_server_agrees() {
    for client in clients().await {
        client.list_tools().await.unwrap();
        let result = client.call_tool("route", json!({"region": "Zürich "})).await.unwrap();
        assert_eq!(result.text(), "routed to Zürich ", "{:?}", client.era());
    }
}
