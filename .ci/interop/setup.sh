# Shared by run.sh and client.sh (sourced, not run): a Python >= 3.10 in
# $python, and the pinned installs under .ci/cache they both reuse. Expects
# $cache (.ci/cache) and $here (.ci/interop) to be set.

stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# A Python >= 3.10 (the 2.x SDK's floor).
python=""
for candidate in python3 python3.13 python3.12 python3.11 python3.10; do
  if command -v "$candidate" >/dev/null 2>&1 &&
    "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    python=$(command -v "$candidate")
    break
  fi
done
if [ -z "$python" ]; then
  echo "interop: no Python >= 3.10 found" >&2
  exit 1
fi

# venv NAME REQUIREMENTS: a venv under .ci/cache with exactly the pinned packages.
venv() {
  local dir="$cache/interop-$1" req="$2" stamp
  stamp="$(stamp_of "$req")-$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  echo "interop: creating $dir from $(basename "$req")"
  rm -rf "$dir"
  "$python" -m venv "$dir" &&
    "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$req" &&
    echo "$stamp" >"$dir/.stamp"
}

# npm_env NAME: node_modules under .ci/cache from the committed package(-lock).json.
npm_env() {
  local dir="$cache/interop-$1" src="$here/$1" stamp
  stamp=$(stamp_of "$src/package.json" "$src/package-lock.json")
  if [ -d "$dir/node_modules" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  echo "interop: installing $dir from $1/package-lock.json"
  rm -rf "$dir"
  mkdir -p "$dir" &&
    cp "$src/package.json" "$src/package-lock.json" "$dir/" &&
    (cd "$dir" && npm ci --silent --no-audit --no-fund >/dev/null) &&
    echo "$stamp" >"$dir/.stamp"
}
