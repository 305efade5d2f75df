//! Where tokens (per MCP server) and client registrations (per
//! authorization server) are kept between requests and between runs.

use super::registration::ClientCredentials;
use crate::error::ClientError;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// The tokens an authorization server issued for one MCP server. Their
/// `Debug` leaves the tokens out.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    /// The access token.
    pub access_token: String,
    /// `Bearer`, or `DPoP` for sender-constrained tokens.
    pub token_type: String,
    /// The refresh token, when one was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When the access token expires (seconds since the Unix epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// The scopes granted (or, when the server did not say, requested).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The issuer of the authorization server that issued them.
    pub issuer: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("token_type", &self.token_type)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "…"))
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// Whether the access token has expired (with a minute to spare).
    pub fn expired(&self) -> bool {
        self.expires_at.is_some_and(|at| now() + 60 >= at)
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// Keeps tokens by MCP server URL and client registrations by issuer.
///
/// Implement it over your keychain or database; [`MemoryStore`] and
/// [`FileStore`] are here.
pub trait TokenStore: Send + Sync + 'static {
    /// The tokens kept for the MCP server at `resource`.
    fn tokens<'a>(&'a self, resource: &'a str) -> BoxFuture<'a, Result<Option<Tokens>, ClientError>>;
    /// Keeps `tokens` for `resource` (`None`: forget them).
    fn set_tokens<'a>(&'a self, resource: &'a str, tokens: Option<Tokens>) -> BoxFuture<'a, Result<(), ClientError>>;
    /// The client registered with the authorization server `issuer`.
    fn client<'a>(&'a self, issuer: &'a str) -> BoxFuture<'a, Result<Option<ClientCredentials>, ClientError>>;
    /// Keeps the registration with `issuer`.
    fn set_client<'a>(&'a self, issuer: &'a str, client: ClientCredentials) -> BoxFuture<'a, Result<(), ClientError>>;
}

/// Everything a store keeps.
#[derive(Clone, Default, Serialize, Deserialize)]
struct Kept {
    #[serde(default)]
    tokens: BTreeMap<String, Tokens>,
    #[serde(default)]
    clients: BTreeMap<String, ClientCredentials>,
}

/// Tokens in memory: gone when the process ends.
#[derive(Default)]
pub struct MemoryStore {
    kept: Mutex<Kept>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryStore")
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Kept) -> T) -> T {
        f(&mut self.kept.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl TokenStore for MemoryStore {
    fn tokens<'a>(&'a self, resource: &'a str) -> BoxFuture<'a, Result<Option<Tokens>, ClientError>> {
        Box::pin(async move { Ok(self.with(|kept| kept.tokens.get(resource).cloned())) })
    }

    fn set_tokens<'a>(&'a self, resource: &'a str, tokens: Option<Tokens>) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move {
            self.with(|kept| match tokens {
                Some(tokens) => kept.tokens.insert(resource.to_owned(), tokens),
                None => kept.tokens.remove(resource),
            });
            Ok(())
        })
    }

    fn client<'a>(&'a self, issuer: &'a str) -> BoxFuture<'a, Result<Option<ClientCredentials>, ClientError>> {
        Box::pin(async move { Ok(self.with(|kept| kept.clients.get(issuer).cloned())) })
    }

    fn set_client<'a>(&'a self, issuer: &'a str, client: ClientCredentials) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move {
            self.with(|kept| kept.clients.insert(issuer.to_owned(), client));
            Ok(())
        })
    }
}

/// Tokens in a JSON file, so a command-line tool logs in once. The file
/// is written whole (to a temporary file, then renamed) and, on Unix, is
/// readable by its owner only.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    lock: tokio::sync::Mutex<()>,
}

/// The largest token file read (1 MiB).
const MAX_FILE: u64 = 1024 * 1024;

impl FileStore {
    /// A store in the file at `path` (created on the first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into(), lock: tokio::sync::Mutex::new(()) }
    }

    async fn read(&self) -> Result<Kept, ClientError> {
        let failed = |e: std::io::Error| ClientError::Auth(format!("reading {}: {e}", self.path.display()));
        match tokio::fs::metadata(&self.path).await {
            Ok(meta) if meta.len() > MAX_FILE => {
                return Err(ClientError::Auth(format!("{} is over {MAX_FILE} bytes", self.path.display())));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Kept::default()),
            Err(e) => return Err(failed(e)),
        }
        let bytes = tokio::fs::read(&self.path).await.map_err(failed)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Auth(format!("{} is not a token file: {e}", self.path.display())))
    }

    async fn write(&self, kept: &Kept) -> Result<(), ClientError> {
        let failed = |e: std::io::Error| ClientError::Auth(format!("writing {}: {e}", self.path.display()));
        let bytes = serde_json::to_vec_pretty(kept).map_err(|e| ClientError::Auth(e.to_string()))?;
        let temporary = self.path.with_extension("tmp");
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options.open(&temporary).await.map_err(failed)?;
        tokio::io::AsyncWriteExt::write_all(&mut file, &bytes).await.map_err(failed)?;
        file.sync_all().await.map_err(failed)?;
        tokio::fs::rename(&temporary, &self.path).await.map_err(failed)
    }

    async fn update(&self, change: impl FnOnce(&mut Kept)) -> Result<(), ClientError> {
        let _guard = self.lock.lock().await;
        let mut kept = self.read().await?;
        change(&mut kept);
        self.write(&kept).await
    }
}

impl TokenStore for FileStore {
    fn tokens<'a>(&'a self, resource: &'a str) -> BoxFuture<'a, Result<Option<Tokens>, ClientError>> {
        Box::pin(async move { Ok(self.read().await?.tokens.remove(resource)) })
    }

    fn set_tokens<'a>(&'a self, resource: &'a str, tokens: Option<Tokens>) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(self.update(move |kept| {
            match tokens {
                Some(tokens) => kept.tokens.insert(resource.to_owned(), tokens),
                None => kept.tokens.remove(resource),
            };
        }))
    }

    fn client<'a>(&'a self, issuer: &'a str) -> BoxFuture<'a, Result<Option<ClientCredentials>, ClientError>> {
        Box::pin(async move { Ok(self.read().await?.clients.remove(issuer)) })
    }

    fn set_client<'a>(&'a self, issuer: &'a str, client: ClientCredentials) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(self.update(move |kept| {
            kept.clients.insert(issuer.to_owned(), client);
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(access: &str) -> Tokens {
        Tokens {
            access_token: access.into(),
            token_type: "Bearer".into(),
            refresh_token: Some("r".into()),
            expires_at: Some(now() + 3600),
            scope: None,
            issuer: "https://auth.example.com".into(),
        }
    }

    #[tokio::test]
    async fn a_file_store_keeps_tokens_across_instances() {
        let path = std::env::temp_dir().join(format!("mcp-client-tokens-{}.json", super::super::pkce::random(6)));
        let store = FileStore::new(&path);
        assert_eq!(store.tokens("https://mcp.example.com/mcp").await.unwrap(), None);
        store.set_tokens("https://mcp.example.com/mcp", Some(tokens("a"))).await.unwrap();
        let client = ClientCredentials { client_id: "c".into(), ..ClientCredentials::default() };
        store.set_client("https://auth.example.com", client.clone()).await.unwrap();
        let again = FileStore::new(&path);
        assert_eq!(again.tokens("https://mcp.example.com/mcp").await.unwrap(), Some(tokens("a")));
        assert_eq!(again.client("https://auth.example.com").await.unwrap(), Some(client));
        again.set_tokens("https://mcp.example.com/mcp", None).await.unwrap();
        assert_eq!(store.tokens("https://mcp.example.com/mcp").await.unwrap(), None);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn expiry_keeps_a_minute_in_hand() {
        let mut t = tokens("a");
        assert!(!t.expired());
        t.expires_at = Some(now() + 30);
        assert!(t.expired());
        t.expires_at = None;
        assert!(!t.expired());
    }
}
