#!/usr/bin/env bash
# Cold and incremental build times of `cargo build --release --example
# weather`, beside a reference crate that uses what any axum MCP server
# uses (axum, tokio, serde_json, schemars, tracing-subscriber, with the
# workspace's features and versions), each from an empty target directory,
# one after the other, with the crates already downloaded. Then the rebuild
# after editing one tool of the weather example (its description), in
# release and in debug (incremental, as `cargo run` builds).
#
#   bench/build/cold.sh [--rounds N] [--out FILE]
#
# Prints a markdown table (and writes it to FILE if given). Build times
# depend on the machine: read the ratio, not the seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
rounds=1
out=
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds N] [--out FILE]" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d /tmp/cold-build.XXXXXX)
tool_file=examples/weather/mod.rs
cp "$tool_file" "$work/tool.rs.orig"
restore() { cp "$work/tool.rs.orig" "$root/$tool_file"; rm -rf "$work"; }
trap restore EXIT

# The reference crate: the same dependency versions (the workspace's lock
# file, pruned by cargo) and features as the workspace declares.
mkdir -p "$work/reference/src"
cat >"$work/reference/Cargo.toml" <<'TOML'
[package]
name = "reference"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
axum = { version = "0.8", default-features = false, features = ["http1", "json", "tokio", "query"] }
tokio = { version = "1", features = ["rt-multi-thread", "macros", "net", "sync", "time", "signal"] }
serde = { version = "1", features = ["derive"] }
serde_json = { version = "1", features = ["raw_value"] }
schemars = { version = "1", default-features = false, features = ["derive", "std"] }
tracing-subscriber = { version = "0.3", default-features = false, features = ["fmt", "env-filter", "ansi"] }

[workspace]
TOML
cat >"$work/reference/src/main.rs" <<'RS'
use axum::{Json, Router, routing::post};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Args {
    city: String,
}

async fn call(Json(args): Json<Args>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "city": args.city, "schema": schemars::schema_for!(Args) }))
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new("info")).init();
    let app = Router::new().route("/call", post(call));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
RS
cp Cargo.lock "$work/reference/Cargo.lock"
(cd "$work/reference" && cargo fetch -q)
cargo fetch -q

# seconds SECONDS-VAR COMMAND...: runs the command, stores the wall time.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.1f}')"
}

rows=()
for round in $(seq 1 "$rounds"); do
  rm -rf "$work/target-ref" "$work/target-ours"
  ref=$(seconds env CARGO_TARGET_DIR="$work/target-ref" cargo build --release --offline --manifest-path "$work/reference/Cargo.toml")
  ours=$(seconds env CARGO_TARGET_DIR="$work/target-ours" cargo build --release --offline --locked --example weather)
  ratio=$(python3 -c "print(f'{$ours / $ref:.2f}')")
  echo "round $round: reference ${ref} s, weather ${ours} s, ratio ${ratio}" >&2
  rows+=("| cold, release | $round | $ref s | $ours s | **${ratio}×** |")
done

# One edit to a tool: the description of `get_weather` changes (so its
# macro expansion and code do), and the example is rebuilt.
edit() { sed -i "s|^/// Current weather for a city.*|/// Current weather for a city (demo data, edit $(date +%s%N)).|" "$root/$tool_file"; }
edit
release=$(seconds env CARGO_TARGET_DIR="$work/target-ours" cargo build --release --offline --locked --example weather)
CARGO_TARGET_DIR="$work/target-ours" cargo build --offline --locked --example weather >"$work/build.log" 2>&1
edit
debug=$(seconds env CARGO_TARGET_DIR="$work/target-ours" cargo build --offline --locked --example weather)
echo "rebuild after one edit: release ${release} s, debug ${debug} s" >&2

{
  echo "| build | round | reference | weather | ratio |"
  echo "| ----- | ----: | --------: | ------: | ----: |"
  printf '%s\n' "${rows[@]}"
  echo
  echo "| rebuild after editing \`$tool_file\` | seconds |"
  echo "| ----- | ------: |"
  echo "| release | $release s |"
  echo "| debug | $debug s |"
} | tee ${out:+"$out"}
