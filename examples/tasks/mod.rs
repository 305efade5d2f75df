//! Long-running work as MCP tasks (the tasks extension, SEP-2663): a
//! client that declares the extension gets a task handle at once for
//! `distributed_compute`, then polls `tasks/get` (or reads
//! `task://status/{task_id}`) for progress and the result, and may cancel
//! with `tasks/cancel`. A pool of workers runs several tasks at once.
//!
//! With `REDIS_URL` set (and `--features redis`) tasks live in Redis and
//! their work is queued on a Redis Stream: every replica answers for every
//! task, any replica's workers pick up queued work, and a task whose worker
//! died is taken over by another replica and run once more. `main.rs`
//! serves it: `cargo run --example tasks`.

mod compute;

use compute::{Jacobi, MAX_LIMIT, SEGMENT};
use quickmcp::prelude::*;
use quickmcp::server::ServerBuilder;
use quickmcp::tasks::{TaskOptions, TaskStore};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to compute.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskType {
    /// Count the primes up to `data.limit` (at most 2 000 000 000).
    PrimeSieve,
    /// The singular values of `data.matrix` (rows of numbers), or of a
    /// random `data.size`×`data.size` matrix from `data.seed` (side at most 400).
    Svd,
}

/// The input of a computation; which members count depends on the type.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct ComputeData {
    /// `prime_sieve`: the largest number to test.
    pub limit: Option<u64>,
    /// `svd`: the matrix, as rows.
    pub matrix: Option<Vec<Vec<f64>>>,
    /// `svd`: the side of a random matrix (instead of `matrix`).
    pub size: Option<usize>,
    /// `svd`: the seed of the random matrix.
    pub seed: Option<u64>,
}

/// What a computation found.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ComputeReport {
    /// The task type.
    pub task_type: String,
    /// The answer, in words.
    pub summary: String,
    /// The numbers behind it.
    pub values: Vec<f64>,
    /// Steps run (sieve segments, Jacobi sweeps).
    pub steps: u64,
    /// Time spent, in milliseconds.
    pub elapsed_ms: u64,
}

fn failed(message: impl Into<String>) -> ToolError {
    ToolError::new(message)
}

/// Runs a CPU-heavy computation as a task: a prime sieve or the singular
/// values of a matrix. Reports progress; gives up after `timeout` seconds
/// (default 600).
#[tool(task, retries = 1, annotations(read_only, idempotent))]
pub async fn distributed_compute(
    ctx: Context,
    task_type: TaskType,
    data: ComputeData,
    timeout: Option<f64>,
) -> Result<Json<ComputeReport>, ToolError> {
    let limit = Duration::from_secs_f64(timeout.unwrap_or(600.0).clamp(0.001, 3600.0));
    let started = Instant::now();
    let work = async {
        match task_type {
            TaskType::PrimeSieve => sieve(&ctx, data).await,
            TaskType::Svd => svd(&ctx, data).await,
        }
    };
    let mut report = tokio::time::timeout(limit, work)
        .await
        .map_err(|_| failed(format!("gave up after the timeout of {} s", limit.as_secs_f64())))??;
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(Json(report))
}

/// Runs one step of CPU work off the async threads.
async fn step<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ToolError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| failed(format!("a step of the computation failed: {e}")))
}

async fn sieve(ctx: &Context, data: ComputeData) -> Result<ComputeReport, ToolError> {
    let limit = data.limit.ok_or_else(|| failed("prime_sieve needs `data.limit`"))?;
    if !(2..=MAX_LIMIT).contains(&limit) {
        return Err(failed(format!("`data.limit` is 2 to {MAX_LIMIT}")));
    }
    let base = Arc::new(step(move || compute::base_primes(limit)).await?);
    let segments = (limit + 1).div_ceil(SEGMENT);
    let (mut count, mut largest) = (0, None);
    for segment in 0..segments {
        let (low, high) = (segment * SEGMENT, ((segment + 1) * SEGMENT).min(limit + 1));
        let base = Arc::clone(&base);
        let (found, last) = step(move || compute::sieve_segment(low, high, &base)).await?;
        count += found;
        largest = last.or(largest);
        ctx.progress(segment + 1).of(segments).message(format!("sieved up to {}", high - 1)).await;
    }
    let largest = largest.unwrap_or_default();
    Ok(ComputeReport {
        task_type: "prime_sieve".into(),
        summary: format!("{count} primes up to {limit}; the largest is {largest}"),
        values: vec![count as f64, largest as f64],
        steps: segments,
        elapsed_ms: 0,
    })
}

/// Sweeps at most, for matrices that converge slowly.
const MAX_SWEEPS: u64 = 60;

async fn svd(ctx: &Context, data: ComputeData) -> Result<ComputeReport, ToolError> {
    let matrix = match (data.matrix, data.size) {
        (Some(rows), _) => Jacobi::from_rows(&rows),
        (None, Some(size)) => Jacobi::random(size, data.seed.unwrap_or(1)),
        (None, None) => Err("svd needs `data.matrix` or `data.size`".into()),
    };
    let mut matrix = matrix.map_err(failed)?;
    let width = matrix.width();
    let mut sweeps = 0;
    loop {
        let (after, rotations) = step(move || {
            let rotations = matrix.sweep();
            (matrix, rotations)
        })
        .await?;
        matrix = after;
        sweeps += 1;
        ctx.progress(sweeps).message(format!("{rotations} rotations in sweep {sweeps}")).await;
        if rotations == 0 || sweeps == MAX_SWEEPS {
            break;
        }
    }
    let values = matrix.singular_values();
    let condition = values.first().zip(values.last()).map_or(f64::NAN, |(a, b)| a / b);
    Ok(ComputeReport {
        task_type: "svd".into(),
        summary: format!(
            "{width} singular values in {sweeps} sweeps; the largest {:.6}, condition number {condition:.3e}",
            values[0]
        ),
        values: values.into_iter().take(16).collect(),
        steps: sweeps,
        elapsed_ms: 0,
    })
}

/// The status of a task, as `tasks/get` shows it (visible to its creator
/// only).
#[resource("task://status/{task_id}", mime = "application/json")]
pub async fn task_status(ctx: Context, task_id: String) -> Result<Json<serde_json::Value>, ResourceError> {
    match ctx.server().task_status(&task_id, &ctx).await {
        Ok(task) => Ok(Json(serde_json::Value::Object(task))),
        Err(_) => Err(ResourceError::not_found(&format!("task://status/{task_id}"))),
    }
}

/// The server's tools and resources, on `store`; the task settings come
/// from `MCP_TASK_*` unless `options` replaces them. Tests add tools of
/// their own.
pub fn builder(store: impl TaskStore, options: Option<TaskOptions>) -> ServerBuilder {
    let builder = Server::builder("tasks", env!("CARGO_PKG_VERSION"))
        .instructions(
            "Call distributed_compute for heavy work: you get a task; poll tasks/get or read task://status/{task_id}.",
        )
        .tools(tools![distributed_compute])
        .resources(resources![task_status])
        .task_store(store);
    match options {
        Some(options) => builder.tasks(options),
        None => builder,
    }
}
