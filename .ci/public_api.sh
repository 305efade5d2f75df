#!/usr/bin/env bash
# The public API of each published crate, as `cargo public-api` lists it,
# compared with the snapshot committed in api/CRATE.txt: a change to the
# public surface fails here until the snapshot is updated in the same commit,
# so every such change shows in review.
#
#   .ci/public_api.sh            check (CI)
#   .ci/public_api.sh --update   rewrite api/*.txt from the current sources
#
# cargo-public-api reads rustdoc's JSON output, which only nightly rustdoc
# writes. The stable toolchain writes it too when RUSTC_BOOTSTRAP=1 lets it
# take the unstable flag; the JSON format then is that of the stable
# release (57 for Rust 1.95), so cargo-public-api is pinned to the release
# that reads that format (0.52.0, installed --locked: it was published with
# public-api 0.52.0 and rustdoc-types 0.57). A toolchain with another format
# makes it stop with a clear message; move the pin with the toolchain.
# Once a version is tagged, cargo-semver-checks against it is the stronger
# check (VERSIONING.md).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
update=0
[ "${1:-}" = "--update" ] && update=1
# Outside the clone, so that CI's clean clones on one machine build it once.
tools="${XDG_CACHE_HOME:-$HOME/.cache}/quickmcp-ci/cargo-public-api"
PUBLIC_API_VERSION=0.52.0
if ! "$tools/bin/cargo-public-api" --version 2>/dev/null | grep -q "$PUBLIC_API_VERSION"; then
  echo "installing cargo-public-api $PUBLIC_API_VERSION into $tools"
  cargo install --quiet --locked --root "$tools" "cargo-public-api@$PUBLIC_API_VERSION"
fi
# Libraries only: quickmcp-proxy's API is its command line (docs/proxy.md).
crates=(quickmcp-macros quickmcp quickmcp-axum quickmcp-client quickmcp-openapi)
mkdir -p api "$root/.ci/cache"
status=0
for crate in "${crates[@]}"; do
  RUSTC_BOOTSTRAP=1 cargo rustdoc --quiet -p "$crate" --lib --all-features -- -Z unstable-options --output-format json
  json="target/doc/${crate//-/_}.json"
  # -ss: without blanket and auto-trait impls, which change with
  # dependencies rather than with our code.
  listed=$("$tools/bin/cargo-public-api" --rustdoc-json "$json" -ss)
  snapshot="api/$crate.txt"
  if [ "$update" = 1 ]; then
    printf '%s\n' "$listed" >"$snapshot"
    echo "$snapshot: $(wc -l <"$snapshot") items"
  elif ! diff -u "$snapshot" <(printf '%s\n' "$listed") >"$root/.ci/cache/public-api-$crate.diff"; then
    echo "FAILED: the public API of $crate differs from $snapshot:"
    head -n 60 "$root/.ci/cache/public-api-$crate.diff"
    echo "(if the change is meant, run .ci/public_api.sh --update and commit api/)"
    status=1
  else
    echo "ok   $crate: $(wc -l <"$snapshot") public items, as in $snapshot"
  fi
done
exit "$status"
