//! The public entry point: an axum `Router` serving one MCP endpoint behind
//! its layer stack.

use crate::config::McpConfig;
use crate::endpoint::Endpoint;
use crate::layers::{
    CheckLayer, ContentCheck, HostOriginCheck, HttpSpanLayer, LoadShedLayer, RateLimitCheck, cors_layer,
    security_headers_layer,
};
use axum::Router;
use quickmcp::Server;

/// Builds the axum `Router` of a Streamable HTTP endpoint for `server`.
///
/// Merge it into your own application next to your REST routes. Besides
/// the endpoint it serves the probes `/health` and `/ready` (see
/// [`McpConfig::health_path`]). Requests to the endpoint pass the
/// Host/Origin check, the per-client rate limit, content
/// negotiation and load shedding, then reach the endpoint (every answer carrying `X-Content-Type-Options: nosniff` and
/// `X-Frame-Options: DENY`); layers you add around the router run before all of them, and
/// what they put in the request's extensions reaches handlers through
/// [`Context::extensions`](quickmcp::Context::extensions).
///
/// ```
/// use axum::{Router, routing::get};
/// use quickmcp_axum::McpRouter;
/// use quickmcp::Server;
///
/// let server = Server::builder("demo", "0.1.0").build();
/// let app: Router = Router::new()
///     .route("/api/hello", get(|| async { "hello" }))
///     .merge(McpRouter::new(server).path("/mcp").into_router());
/// ```
#[derive(Debug, Clone)]
pub struct McpRouter {
    server: Server,
    config: McpConfig,
    #[cfg(feature = "auth")]
    auth: Option<crate::auth::Auth>,
    #[cfg(feature = "metrics")]
    metrics: Option<crate::metrics::Metrics>,
}

impl McpRouter {
    /// An endpoint at `/mcp` with session mode and localhost-only defaults.
    pub fn new(server: Server) -> Self {
        Self {
            server,
            config: McpConfig::default(),
            #[cfg(feature = "auth")]
            auth: None,
            #[cfg(feature = "metrics")]
            metrics: None,
        }
    }

    /// Uses `config` (e.g. [`McpConfig::from_env`]).
    #[must_use]
    pub fn config(mut self, config: McpConfig) -> Self {
        self.config = config;
        self
    }

    /// Serves the endpoint at `path` (default `/mcp`).
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.config.path = path.into();
        self
    }

    /// Without sessions: no `Mcp-Session-Id`, GET and DELETE answer 405.
    #[must_use]
    pub fn stateless(mut self, stateless: bool) -> Self {
        self.config.stateless = stateless;
        self
    }

    /// Origins allowed to call the endpoint (`*` for any).
    #[must_use]
    pub fn allowed_origins<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.config.allowed_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Host names the endpoint answers to (`*` for any, e.g. behind a proxy
    /// that checks them).
    #[must_use]
    pub fn allowed_hosts<S: Into<String>>(mut self, hosts: impl IntoIterator<Item = S>) -> Self {
        self.config.allowed_hosts = hosts.into_iter().map(Into::into).collect();
        self
    }

    /// Protects the endpoint with bearer tokens (feature `auth`): requests
    /// need a token `auth` accepts, and the protected-resource metadata is
    /// served at `/.well-known/oauth-protected-resource` and at that path
    /// followed by the endpoint's path. The scopes tools, resources and
    /// prompts declare are then enforced (403 `insufficient_scope`). The
    /// routes of an `Auth::development` issuer are served too, behind the
    /// same Host/Origin check. See [`crate::auth`].
    ///
    /// Takes an `Auth` or an `Option<Auth>`, such as
    /// [`Auth::from_env`](crate::auth::Auth::from_env)'s (`None`: no auth).
    #[cfg(feature = "auth")]
    #[must_use]
    pub fn auth(mut self, auth: impl Into<Option<crate::auth::Auth>>) -> Self {
        self.auth = auth.into();
        self
    }

    /// The auth this router checks tokens with.
    #[cfg(feature = "auth")]
    pub(crate) fn auth_handle(&self) -> Option<&crate::auth::Auth> {
        self.auth.as_ref()
    }

    /// The metrics this router counts into.
    #[cfg(feature = "metrics")]
    pub(crate) fn metrics_handle(&self) -> Option<&crate::metrics::Metrics> {
        self.metrics.as_ref()
    }

    /// Counts HTTP requests at the endpoint into `metrics` and serves
    /// `GET /metrics` beside it, behind the endpoint's Host/Origin check,
    /// unless `MCP_METRICS_ADDR` (the config's `metrics_addr`) says to serve
    /// them on a listener of their own: [`run`](Self::run) does, and a
    /// program that serves the router itself serves `metrics.router()`
    /// there. Install `metrics.middleware()` on the server for the MCP half.
    #[cfg(feature = "metrics")]
    #[must_use]
    pub fn metrics(mut self, metrics: crate::metrics::Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The server this router serves.
    pub(crate) fn server(&self) -> &Server {
        &self.server
    }

    /// The configuration so far.
    pub fn current_config(&self) -> &McpConfig {
        &self.config
    }

    /// The router, ready to merge or nest.
    ///
    /// Without [`auth`](Self::auth), it warns (a `tracing` warning) when the
    /// server has tools, resources or prompts that declare scopes: nothing
    /// checks them then, unless a layer of your own puts a verified
    /// [`Principal`](quickmcp::auth::Principal) in every request.
    pub fn into_router<S: Clone + Send + Sync + 'static>(self) -> Router<S> {
        #[cfg(feature = "metrics")]
        if self.metrics.is_some() && self.config.metrics_addr.is_some() {
            tracing::warn!(
                "MCP_METRICS_ADDR is set: /metrics is not served beside the endpoint; serve `metrics.router()` on that address, or use `McpRouter::run`, which does"
            );
        }
        self.build()
    }

    /// [`into_router`](Self::into_router) without the warning, for
    /// [`run`](Self::run), which serves the metrics itself.
    pub(crate) fn build<S: Clone + Send + Sync + 'static>(self) -> Router<S> {
        #[cfg(feature = "auth")]
        let authenticated = self.auth.is_some();
        #[cfg(not(feature = "auth"))]
        let authenticated = false;
        if !authenticated {
            warn_unenforced_scopes(&self.server);
        }
        let path = self.config.path.clone();
        let origin = CheckLayer::new(HostOriginCheck::new(&self.config));
        let shed = LoadShedLayer::new(self.config.max_concurrent);
        let cors = (!self.config.cors_origins.is_empty()).then(|| cors_layer(self.config.cors_origins.clone()));
        let rate = self
            .config
            .rate_limit
            .map(|limit| CheckLayer::new(RateLimitCheck::new(limit, self.config.trusted_proxies.clone())));
        #[cfg(feature = "auth")]
        let (bearer, metadata) = match &self.auth {
            Some(auth) => (
                Some(crate::auth::BearerLayer(auth.clone())),
                Some(metadata_routes::<S>(auth, &path, origin.clone(), cors.clone())),
            ),
            None => (None, None),
        };
        #[cfg(not(feature = "auth"))]
        let bearer: Option<tower::layer::util::Identity> = None;
        #[cfg(feature = "metrics")]
        let (counted, metrics_routes) = match &self.metrics {
            Some(metrics) => {
                metrics.watch_server(self.server.downgrade());
                let routes = self.config.metrics_addr.is_none().then(|| metrics.router::<S>().layer(origin.clone()));
                (Some(crate::metrics::HttpMetricsLayer(metrics.clone())), routes)
            }
            None => (None, None),
        };
        #[cfg(not(feature = "metrics"))]
        let counted: Option<tower::layer::util::Identity> = None;
        #[allow(unused_mut)]
        let mut endpoint = Endpoint::new(self.server, self.config);
        #[cfg(feature = "auth")]
        {
            endpoint.resource_metadata = self.auth.as_ref().map(|auth| auth.config().metadata_url());
        }
        let content = CheckLayer::new(ContentCheck::new(endpoint.keeps_sessions));
        let stack = tower::ServiceBuilder::new()
            .layer(HttpSpanLayer)
            .option_layer(counted)
            .layer(security_headers_layer())
            .layer(origin)
            .option_layer(cors)
            .option_layer(rate)
            .option_layer(bearer)
            .layer(content)
            .layer(shed);
        let probes = crate::health::routes(
            endpoint.config.health_path.as_deref(),
            endpoint.config.ready_path.as_deref(),
            endpoint.server.downgrade(),
        );
        let router = Router::new().route_service(&path, stack.service(endpoint.into_service())).merge(probes);
        #[cfg(feature = "auth")]
        let router = match metadata {
            Some(metadata) => router.merge(metadata),
            None => router,
        };
        #[cfg(feature = "metrics")]
        let router = match metrics_routes {
            Some(routes) => router.merge(routes),
            None => router,
        };
        router
    }
}

/// Says, at start-up, which components declare scopes that an endpoint
/// without authentication does not enforce, and how to turn it on.
fn warn_unenforced_scopes(server: &Server) {
    let scoped = server.scoped_components();
    if scoped.is_empty() {
        return;
    }
    tracing::warn!(
        "these declare OAuth scopes, but the endpoint has no authentication, so any caller may use them: {}. \
         Turn authentication on with `McpRouter::auth(..)` (feature `auth`; `Auth::from_env()` reads \
         MCP_AUTH_ISSUER and MCP_AUTH_RESOURCE), and the scopes are enforced",
        scoped.join(", ")
    );
}

/// The protected-resource metadata routes (and the development issuer's,
/// when there is one), behind the same Host/Origin check and CORS as the
/// endpoint (browsers read them too).
#[cfg(feature = "auth")]
fn metadata_routes<S: Clone + Send + Sync + 'static>(
    auth: &crate::auth::Auth,
    path: &str,
    origin: CheckLayer<HostOriginCheck>,
    cors: Option<tower_http::cors::CorsLayer>,
) -> Router<S> {
    let metadata = axum::routing::get(crate::auth::protected_resource);
    let stack = tower::ServiceBuilder::new().layer(security_headers_layer()).layer(origin).option_layer(cors);
    let routes = Router::new()
        .route("/.well-known/oauth-protected-resource", metadata.clone())
        .route(&format!("/.well-known/oauth-protected-resource{path}"), metadata)
        .with_state(auth.clone());
    // The development issuer signs tokens for anyone who reaches it: never
    // for a page that rebinds a name to this address.
    #[cfg(feature = "dev-issuer")]
    let routes = match &auth.dev_issuer {
        Some(dev) => routes.merge(crate::auth::dev_issuer_routes(dev)),
        None => routes,
    };
    routes.layer(stack)
}
