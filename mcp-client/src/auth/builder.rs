//! [`OAuthBuilder`]: how an [`OAuth`] is set up.

use super::bounded::http_client;
use super::callback::AuthorizationCallback;
use super::flow::{OAuth, State};
use super::grant::{AuthorizationCode, Grant};
use super::proof::Proof;
use super::registration::{ClientCredentials, ClientMetadata};
use super::store::{MemoryStore, TokenStore};
use std::sync::Arc;

/// How an [`OAuth`] is set up.
#[derive(Default)]
pub struct OAuthBuilder {
    store: Option<Arc<dyn TokenStore>>,
    grant: Option<Arc<dyn Grant>>,
    callback: Option<Arc<dyn AuthorizationCallback>>,
    metadata: ClientMetadata,
    pre_registered: Option<(ClientCredentials, Option<String>)>,
    metadata_document: Option<String>,
    scope: Option<String>,
    proof: Option<Arc<dyn Proof>>,
}

impl OAuthBuilder {
    /// Keeps tokens and registrations in `store` (default: in memory).
    #[must_use]
    pub fn store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Uses the authorization code grant, taking the user through the
    /// authorization URL with `callback` (a browser, or [`FetchRedirect`](super::FetchRedirect)).
    #[must_use]
    pub fn on_authorize(mut self, callback: impl AuthorizationCallback) -> Self {
        self.callback = Some(Arc::new(callback));
        self
    }

    /// Obtains tokens with `grant` instead of the authorization code grant.
    #[must_use]
    pub fn grant(mut self, grant: impl Grant) -> Self {
        self.grant = Some(Arc::new(grant));
        self
    }

    /// What the client says of itself when it registers dynamically (its
    /// name, redirect URI, application type).
    #[must_use]
    pub fn client_metadata(mut self, metadata: ClientMetadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Credentials registered beforehand, with the issuer of the
    /// authorization server they belong to (`None`: whichever the server
    /// names). They are never shown to another issuer.
    #[must_use]
    pub fn pre_registered(mut self, client: ClientCredentials, issuer: Option<&str>) -> Self {
        self.pre_registered = Some((client, issuer.map(str::to_owned)));
        self
    }

    /// The HTTPS URL of the client's metadata document, used as its client
    /// ID with authorization servers that support client ID metadata
    /// documents (instead of registering).
    #[must_use]
    pub fn client_metadata_document(mut self, url: impl Into<String>) -> Self {
        self.metadata_document = Some(url.into());
        self
    }

    /// Asks for `scope` rather than the one the server suggests.
    #[must_use]
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Binds tokens to a key with `proof` (DPoP).
    #[must_use]
    pub fn proof(mut self, proof: impl Proof) -> Self {
        self.proof = Some(Arc::new(proof));
        self
    }

    /// The authorizer.
    pub fn build(self) -> OAuth {
        let redirect_uri = self.metadata.redirect_uri.clone();
        let grant = self.grant.or_else(|| {
            self.callback.map(|callback| {
                Arc::new(AuthorizationCode::new(move |url| callback.authorize(url), redirect_uri)) as Arc<dyn Grant>
            })
        });
        OAuth {
            http: http_client(),
            store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
            grant,
            metadata: self.metadata,
            pre_registered: self.pre_registered,
            metadata_document: self.metadata_document,
            scope: self.scope,
            proof: self.proof,
            state: tokio::sync::Mutex::new(State::default()),
        }
    }
}
