//! The skills extension's side of the method table (SEP-2640): `skills/list`,
//! `skills/get` and `resources/directory/read`, in either era. A skill's
//! files are ordinary resources of the catalog (added when the server is
//! built), so `resources/read`, scopes and middleware treat them as any
//! other; a skill is listed, got and browsed only by a caller allowed to see
//! its `SKILL.md`.

use super::Server;
use super::catalog::Catalog;
use super::registry::{Registry, page};
use crate::middleware::{Caller, Component};
use crate::protocol as p;
use crate::protocol::jsonrpc::{RpcError, decode_params, to_raw};
use crate::skills::{Manifest, SCHEME, SKILL_MD};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

/// The settings the server declares under the extension's identifier.
pub(crate) fn capability() -> Value {
    json!({ "directoryRead": true })
}

/// Adds the skills' files to `catalog` as resources and returns the
/// skills by URI; a skill or resource URI taken twice is noted in
/// `duplicates`.
pub(super) fn register(
    manifests: Vec<Manifest>,
    catalog: &mut Catalog,
    duplicates: &mut Vec<String>,
) -> Registry<Manifest> {
    let mut skills = Registry::default();
    for manifest in manifests {
        if skills.get(&manifest.uri).is_some() {
            duplicates.push(format!("skill `{}`", manifest.uri));
            continue;
        }
        for def in manifest.resources() {
            let key = def.key().to_owned();
            if !catalog.add_resource(def) {
                duplicates.push(format!("resource `{key}`"));
            }
        }
        skills.insert(manifest.uri.clone(), manifest);
    }
    skills
}

#[derive(Deserialize)]
struct DirectoryParams {
    uri: String,
    cursor: Option<String>,
}

impl Server {
    /// Answers `skills/list`, `skills/get` or `resources/directory/read`;
    /// a server without skills knows none of them.
    /// The extension's methods: this server's skills, or, when it has
    /// none, those of a remote server it serves with its own names.
    pub(super) async fn skills_method(
        &self,
        method: &str,
        params: Option<&RawValue>,
        env: &crate::peer::RequestEnv,
    ) -> Result<Box<RawValue>, RpcError> {
        if self.inner.skills.is_empty() {
            let remote = self.inner.remotes.iter().find(|r| r.extension(crate::skills::EXTENSION).is_some());
            if let Some(remote) = remote {
                return remote.forward(method, params, env.session.as_ref()).await;
            }
        }
        self.skill_method(method, params, &Caller::of_env(env))
    }

    pub(super) fn skill_method(
        &self,
        method: &str,
        params: Option<&RawValue>,
        caller: &Caller<'_>,
    ) -> Result<Box<RawValue>, RpcError> {
        let skills = &self.inner.skills;
        if skills.is_empty() {
            return Err(RpcError::method_not_found(method));
        }
        match method {
            "skills/list" => {
                let p: p::PaginatedParams = decode_params(params)?;
                let (page, next) = skills.page(p.cursor.as_deref(), self.inner.page_size)?;
                let entries: Vec<Value> =
                    page.iter().filter(|m| self.sees_skill(m, caller)).map(|m| m.entry()).collect();
                let mut result = Map::new();
                result.insert("skills".into(), entries.into());
                if let Some(next) = next {
                    result.insert("nextCursor".into(), next.into());
                }
                to_raw(&result)
            }
            "skills/get" => {
                let p: p::UriParams = decode_params(params)?;
                let manifest = skills.get(&p.uri).filter(|m| self.sees_skill(m, caller));
                let manifest = manifest.ok_or_else(|| unknown(&p.uri, "No skill is served at"))?;
                to_raw(&json!({ "skill": manifest.entry() }))
            }
            _ => {
                let p: DirectoryParams = decode_params(params)?;
                let manifest = skill_of(skills, &p.uri).filter(|m| self.sees_skill(m, caller));
                let children = manifest.and_then(|m| m.directory(&p.uri));
                let children = children.ok_or_else(|| unknown(&p.uri, "No directory resource is served at"))?;
                let (page, next) = page(&children, p.cursor.as_deref(), self.inner.page_size)?;
                let mut result = Map::new();
                result.insert("resources".into(), serde_json::to_value(page).map_err(RpcError::internal)?);
                if let Some(next) = next {
                    result.insert("nextCursor".into(), next.into());
                }
                to_raw(&result)
            }
        }
    }

    /// Whether `caller` may see the skill: its `SKILL.md` is still a
    /// resource of the catalog, and visible to them.
    fn sees_skill(&self, manifest: &Manifest, caller: &Caller<'_>) -> bool {
        let catalog = self.inner.catalog.load();
        catalog.resources.get(&manifest.uri).is_some_and(|def| self.is_visible(Component::Resource(def), caller))
    }
}

/// The skill whose directory would hold `uri` (`skill://<name>/…`).
fn skill_of<'a>(skills: &'a Registry<Manifest>, uri: &str) -> Option<&'a Manifest> {
    let name = uri.strip_prefix(SCHEME)?.split('/').next()?;
    skills.get(&format!("{SCHEME}{name}/{SKILL_MD}")).map(|manifest| &**manifest)
}

/// `-32602` for a URI that names nothing served, the URI in `data`.
fn unknown(uri: &str, what: &str) -> RpcError {
    let uri = crate::protocol::jsonrpc::echoed(uri);
    RpcError::invalid_params(format!("{what} {uri}")).with_data(json!({ "uri": uri }))
}
