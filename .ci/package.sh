#!/usr/bin/env bash
# The published crates as crates.io would receive them: `cargo package` for
# each, a look inside every .crate (README, both license files), then a
# project OUTSIDE the workspace that depends on the packaged crates by
# version, not by path, and builds the README examples and every packaged
# crate (libraries and binaries, all features) from the package contents.
#
#   .ci/package.sh      (uses $CARGO_TARGET_DIR when set, else target/)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
# Folders, and the package each holds (published under these names).
folders=(mcp-macros mcp-core mcp-axum mcp-client mcp-openapi mcp-proxy)
crates=(quickmcp-macros quickmcp quickmcp-axum quickmcp-client quickmcp-openapi quickmcp-proxy)
version=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "quickmcp"))')
say() { printf -- '-- %s\n' "$*"; }

say "each published crate has a README.md and the root's LICENSE-MIT and LICENSE-APACHE"
# cargo packages the files under a crate's folder only, so each crate keeps
# copies of the root's license files; they must stay identical.
for folder in "${folders[@]}"; do
  [ -f "$folder/README.md" ] || { echo "$folder/README.md is missing"; exit 1; }
  for license in LICENSE-MIT LICENSE-APACHE; do
    cmp -s "$license" "$folder/$license" || { echo "$folder/$license differs from ./$license (copy it again)"; exit 1; }
  done
done

say "crates.io metadata: description, license, repository, documentation, readme; keywords and categories"
# crates.io refuses more than 5 keywords or categories, and a keyword longer
# than 20 characters or not made of letters, digits, _, - and +.
python3 - "${crates[@]}" <<'PY'
import json, re, subprocess, sys
packages = {p["name"]: p for p in json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--no-deps"]))["packages"]}
bad = []
for name in sys.argv[1:]:
    p = packages[name]
    for key in ("description", "license", "repository", "documentation", "readme"):
        if not p.get(key):
            bad.append(f"{name}: no {key}")
    if not 1 <= len(p["keywords"]) <= 5 or not 1 <= len(p["categories"]) <= 5:
        bad.append(f"{name}: 1 to 5 keywords and categories, not {p['keywords']} {p['categories']}")
    bad += [f"{name}: keyword {k!r}" for k in p["keywords"] if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]{0,19}", k)]
    if "rs" not in ((p.get("metadata") or {}).get("docs") or {}):  # [package.metadata.docs.rs]
        bad.append(f"{name}: no [package.metadata.docs.rs]")
    print(f"{name}: {', '.join(p['keywords'])} | {', '.join(p['categories'])}")
if bad:
    sys.exit("\n".join(bad))
PY

say "cargo package --no-verify (${crates[*]})"
# --no-verify: the scratch build below verifies instead, in one build that
# reuses the workspace's compiled dependencies: it builds every packaged
# crate from its extracted .crate, with [patch.crates-io] pointing the names
# at them (they are not on crates.io yet).
# --allow-dirty: the working tree's files are what gets packaged; a CI clone
# is clean, a local run often is not.
rm -f "$target"/package/quickmcp*.crate
cargo package --workspace --exclude mcp-examples --exclude mcp-integration-tests \
  --no-verify --allow-dirty --quiet

# Outside the workspace, at a path fixed for this checkout: the target
# directory keeps one set of artifacts for the scratch crates, not one a run.
scratch="${TMPDIR:-/tmp}/mcp-package-$(printf %s "$root" | cksum | cut -d' ' -f1)"
rm -rf "$scratch"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/crates"
for crate in "${crates[@]}"; do
  file="$target/package/$crate-$version.crate"
  [ -f "$file" ] || { echo "$file was not produced"; exit 1; }
  listing=$(tar tzf "$file")
  for needed in Cargo.toml README.md LICENSE-MIT LICENSE-APACHE; do
    grep -qx "$crate-$version/$needed" <<<"$listing" || { echo "$file has no $needed"; exit 1; }
  done
  say "$crate-$version.crate: $(wc -l <<<"$listing") files, $(du -k "$file" | cut -f1) KiB"
  tar xzf "$file" -C "$scratch/crates"
  # The Cargo.lock in each .crate (what `cargo install --locked` uses) must
  # name our crates at this version, never another one from crates.io.
  foreign=$(awk -v want="\"$version\"" '/^name = "quickmcp(-[a-z]+)?"$/ {
      name = $3; getline; if ($3 != want) printf "%s %s; ", name, $3 }' "$scratch/crates/$crate-$version/Cargo.lock")
  [ -z "$foreign" ] || { echo "$crate's packaged Cargo.lock takes from crates.io: ${foreign//\"/}"; exit 1; }
done

say "scratch project in $scratch: the README examples on the packaged crates"
# The first ```rust block of a README, as a program (rustdoc's hidden `# `
# lines shown); nothing for a README without one or with `ignore`.
example() { awk '/^```rust/ { if (found) exit; if ($0 ~ /ignore/) exit; inside = 1; found = 1; next }
                 inside && /^```/ { exit }
                 inside { sub(/^# /, ""); sub(/^#$/, ""); print }' "$1"; }
mkdir -p "$scratch/app/src/bin"
example README.md >"$scratch/app/src/main.rs"
[ -s "$scratch/app/src/main.rs" ] || { echo "README.md has no rust example"; exit 1; }
for crate in "${crates[@]}"; do
  example "$scratch/crates/$crate-$version/README.md" >"$scratch/app/src/bin/$crate.rs"
  if [ -s "$scratch/app/src/bin/$crate.rs" ]; then
    say "$crate's README example: app/src/bin/$crate.rs"
  else
    rm "$scratch/app/src/bin/$crate.rs"
    say "$crate's README: no compilable rust example (none, or marked ignore)"
  fi
done

# The extracted crates are members of the scratch workspace (their manifests,
# normalised by cargo package, stand alone), so that `--workspace` builds
# each of them as `cargo package` would verify it; the app depends on them by
# version; [patch.crates-io] points those names at the packaged crates.
{
  echo '[workspace]'
  echo 'resolver = "3"'
  printf 'members = ["app"'; for crate in "${crates[@]}"; do printf ', "crates/%s-%s"' "$crate" "$version"; done; echo ']'
  echo
  echo '[patch.crates-io]'
  for crate in "${crates[@]}"; do echo "$crate = { path = \"crates/$crate-$version\" }"; done
} >"$scratch/Cargo.toml"
cat >"$scratch/app/Cargo.toml" <<EOF
[package]
name = "package-check"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
quickmcp = "0.1"
quickmcp-axum = "0.1"
quickmcp-client = "0.1"
quickmcp-openapi = "0.1"
axum = "0.8"
tokio = { version = "1", features = ["full"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
schemars = "1"
EOF
# The workspace's lock file: the same dependency versions as the workspace's
# build (already compiled in the shared target directory, no index update).
cp Cargo.lock "$scratch/Cargo.lock"
cat "$scratch/Cargo.toml"

say "cargo build --workspace --all-features (in $scratch)"
# The same target directory as the workspace: dependencies are reused.
(cd "$scratch" && CARGO_TARGET_DIR="$target" cargo build --workspace --all-features --quiet)
# The lock file must point our names at the packaged crates, not crates.io's.
if grep -A2 -E '^name = "quickmcp(-[a-z]+)?"$' "$scratch/Cargo.lock" | grep -q '^source'; then
  echo "the scratch build took a quickmcp crate from a registry:"; grep -A2 -E '^name = "quickmcp' "$scratch/Cargo.lock"; exit 1
fi
say "package: ${#crates[@]} crates packaged, built outside the workspace with the README examples"
