//! `subscriptions/listen` (stateless era): long-lived streams that carry
//! the notifications a client opted in to, in place of the session era's
//! GET stream and `resources/subscribe`, and the status of tasks
//! (`notifications/tasks`, the tasks extension).

use super::Server;
use super::dispatch::{MAX_SUBSCRIBED_URI, MAX_SUBSCRIPTIONS};
use crate::middleware::Caller;
use crate::peer::{Outbound, RequestEnv, Sink};
use crate::protocol::jsonrpc::{self, RequestId, RpcError, code, decode_params};
use serde::{Deserialize, Serialize};
use serde_json::json;
use serde_json::value::RawValue;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Most tasks one listener follows.
pub const MAX_WATCHED_TASKS: usize = 64;

/// What a listener may follow of tasks: whether the request declared the
/// tasks extension, and who asks (only their tasks are followed).
pub(crate) struct TaskWatch {
    pub(crate) declared: bool,
    pub(crate) owner: Option<String>,
}

/// `_meta` key tying a notification to its `subscriptions/listen` stream.
pub const META_SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// The notifications a listener opted in to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionFilter {
    /// `notifications/tools/list_changed`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tools_list_changed: bool,
    /// `notifications/prompts/list_changed`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prompts_list_changed: bool,
    /// `notifications/resources/list_changed`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resources_list_changed: bool,
    /// `notifications/resources/updated` for these URIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_subscriptions: Vec<String>,
    /// `notifications/tasks` for these tasks (the tasks extension).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_ids: Vec<String>,
}

impl SubscriptionFilter {
    fn wants_list_change(&self, method: &str) -> bool {
        match method {
            "notifications/tools/list_changed" => self.tools_list_changed,
            "notifications/prompts/list_changed" => self.prompts_list_changed,
            "notifications/resources/list_changed" => self.resources_list_changed,
            _ => false,
        }
    }
}

#[derive(Deserialize)]
struct ListenParams {
    notifications: SubscriptionFilter,
}

struct Listener {
    key: u64,
    id: RequestId,
    filter: SubscriptionFilter,
    sink: Sink,
    /// Who holds it, for the per-client bound.
    client: Option<ClientKey>,
}

/// What a client's share of listeners is counted by: its verified subject,
/// else its address; a request with neither counts only against the
/// server's bound.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ClientKey {
    Subject(String),
    Address(IpAddr),
}

impl ClientKey {
    fn of(env: &RequestEnv) -> Option<Self> {
        match crate::auth::caller_subject(&env.extensions) {
            Some(subject) => Some(ClientKey::Subject(subject.to_owned())),
            None => env.client_addr.map(ClientKey::Address),
        }
    }
}

/// The open `subscriptions/listen` streams of a server.
pub(crate) struct Listeners {
    open: Mutex<Vec<Listener>>,
    next: AtomicU64,
    /// Most streams the server holds (`MCP_MAX_LISTENERS`).
    max: usize,
    /// Most streams one client holds (`MCP_MAX_LISTENERS_PER_CLIENT`).
    per_client: usize,
}

impl Listeners {
    /// No listeners yet; the server may hold `max`, each client `per_client`.
    pub(crate) fn new(max: usize, per_client: usize) -> Self {
        Self { open: Mutex::default(), next: AtomicU64::new(0), max, per_client }
    }

    fn open(&self) -> std::sync::MutexGuard<'_, Vec<Listener>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers `listener` unless the server, or its client, holds its
    /// maximum of listeners (checked and added at once).
    fn register(&self, mut listener: Listener) -> Result<Registration<'_>, RpcError> {
        let mut open = self.open();
        if open.len() >= self.max {
            return Err(RpcError::new(
                code::SERVER_FULL,
                format!(
                    "Service Unavailable: the server holds its maximum of {} subscriptions/listen streams \
                     (MCP_MAX_LISTENERS); try again shortly",
                    self.max
                ),
            )
            .with_data(json!({ "limit": self.max })));
        }
        if let Some(client) = &listener.client
            && open.iter().filter(|l| l.client.as_ref() == Some(client)).count() >= self.per_client
        {
            return Err(RpcError::new(
                code::LIMIT_REACHED,
                format!(
                    "Too Many Requests: this client holds its maximum of {} subscriptions/listen streams \
                         (MCP_MAX_LISTENERS_PER_CLIENT)",
                    self.per_client
                ),
            ));
        }
        listener.key = self.next.fetch_add(1, Ordering::Relaxed);
        let key = listener.key;
        open.push(listener);
        Ok(Registration { listeners: self, key })
    }

    /// Sends `method` to every listener whose filter accepts it.
    pub(crate) fn list_changed(&self, method: &str) {
        self.send_where(method, json!({}), |f| f.wants_list_change(method));
    }

    /// Sends `notifications/resources/updated` to listeners subscribed to `uri`.
    pub(crate) fn resource_updated(&self, uri: &str) {
        let wanted = |f: &SubscriptionFilter| f.resource_subscriptions.iter().any(|s| s == uri);
        self.send_where("notifications/resources/updated", json!({ "uri": uri }), wanted);
    }

    fn send_where(&self, method: &str, params: serde_json::Value, wanted: impl Fn(&SubscriptionFilter) -> bool) {
        for listener in self.open().iter().filter(|l| wanted(&l.filter)) {
            let _ = listener.sink.send(Outbound::Message(tagged(method, params.clone(), &listener.id)));
        }
    }
}

/// A notification carrying the subscription id in `params._meta`.
fn tagged(method: &str, mut params: serde_json::Value, id: &RequestId) -> Vec<u8> {
    params["_meta"] = json!({ META_SUBSCRIPTION_ID: id });
    jsonrpc::encode_notification(method, &params)
}

/// Unregisters a listener when its stream ends (the request's future is
/// dropped with the connection).
struct Registration<'a> {
    listeners: &'a Listeners,
    key: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.listeners.open().retain(|l| l.key != self.key);
    }
}

impl Server {
    /// Acknowledges the subscription, then keeps the stream open, delivering
    /// what the filter asked for, until the client goes away.
    /// `tasks` says whether the request declared the tasks extension, and
    /// who is asking: only their tasks are followed.
    /// Resources the caller may not see ([`permits`](Self::permits)) are
    /// left out of what is honored, as unknown ones are: the
    /// acknowledgement says what the stream carries.
    pub(super) async fn listen(
        &self,
        id: &RequestId,
        params: Option<&RawValue>,
        sink: Option<Sink>,
        env: &RequestEnv,
        tasks: TaskWatch,
    ) -> Result<Box<RawValue>, RpcError> {
        let p: ListenParams = decode_params(params)?;
        let sink = sink.ok_or_else(|| RpcError::internal("subscriptions/listen needs a streaming transport"))?;
        let mut honored = p.notifications;
        if !honored.task_ids.is_empty() {
            if !tasks.declared {
                return Err(crate::tasks::tasks_required());
            }
            if honored.task_ids.len() > MAX_WATCHED_TASKS {
                return Err(RpcError::invalid_params(format!("a listener follows at most {MAX_WATCHED_TASKS} tasks")));
            }
            honored.task_ids = self.visible_tasks(honored.task_ids, tasks.owner.as_deref()).await?;
        }
        let uris = &honored.resource_subscriptions;
        if uris.len() > MAX_SUBSCRIPTIONS || uris.iter().any(|u| u.len() > MAX_SUBSCRIBED_URI) {
            return Err(RpcError::invalid_params(format!(
                "a listener follows at most {MAX_SUBSCRIPTIONS} resources, each URI at most {MAX_SUBSCRIBED_URI} bytes"
            )));
        }
        let caller = Caller::of_env(env);
        honored.resource_subscriptions.retain(|uri| self.visible_resource(uri, &caller).is_some());
        let ack = json!({ "notifications": &honored });
        let task_ids = honored.task_ids.clone();
        let listener =
            Listener { key: 0, id: id.clone(), filter: honored, sink: sink.clone(), client: ClientKey::of(env) };
        let _registration = self.inner.listeners.register(listener)?;
        sink.send(Outbound::Message(tagged("notifications/subscriptions/acknowledged", ack, id)))
            .map_err(|_| RpcError::internal("the stream closed"))?;
        self.watch_tasks(task_ids, id, &sink).await;
        std::future::pending().await
    }

    /// Sends `notifications/tasks` with the task as `tasks/get` shows it,
    /// now and whenever its status or message changes (on any replica: the
    /// store is read at each heartbeat), until every task has ended.
    async fn watch_tasks(&self, mut ids: Vec<String>, id: &RequestId, sink: &Sink) {
        let mut seen: Vec<Option<(crate::tasks::TaskStatus, Option<String>)>> = vec![None; ids.len()];
        let beat = self.tasks().options.heartbeat;
        while !ids.is_empty() {
            let mut index = 0;
            while index < ids.len() {
                let task = match self.tasks().store.load(&ids[index]).await {
                    Ok(task) => task,
                    Err(error) => {
                        tracing::warn!(%error, "could not read a followed task");
                        index += 1;
                        continue;
                    }
                };
                let Some(task) = task else {
                    // Expired: nothing more will be said of it.
                    ids.swap_remove(index);
                    seen.swap_remove(index);
                    continue;
                };
                let now = Some((task.status, task.status_message.clone()));
                if seen[index] != now {
                    let params = serde_json::Value::Object(task.detailed());
                    if sink.send(Outbound::Message(tagged("notifications/tasks", params, id))).is_err() {
                        return;
                    }
                    seen[index] = now;
                }
                if task.status.is_terminal() {
                    ids.swap_remove(index);
                    seen.swap_remove(index);
                } else {
                    index += 1;
                }
            }
            tokio::time::sleep(beat).await;
        }
    }

    /// How many `subscriptions/listen` streams are open.
    pub fn listener_count(&self) -> usize {
        self.inner.listeners.open().len()
    }
}
