//! A session-era client's tasks followed for it: `notifications/tasks` on
//! the session's GET stream whenever a task it created changes status or
//! message, as a stateless `subscriptions/listen` stream carries them. The
//! replica that created the task reads the store at each heartbeat, so a
//! change made on any replica or worker process is seen; with shared
//! sessions the notification reaches the GET stream wherever it is held.

use super::{Server, WeakServer};
use crate::protocol::jsonrpc;
use crate::tasks::TaskStatus;
use std::sync::Arc;

impl Server {
    /// Follows task `id` for `session` until the task ends or expires.
    pub(super) fn follow_task(&self, session: String, id: String) {
        tokio::spawn(follow(self.downgrade(), session, id));
    }
}

async fn follow(weak: WeakServer, session: String, id: String) {
    let mut seen: Option<(TaskStatus, Option<String>)> = None;
    loop {
        let Some(server) = weak.upgrade() else { return };
        let tasks = Arc::clone(server.tasks());
        match tasks.store.load(&id).await {
            Ok(None) => return,
            Ok(Some(task)) => {
                let now = Some((task.status, task.status_message.clone()));
                if now != seen {
                    let params = serde_json::Value::Object(task.detailed());
                    let message = jsonrpc::encode_notification("notifications/tasks", &params);
                    server.sessions().notify_standalone(&session, &message).await;
                    seen = now;
                }
                if task.status.is_terminal() {
                    return;
                }
            }
            Err(error) => tracing::debug!(task = %id, %error, "could not read a followed task"),
        }
        drop(server);
        tokio::time::sleep(tasks.options.heartbeat).await;
    }
}
