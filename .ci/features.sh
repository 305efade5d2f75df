#!/usr/bin/env bash
# Feature matrix of the published crates: `cargo check` of each with
# --no-default-features, then with each of its features alone (defaults off),
# features read from `cargo metadata`. A warning fails like an error: a
# feature combination that leaves an import unused is a bug.
#
#   .ci/features.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
crates=(quickmcp-macros quickmcp quickmcp-axum quickmcp-client quickmcp-openapi quickmcp-proxy)
metadata=$(cargo metadata --format-version 1 --no-deps)
status=0 runs=0
check() {  # crate, then cargo's feature arguments
  local crate=$1 out
  shift
  runs=$((runs + 1))
  printf -- '-- cargo check -p %s %s\n' "$crate" "$*"
  if ! out=$(cargo check --quiet --message-format short -p "$crate" "$@" 2>&1); then
    echo "$out"; echo "FAILED: cargo check -p $crate $*"; status=1
  elif grep -q 'warning' <<<"$out"; then
    echo "$out"; echo "FAILED (warnings): cargo check -p $crate $*"; status=1
  fi
}
for crate in "${crates[@]}"; do
  features=$(python3 -c '
import json, sys
package = next(p for p in json.loads(sys.argv[1])["packages"] if p["name"] == sys.argv[2])
print(" ".join(sorted(f for f in package["features"] if f != "default")))' "$metadata" "$crate")
  echo "$crate: features: ${features:-(none)}"
  check "$crate" --no-default-features
  for feature in $features; do
    check "$crate" --no-default-features --features "$feature"
  done
done
echo "features: $runs checks"
exit "$status"
