//! [`OpenApi`]: a document, its route maps, names and backend, built into
//! tool and resource definitions.

use crate::backend;
use crate::call::{Call, HeaderProvider, Shared};
use crate::document::{self, Operation, Version};
use crate::error::OpenApiError;
use crate::naming;
use crate::route_map::{self, RouteMap, Target};
use crate::schema::Converter;
use crate::{input, output};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use quickmcp::Context;
use quickmcp::handler::{ResourceDef, ToolDef};
use quickmcp::protocol::{Resource, ResourceTemplate, Tool, ToolAnnotations};
use serde_json::Value;
use std::sync::Arc;

/// Most bytes of an API answer a call reads (`OpenApi::max_response_bytes`).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// An operation as the rename hook sees it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Route {
    /// `GET`, `POST`, …
    pub method: Method,
    /// The path as written in the document (`/pets/{petId}`).
    pub path: String,
    /// Its `operationId`, if any.
    pub operation_id: Option<String>,
    /// Its tags.
    pub tags: Vec<String>,
    /// The name it gets unless renamed: the sanitised `operationId`, else
    /// `method_path` (`get_pets_petId`).
    pub name: String,
}

type Rename = Arc<dyn Fn(&Route) -> Option<String> + Send + Sync>;

/// The tools and resources an OpenAPI document became; register them with
/// `Server::builder(..).tools(generated.tools).resources(generated.resources)`.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Generated {
    /// One tool per operation mapped to [`Target::Tool`].
    pub tools: Vec<ToolDef>,
    /// One resource or template per operation mapped to [`Target::Resource`].
    pub resources: Vec<ResourceDef>,
}

/// An OpenAPI 3.0 or 3.1 document on its way to becoming MCP tools.
///
/// ```
/// use quickmcp_openapi::OpenApi;
///
/// let document = r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
///   "paths": {"/hello/{name}": {"get": {"operationId": "hello",
///     "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
///     "responses": {"200": {"description": "ok"}}}}}}"#;
/// let app = axum::Router::new()
///     .route("/hello/{name}", axum::routing::get(|axum::extract::Path(name): axum::extract::Path<String>| async move { name }));
/// let generated = OpenApi::from_json(document)?.in_process(app).build()?;
/// assert_eq!(generated.tools[0].tool.name, "hello");
/// let server = quickmcp::Server::builder("api", "1.0.0").tools(generated.tools).build();
/// # let _ = server;
/// # Ok::<(), quickmcp_openapi::OpenApiError>(())
/// ```
pub struct OpenApi {
    doc: Value,
    version: Version,
    route_maps: Vec<RouteMap>,
    rename: Option<Rename>,
    send: Option<Result<backend::Sender, OpenApiError>>,
    headers: Vec<(String, String)>,
    provider: Option<HeaderProvider>,
    forward_authorization: bool,
    max_response_bytes: usize,
    output_schemas: bool,
    resource_prefix: String,
}

impl OpenApi {
    /// A document already parsed; fails unless it is OpenAPI 3.0 or 3.1.
    pub fn from_value(doc: Value) -> Result<Self, OpenApiError> {
        let version = document::version(&doc)?;
        Ok(Self {
            doc,
            version,
            route_maps: Vec::new(),
            rename: None,
            send: None,
            headers: Vec::new(),
            provider: None,
            forward_authorization: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            output_schemas: true,
            resource_prefix: "openapi://".into(),
        })
    }

    /// A document in JSON text.
    pub fn from_json(text: &str) -> Result<Self, OpenApiError> {
        let doc = serde_json::from_str(text).map_err(|e| OpenApiError::Malformed(e.to_string()))?;
        Self::from_value(doc)
    }

    /// A document in YAML text (feature `yaml`).
    #[cfg(feature = "yaml")]
    pub fn from_yaml(text: &str) -> Result<Self, OpenApiError> {
        Self::from_value(crate::yaml::to_json(text)?)
    }

    /// A document in a file: YAML when its name ends in `.yaml` or `.yml`
    /// (feature `yaml`), JSON otherwise.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, OpenApiError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| OpenApiError::Load(format!("{}: {e}", path.display())))?;
        #[cfg(feature = "yaml")]
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            return Self::from_yaml(&text);
        }
        Self::from_json(&text)
    }

    /// A document served at `url` (JSON, or YAML with the `yaml` feature),
    /// read up to 16 MiB.
    #[cfg(feature = "http")]
    pub async fn from_url(url: &str) -> Result<Self, OpenApiError> {
        const MAX_DOCUMENT: usize = 16 * 1024 * 1024;
        let load = |e: reqwest::Error| OpenApiError::Load(format!("{url}: {e}"));
        let mut response = reqwest::get(url).await.and_then(reqwest::Response::error_for_status).map_err(load)?;
        let mut text = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(load)? {
            if text.len() + chunk.len() > MAX_DOCUMENT {
                return Err(OpenApiError::Load(format!("{url}: larger than {MAX_DOCUMENT} bytes")));
            }
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(text).map_err(|_| OpenApiError::Malformed("not UTF-8".into()))?;
        #[cfg(feature = "yaml")]
        if !text.trim_start().starts_with('{') {
            return Self::from_yaml(&text);
        }
        Self::from_json(&text)
    }

    /// Adds a route map (tried in the order added; see [`RouteMap`]).
    #[must_use]
    pub fn route_map(mut self, map: RouteMap) -> Self {
        self.route_maps.push(map);
        self
    }

    /// Names operations: `hook` returns a name for a [`Route`], or `None`
    /// for its default. The result is sanitised like any name.
    ///
    /// ```
    /// # let document = serde_json::json!({"openapi": "3.1.0", "paths": {}});
    /// let api = quickmcp_openapi::OpenApi::from_value(document)?
    ///     .rename(|route| route.operation_id.as_deref().map(|id| format!("petstore_{id}")));
    /// # let _ = api;
    /// # Ok::<(), quickmcp_openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn rename(mut self, hook: impl Fn(&Route) -> Option<String> + Send + Sync + 'static) -> Self {
        self.rename = Some(Arc::new(hook));
        self
    }

    /// Calls go to `service` in this process, usually the user's own axum
    /// `Router` (no socket, no second server). It is cloned for each call.
    #[must_use]
    pub fn in_process<S, B>(mut self, service: S) -> Self
    where
        S: tower::Service<http::Request<axum::body::Body>, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<tower::BoxError>,
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<tower::BoxError>,
    {
        self.send = Some(Ok(backend::in_process(service)));
        self
    }

    /// Calls go over HTTP to `base_url` (`https://api.example.com/v1`; the
    /// document's paths are appended to it).
    #[cfg(feature = "http")]
    #[must_use]
    pub fn http(self, base_url: impl Into<String>) -> Self {
        self.http_with(reqwest::Client::new(), base_url)
    }

    /// Like [`http`](Self::http), with your own `reqwest` client (timeouts,
    /// proxies, TLS roots).
    #[cfg(feature = "http")]
    #[must_use]
    pub fn http_with(mut self, client: reqwest::Client, base_url: impl Into<String>) -> Self {
        let base = base_url.into();
        self.send = Some(match reqwest::Url::parse(&base) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(backend::http(client, base)),
            _ => Err(OpenApiError::Backend(format!("`{base}` is not an http(s) URL"))),
        });
        self
    }

    /// Sends this header with every call (unless a parameter sets it).
    /// An invalid name or value fails [`build`](Self::build).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds headers to each call from its MCP request, e.g. a token looked
    /// up from the caller's [`Principal`](quickmcp::auth::Principal).
    #[must_use]
    pub fn headers_from(mut self, provider: impl Fn(&Context, &mut HeaderMap) + Send + Sync + 'static) -> Self {
        self.provider = Some(Arc::new(provider));
        self
    }

    /// Sends each MCP caller's own `Authorization` header on to the API;
    /// needs [`ForwardAuthorization`](crate::ForwardAuthorization) around
    /// the MCP endpoint.
    #[must_use]
    pub fn forward_authorization(mut self) -> Self {
        self.forward_authorization = true;
        self
    }

    /// Most bytes of an answer a call reads (default 4 MiB); a longer one
    /// is a tool error.
    #[must_use]
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Whether tools declare the operation's JSON response as their
    /// `outputSchema` (default `true`). Turn it off for an API whose
    /// answers do not match its document: clients check structured
    /// content against the schema.
    #[must_use]
    pub fn output_schemas(mut self, on: bool) -> Self {
        self.output_schemas = on;
        self
    }

    /// What resource URIs start with (default `openapi://`): `GET /pets`
    /// mapped to a resource is `openapi://pets`.
    #[must_use]
    pub fn resource_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.resource_prefix = prefix.into();
        self
    }

    /// Builds the tools and resources, or says what is wrong (naming the
    /// operation): an undeclared path parameter, an unresolvable `$ref`, a
    /// body that is not JSON, two operations with one name…
    pub fn build(self) -> Result<Generated, OpenApiError> {
        let send = self.send.unwrap_or_else(|| {
            Err(OpenApiError::Backend("no backend: call `.in_process(app)` or `.http(base_url)`".into()))
        })?;
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let invalid = || OpenApiError::Backend(format!("header `{name}: {value}` is not a valid header"));
            let name = HeaderName::try_from(name.as_str()).map_err(|_| invalid())?;
            headers.insert(name, HeaderValue::try_from(value.as_str()).map_err(|_| invalid())?);
        }
        let shared = Arc::new(Shared {
            send,
            headers,
            provider: self.provider,
            forward_authorization: self.forward_authorization,
            max_response_bytes: self.max_response_bytes,
        });
        let maps: Vec<_> = self.route_maps.into_iter().map(RouteMap::compile).collect::<Result<_, _>>()?;
        let mut generated = Generated::default();
        let mut names: Vec<(String, String)> = Vec::new();
        for operation in document::operations(&self.doc)? {
            let tags = operation.tags();
            let target = route_map::target(&maps, &operation.method, operation.path, &tags);
            if target == Target::Exclude {
                continue;
            }
            let label = operation.label();
            let default_name = naming::default_name(&operation.method, operation.path, operation.operation_id());
            let route = Route {
                method: operation.method.clone(),
                path: operation.path.to_owned(),
                operation_id: operation.operation_id().map(str::to_owned),
                tags,
                name: default_name,
            };
            let name = match self.rename.as_ref().and_then(|rename| rename(&route)) {
                Some(name) => naming::sanitise(&name),
                None => route.name.clone(),
            };
            if let Some((_, other)) = names.iter().find(|(taken, _)| *taken == name) {
                return Err(OpenApiError::DuplicateName { name, operations: [other.clone(), label] });
            }
            names.push((name.clone(), label.clone()));
            let parts = Parts { operation: &operation, route, name, label, shared: &shared };
            match target {
                Target::Resource => generated.resources.push(parts.resource(self.version, &self.resource_prefix)?),
                _ => generated.tools.push(parts.tool(self.version, self.output_schemas)?),
            }
        }
        Ok(generated)
    }
}

/// One operation being built.
struct Parts<'a> {
    operation: &'a Operation<'a>,
    route: Route,
    name: String,
    label: String,
    shared: &'a Arc<Shared>,
}

impl Parts<'_> {
    fn fail(&self, problem: impl Into<String>) -> OpenApiError {
        OpenApiError::operation(&self.label, problem)
    }

    fn description(&self) -> Option<String> {
        let parts: Vec<&str> =
            [self.operation.text("summary"), self.operation.text("description")].into_iter().flatten().collect();
        (!parts.is_empty()).then(|| parts.join("\n\n"))
    }

    fn call(&self, version: Version, output_schemas: bool) -> Result<(Call, Value, Option<Value>), OpenApiError> {
        let mut converter = Converter::new(self.operation.doc, version);
        let (mut input_schema, plan) = input::build(self.operation, &mut converter).map_err(|p| self.fail(p))?;
        attach_defs(&mut input_schema, converter.finish().map_err(|p| self.fail(p))?);
        let (mut output_schema, output) = if output_schemas {
            let mut converter = Converter::new(self.operation.doc, version);
            let (schema, output) = output::build(self.operation, &mut converter).map_err(|p| self.fail(p))?;
            let defs = converter.finish().map_err(|p| self.fail(p))?;
            (
                schema.map(|mut schema| {
                    attach_defs(&mut schema, defs);
                    schema
                }),
                output,
            )
        } else {
            (None, output::Output::Text)
        };
        for schema in std::iter::once(&input_schema).chain(output_schema.as_ref()) {
            jsonschema::draft202012::meta::validate(schema)
                .map_err(|e| self.fail(format!("the generated schema is not valid JSON Schema 2020-12: {e}")))?;
        }
        let validator = jsonschema::draft202012::new(&input_schema)
            .map_err(|e| self.fail(format!("the generated input schema cannot be compiled: {e}")))?;
        if output == output::Output::Text {
            output_schema = None;
        }
        let call = Call {
            method: self.operation.method.clone(),
            path: self.operation.path.to_owned(),
            plan,
            output,
            validator,
            shared: Arc::clone(self.shared),
        };
        Ok((call, input_schema, output_schema))
    }

    fn tool(self, version: Version, output_schemas: bool) -> Result<ToolDef, OpenApiError> {
        let (call, input_schema, output_schema) = self.call(version, output_schemas)?;
        let method = &self.route.method;
        let annotations = ToolAnnotations {
            read_only_hint: (method == Method::GET || method == Method::HEAD).then_some(true),
            destructive_hint: (method == Method::DELETE).then_some(true),
            idempotent_hint: [Method::GET, Method::HEAD, Method::PUT, Method::DELETE].contains(method).then_some(true),
            ..ToolAnnotations::default()
        };
        let tool = Tool {
            name: self.name.clone(),
            title: None,
            description: self.description(),
            input_schema,
            output_schema,
            annotations: (annotations != ToolAnnotations::default()).then_some(annotations),
            icons: None,
            meta: None,
        };
        let call = Arc::new(call);
        let mut def = ToolDef::new(tool, move |ctx, arguments| Arc::clone(&call).tool(ctx, arguments));
        def.tags = self.route.tags;
        Ok(def)
    }

    fn resource(self, version: Version, prefix: &str) -> Result<ResourceDef, OpenApiError> {
        if self.route.method != Method::GET {
            return Err(self.fail("only GET operations can be resources; map it to a tool"));
        }
        let (call, input_schema, _) = self.call(version, false)?;
        let path_parameters: Vec<String> = call
            .plan
            .parameters
            .iter()
            .filter(|p| p.location == input::Location::Path)
            .map(|p| p.name.clone())
            .collect();
        let required = input_schema.get("required").and_then(Value::as_array).cloned().unwrap_or_default();
        if let Some(extra) =
            required.iter().filter_map(Value::as_str).find(|name| !path_parameters.iter().any(|p| p == name))
        {
            return Err(self.fail(format!(
                "a resource cannot take the required argument `{extra}` (only path parameters); map it to a tool"
            )));
        }
        let uri = format!("{prefix}{}", self.route.path.trim_start_matches('/'));
        let call = Arc::new(call);
        let handler = move |ctx, request| Arc::clone(&call).resource(ctx, request);
        let description = self.description();
        let mut def = if path_parameters.is_empty() {
            let resource = Resource {
                uri,
                name: self.name.clone(),
                title: None,
                description,
                mime_type: Some("application/json".into()),
                size: None,
                annotations: None,
                icons: None,
                meta: None,
            };
            ResourceDef::fixed(resource, handler)
        } else {
            let template = ResourceTemplate {
                uri_template: uri,
                name: self.name.clone(),
                title: None,
                description,
                mime_type: Some("application/json".into()),
                annotations: None,
                icons: None,
                meta: None,
            };
            ResourceDef::template(template, handler).map_err(|e| self.fail(format!("not a valid URI template: {e}")))?
        };
        def.tags = self.route.tags;
        Ok(def)
    }
}

fn attach_defs(schema: &mut Value, defs: serde_json::Map<String, Value>) {
    if let (false, Value::Object(map)) = (defs.is_empty(), schema) {
        map.insert("$defs".into(), Value::Object(defs));
    }
}
