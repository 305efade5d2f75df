//! `ctx.progress(done).of(total).message("..")`: a progress notification
//! built in one line and sent when awaited.

use super::Context;
use crate::protocol::ProgressParams;
use crate::protocol::jsonrpc;
use std::future::{IntoFuture, Ready, ready};

/// A count of work done or to do: any primitive number.
pub trait ProgressAmount {
    /// The amount as the protocol's number.
    fn amount(self) -> f64;
}

macro_rules! progress_amounts {
    ($($t:ty),*) => {$(
        impl ProgressAmount for $t {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn amount(self) -> f64 {
                self as f64
            }
        }
    )*};
}
progress_amounts!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, f32, f64);

/// A `notifications/progress` for the running request, sent when awaited;
/// nothing is sent when the client did not ask for progress (no
/// `progressToken`). Made by [`Context::progress`].
///
/// ```
/// use quickmcp::prelude::*;
///
/// /// Imports the rows of a file.
/// #[tool]
/// async fn import(ctx: Context, rows: Vec<String>) -> String {
///     for (done, _row) in rows.iter().enumerate() {
///         ctx.progress(done).of(rows.len()).message(format!("row {done}")).await;
///     }
///     ctx.progress(rows.len()).of(rows.len()).await;
///     format!("imported {} rows", rows.len())
/// }
/// ```
#[must_use = "progress is sent when awaited"]
#[derive(Debug)]
pub struct Progress<'a> {
    ctx: &'a Context,
    progress: f64,
    total: Option<f64>,
    message: Option<String>,
}

impl<'a> Progress<'a> {
    pub(super) fn new(ctx: &'a Context, progress: f64) -> Self {
        Self { ctx, progress, total: None, message: None }
    }

    /// Out of `total` (when the total is known).
    pub fn of(mut self, total: impl ProgressAmount) -> Self {
        self.total = Some(total.amount());
        self
    }

    /// What is being done, for people to read.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    fn send(self) {
        if let Some(task) = self.ctx.task_run() {
            // A task reports progress in its status message: the handler's
            // message as written, else how far it got.
            let message = match (self.message, self.total) {
                (Some(message), _) => message,
                (None, Some(total)) => format!("{}/{}", self.progress, total),
                (None, None) => self.progress.to_string(),
            };
            *task.progress.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(message);
            return;
        }
        let Some(token) = self.ctx.progress_token() else {
            return;
        };
        let params = ProgressParams {
            progress_token: token,
            progress: self.progress,
            total: self.total,
            message: self.message.as_deref(),
        };
        self.ctx.send(jsonrpc::encode_notification("notifications/progress", &params));
    }
}

impl IntoFuture for Progress<'_> {
    type Output = ();
    type IntoFuture = Ready<()>;

    /// Sends the notification (queued toward the client, never waiting).
    fn into_future(self) -> Ready<()> {
        self.send();
        ready(())
    }
}
