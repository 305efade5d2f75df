//! The skills extension's client scenarios (`sep-2640-client-*`): list the
//! skills without reading them; in the verify scenarios, load each skill
//! and, only when it verifies, read its other files.

use super::Scenario;

pub async fn run(scenario: &Scenario) -> Result<(), Box<dyn std::error::Error>> {
    let client = scenario.builder().connect_http(&scenario.url).await?;
    let skills = client.list_skills().await?;
    if scenario.name != "sep-2640-client-no-prefetch" {
        for skill in &skills {
            match client.load_skill(skill).await {
                Ok(_) => {
                    for file in skill.resources.iter().filter(|f| f.uri != skill.uri) {
                        client.read_skill_file(skill, &file.uri).await?;
                    }
                }
                Err(error) => eprintln!("skill {} is not loaded: {error}", skill.uri),
            }
        }
    }
    client.close().await;
    Ok(())
}
