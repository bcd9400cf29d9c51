#!/usr/bin/env bash
# Prints bench/bench.py's edge manifest (JSON on stdout): how to start the
# edge component on the WASI-HTTP host the tests use (app-spin/host/serve.mjs:
# jco + preview2-shim on Node, a fresh instance per request, Spin's key-value
# semantics), or why it cannot be measured here. Three servers: the default
# component, its bare build (`scripts/build-spin.sh --bare`: no key-value
# increments, the baseline that prices them) and the default component with
# its store unavailable.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT"

skip() { python3 -c 'import json, sys; print(json.dumps({"skip": sys.argv[1]}))' "$1"; exit 0; }

component=app-spin/app_spin.wasm
bare=target/wasm/app_spin_bare.wasm
host=app-spin/host/serve.mjs
[ -f scripts/build-spin.sh ] || skip "scripts/build-spin.sh does not exist"
[ -f "$host" ] || skip "the WASI-HTTP host $host does not exist"
# Rebuilt only when missing or older than its sources, so a run never
# measures a stale component and never rebuilds one another check just made.
stale() {
  [ ! -f "$1" ] || [ ! -d app-spin/host/node_modules ] ||
    [ -n "$(find app-spin/src app-spin/Cargo.toml app-core/src app-core/Cargo.toml Cargo.lock -newer "$1" -print -quit)" ]
}
# The builds print sizes on stdout; stdout here is the manifest.
if stale "$component"; then
  bash scripts/build-spin.sh >&2 || skip "scripts/build-spin.sh failed"
fi
if stale "$bare"; then
  bash scripts/build-spin.sh --bare >&2 || skip "scripts/build-spin.sh --bare failed"
fi
command -v node >/dev/null || skip "node is not installed"

# spin.toml's variable defaults, as `spin up` resolves them; the tests pass
# the same. Without them every request would log "variable unreadable".
variables=()
while IFS= read -r pair; do variables+=("$pair"); done < <(python3 - <<'PY'
import tomllib
manifest = tomllib.load(open("app-spin/spin.toml", "rb"))
for name, spec in manifest.get("variables", {}).items():
    print(f"{name}={spec.get('default', '')}")
PY
)

python3 - "$component" "$bare" "$host" "${variables[@]}" <<'PY'
import json, sys
component, bare, host, *variables = sys.argv[1:]
def serve(store, wasm=component):
    argv = ["node", host, "--component", wasm, "--listen", "127.0.0.1:{port}",
            "--admin", "127.0.0.1:0", "--store", store]
    for pair in variables:
        argv += ["--variable", pair]
    return argv
print(json.dumps({"servers": [
    {"key": "edge", "label": "edge (jco host, KV store)", "argv": serve("default")},
    # The same host and store, the component built without its increments.
    {"key": "edge-bare", "label": "edge bare (jco host, no increments)", "argv": serve("default", bare)},
    # The store outage case: the host grants a label the component does not
    # open, so `open` fails, nothing is counted and the component logs one
    # line per request; the user's requests must still be served.
    {"key": "edge-nokv", "label": "edge (jco host, store unavailable)", "argv": serve("bench-not-granted")},
]}))
PY
