//! An app's page: the `ui://` resource a host renders, and what it declares
//! to the host (the network origins its Content Security Policy allows,
//! the browser permissions it asks for, its border).

use super::{MIME_TYPE, SCHEME};
use crate::handler::ResourceDef;
use crate::protocol::{Resource, ResourceContents};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// A browser permission a page asks the host for (the iframe's `allow`);
/// hosts may refuse, so a page checks before it relies on one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// The camera.
    Camera,
    /// The microphone.
    Microphone,
    /// The user's location.
    Geolocation,
    /// Writing to the clipboard.
    ClipboardWrite,
}

impl Permission {
    fn key(self) -> &'static str {
        match self {
            Self::Camera => "camera",
            Self::Microphone => "microphone",
            Self::Geolocation => "geolocation",
            Self::ClipboardWrite => "clipboardWrite",
        }
    }
}

/// An app's page, registered with
/// [`ServerBuilder::app`](crate::server::ServerBuilder::app): served at its
/// `ui://` URI with the type `text/html;profile=mcp-app`, and with
/// `_meta.ui` (in `resources/list` and on the contents `resources/read`
/// returns) saying what the page needs.
///
/// A page declares nothing by default, and hosts then let it reach no
/// network at all: inline its scripts and styles (one self-contained HTML
/// file, e.g. `include_str!` of a bundle) or declare each origin.
///
/// ```
/// use quickmcp::apps::{App, Permission};
///
/// let page = App::html("ui://maps/route", "<!doctype html><html>…</html>")
///     .title("Route")
///     .connect_domains(["https://tiles.example.com"])
///     .permission(Permission::Geolocation)
///     .prefers_border(false);
/// assert_eq!(page.uri(), "ui://maps/route");
/// ```
#[derive(Debug, Clone)]
pub struct App {
    uri: String,
    html: Arc<str>,
    name: Option<String>,
    title: Option<String>,
    description: Option<String>,
    connect: Vec<String>,
    resources: Vec<String>,
    frames: Vec<String>,
    base_uris: Vec<String>,
    permissions: Vec<Permission>,
    domain: Option<String>,
    prefers_border: Option<bool>,
}

impl App {
    /// The page `html` (a whole HTML5 document) at `uri`, which starts
    /// with `ui://` (checked when the server is built).
    pub fn html(uri: impl Into<String>, html: impl Into<Arc<str>>) -> Self {
        Self {
            uri: uri.into(),
            html: html.into(),
            name: None,
            title: None,
            description: None,
            connect: Vec::new(),
            resources: Vec::new(),
            frames: Vec::new(),
            base_uris: Vec::new(),
            permissions: Vec::new(),
            domain: None,
            prefers_border: None,
        }
    }

    /// Its URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The resource's programmatic name (default: the URI without `ui://`).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A display name.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// What the page shows.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Origins the page may `fetch`, open WebSockets to or send XHRs to
    /// (`connect-src`), e.g. `https://api.example.com` or
    /// `wss://*.example.com`.
    #[must_use]
    pub fn connect_domains(mut self, origins: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.connect.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Origins the page may load scripts, styles, images, fonts and media
    /// from.
    #[must_use]
    pub fn resource_domains(mut self, origins: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.resources.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Origins the page may embed in frames of its own.
    #[must_use]
    pub fn frame_domains(mut self, origins: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.frames.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Origins the page's `<base>` may point at.
    #[must_use]
    pub fn base_uri_domains(mut self, origins: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.base_uris.extend(origins.into_iter().map(Into::into));
        self
    }

    /// A browser permission the page asks for.
    #[must_use]
    pub fn permission(mut self, permission: Permission) -> Self {
        if !self.permissions.contains(&permission) {
            self.permissions.push(permission);
        }
        self
    }

    /// A dedicated origin for the page's sandbox, in the form the host
    /// documents (hosts differ).
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Whether the host should draw a border and background around the
    /// page (hosts differ when unsaid).
    #[must_use]
    pub fn prefers_border(mut self, prefers: bool) -> Self {
        self.prefers_border = Some(prefers);
        self
    }

    /// What is wrong with it, each as a sentence naming the app: a URI
    /// that is not `ui://`, an origin a policy cannot hold.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.uri.starts_with(SCHEME) || self.uri.len() == SCHEME.len() {
            problems.push(format!("app `{}`: an app's URI starts with `{SCHEME}`", self.uri));
        }
        let declared = [&self.connect, &self.resources, &self.frames, &self.base_uris];
        for origin in declared.into_iter().flatten().filter(|origin| !is_origin(origin)) {
            problems.push(format!(
                "app `{}`: `{origin}` is not an origin (scheme://host[:port], the host may start with `*.`)",
                self.uri
            ));
        }
        if let Some(domain) = self.domain.as_deref().filter(|d| !is_host(d.trim_start_matches("https://"))) {
            problems.push(format!("app `{}`: `{domain}` is not a domain name", self.uri));
        }
        problems
    }

    /// `_meta.ui` of the page: only what was declared.
    fn ui_meta(&self) -> Value {
        let mut ui = Map::new();
        let mut csp = Map::new();
        for (key, origins) in [
            ("connectDomains", &self.connect),
            ("resourceDomains", &self.resources),
            ("frameDomains", &self.frames),
            ("baseUriDomains", &self.base_uris),
        ] {
            if !origins.is_empty() {
                csp.insert(key.into(), origins.clone().into());
            }
        }
        if !csp.is_empty() {
            ui.insert("csp".into(), csp.into());
        }
        if !self.permissions.is_empty() {
            let permissions: Map<String, Value> =
                self.permissions.iter().map(|p| (p.key().into(), json!({}))).collect();
            ui.insert("permissions".into(), permissions.into());
        }
        if let Some(domain) = &self.domain {
            ui.insert("domain".into(), domain.as_str().into());
        }
        if let Some(prefers) = self.prefers_border {
            ui.insert("prefersBorder".into(), prefers.into());
        }
        json!({ "ui": ui })
    }

    /// The resource that serves the page.
    pub(crate) fn into_def(self) -> ResourceDef {
        let meta = self.ui_meta();
        let name = self.name.clone().unwrap_or_else(|| self.uri.trim_start_matches(SCHEME).to_owned());
        let resource = Resource {
            uri: self.uri.clone(),
            name,
            title: self.title.clone(),
            description: self.description.clone(),
            mime_type: Some(MIME_TYPE.into()),
            size: Some(self.html.len() as u64),
            annotations: None,
            icons: None,
            meta: Some(meta.clone()),
        };
        let (uri, html) = (self.uri, self.html);
        ResourceDef::fixed(resource, move |_ctx, _request| {
            let contents = ResourceContents {
                uri: uri.clone(),
                mime_type: Some(MIME_TYPE.into()),
                text: Some(html.to_string()),
                blob: None,
                meta: Some(meta.clone()),
            };
            std::future::ready(Ok(vec![contents]))
        })
    }
}

/// `scheme://host[:port]` with a web scheme, the host maybe `*.`-prefixed:
/// nothing a host could splice into a policy as another directive.
fn is_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else { return false };
    if !matches!(scheme, "https" | "http" | "wss" | "ws") {
        return false;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host = host.strip_prefix("*.").unwrap_or(host);
    is_host(host) && port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .split('.')
            .all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked_so_that_nothing_reaches_a_policy_but_origins() {
        for good in ["https://api.example.com", "wss://*.example.com", "http://127.0.0.1:8080", "https://a-b.c"] {
            assert!(is_origin(good), "{good}");
        }
        for bad in [
            "api.example.com",
            "ftp://x.org",
            "https://x.org/path",
            "https://x.org; script-src *",
            "https://",
            "https://x.org:",
            "https://x.org:123456",
            "https://*",
            "javascript://x",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }

    #[test]
    fn problems_name_the_app_and_what_is_wrong() {
        let page = App::html("https://x/page", "").connect_domains(["x.org"]).domain("a b");
        let problems = page.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("starts with `ui://`"));
        assert!(problems[1].contains("`x.org` is not an origin"));
        assert!(App::html("ui://ok", "").connect_domains(["https://x.org"]).problems().is_empty());
    }

    #[test]
    fn meta_says_only_what_was_declared() {
        assert_eq!(App::html("ui://a", "").ui_meta(), json!({"ui": {}}));
        let meta = App::html("ui://a", "")
            .connect_domains(["https://api.x.org"])
            .permission(Permission::Camera)
            .permission(Permission::Camera)
            .prefers_border(true)
            .ui_meta();
        assert_eq!(
            meta,
            json!({"ui": {"csp": {"connectDomains": ["https://api.x.org"]}, "permissions": {"camera": {}}, "prefersBorder": true}})
        );
    }
}
