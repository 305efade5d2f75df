#!/usr/bin/env bash
# What can be checked of the declared MSRV (rust-version in Cargo.toml)
# without installing that toolchain, which this machine cannot fetch:
#  1. every crate the published crates build with (normal and build
#     dependencies, all features, as Cargo.lock resolves them) declares a
#     rust-version no newer than ours, or none;
#  2. clippy's `incompatible_msrv` lint, which flags standard-library items
#     newer than rust-version, is never allowed (the clippy step runs it
#     with warnings denied).
# Language features newer than the MSRV are not caught here: only a build
# with that toolchain would (VERSIONING.md says so).
#
#   .ci/msrv.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
status=0
if grep -rn --include='*.rs' --include='*.toml' 'incompatible_msrv' . --exclude-dir=target --exclude-dir=.ci; then
  echo "FAILED: clippy::incompatible_msrv must not be allowed"
  status=1
fi
cargo metadata --format-version 1 --all-features | python3 -c '
import json, sys
meta = json.load(sys.stdin)
published = {"quickmcp", "quickmcp-macros", "quickmcp-axum", "quickmcp-client", "quickmcp-openapi", "quickmcp-proxy"}
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
def version(text):
    parts = [int(x) for x in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))
ours = {packages[i]["rust_version"] for i in nodes if packages[i]["name"] in published}
if len(ours) != 1 or None in ours:
    sys.exit(f"FAILED: the published crates declare rust-version {sorted(map(str, ours))}, expected one value")
msrv = ours.pop()
# Everything reachable from the published crates through normal and build edges.
todo = [i for i in nodes if packages[i]["name"] in published]
seen = set(todo)
while todo:
    for dep in nodes[todo.pop()]["deps"]:
        if any(k["kind"] in (None, "build") for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
            seen.add(dep["pkg"])
            todo.append(dep["pkg"])
declared = [
    (packages[i]["rust_version"], packages[i]["name"], packages[i]["version"])
    for i in seen
    if packages[i]["rust_version"] and packages[i]["name"] not in published
]
newer = sorted(d for d in declared if version(d[0]) > version(msrv))
for rust, name, ver in newer:
    print(f"FAILED: {name} {ver} needs Rust {rust}, newer than our rust-version {msrv}")
highest = max(declared, key=lambda d: version(d[0]))
print(f"msrv: {len(seen) - len(published)} crates built with the published ones, {len(declared)} declare a rust-version; "
      f"the highest is {highest[0]} ({highest[1]} {highest[2]}); ours is {msrv}")
sys.exit(1 if newer else 0)
' || status=1
exit "$status"
