#!/usr/bin/env bash
# Prints bench/bench.py's edge manifest (JSON on stdout): how to start the
# edge component on the edge host (edge-host: wasmtime, a fresh instance per
# request, Spin's SQLite-backed stores, reading app-spin/spin.toml), or why
# it cannot be measured here. Three servers: the default component, its bare
# build (`scripts/build-spin.sh --bare`: no store writes per request, the
# baseline that prices them), both with the shipped runtime config
# (app-spin/runtime-config.toml: the key-value store in memory), and the
# default component on Spin's default store file, which is not a database.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT"

skip() { python3 -c 'import json, sys; print(json.dumps({"skip": sys.argv[1]}))' "$1"; exit 0; }

component=app-spin/app_spin.wasm
bare=target/wasm/app_spin_bare.wasm
host="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/edge-host"
work=bench/work/edge
[ -f scripts/build-spin.sh ] || skip "scripts/build-spin.sh does not exist"
# Rebuilt only when missing or older than its sources, so a run never
# measures a stale component and never rebuilds one another check just made.
stale() {
  [ ! -f "$1" ] ||
    [ -n "$(find app-spin/src app-spin/Cargo.toml app-core/src app-core/Cargo.toml Cargo.lock -newer "$1" -print -quit)" ]
}
# The builds print sizes on stdout; stdout here is the manifest.
if stale "$component"; then
  bash scripts/build-spin.sh >&2 || skip "scripts/build-spin.sh failed"
fi
if stale "$bare"; then
  bash scripts/build-spin.sh --bare >&2 || skip "scripts/build-spin.sh --bare failed"
fi
cargo build --release --locked -p edge-host >&2 || skip "cargo build -p edge-host failed"

# Each server gets a state directory of its own, emptied first: every run
# starts from an empty store. The bare component is served from a manifest
# that differs from app-spin/spin.toml in its `source` only.
rm -rf "$work"
mkdir -p "$work/edge" "$work/bare/state" "$work/nokv"
sed "s|^source = \"app_spin.wasm\"$|source = \"$REPO_ROOT/$bare\"|" app-spin/spin.toml >"$work/bare/spin.toml"
grep -q "^source = \"$REPO_ROOT/$bare\"$" "$work/bare/spin.toml" || skip "app-spin/spin.toml has no source = \"app_spin.wasm\" line"
# The store outage case: files that are no database, so every open fails,
# nothing is counted and the component logs one line per request; the
# user's requests must still be served.
for file in sqlite_key_value.db sqlite_db.db; do
  echo "not a database" >"$work/nokv/$file"
done

python3 - "$host" "$REPO_ROOT/app-spin/spin.toml" "$REPO_ROOT/$work" "$REPO_ROOT/app-spin/runtime-config.toml" <<'PY'
import json, sys
host, manifest, work, runtime_config = sys.argv[1:]
def serve(state, spin_toml=manifest, shipped=True):
    argv = [host, "-f", spin_toml, "--listen", "127.0.0.1:{port}", "--state-dir", f"{work}/{state}"]
    return argv + (["--runtime-config-file", runtime_config] if shipped else [])
print(json.dumps({"servers": [
    {"key": "edge", "label": "edge (edge-host, wasmtime)", "argv": serve("edge")},
    {"key": "edge-bare", "label": "edge bare (edge-host, no store writes)",
     "argv": serve("bare/state", f"{work}/bare/spin.toml")},
    {"key": "edge-nokv", "label": "edge (edge-host, store unavailable)", "argv": serve("nokv", shipped=False)},
]}))
PY
