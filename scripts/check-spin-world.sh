#!/usr/bin/env bash
# check-spin-world.sh WORLD: fails unless the component world WORLD (the
# `import ...;`/`export ...;` lines scripts/build-spin.sh writes from
# `wasm-tools component wit`) asks a host only for what every Spin 3.x/4.x
# and containerd-shim-spin provide, and exports exactly the WASI 0.2 HTTP
# handler. Prints the WASI versions it imports.
#
# Allowed: WASI 0.2 CLI/IO/clocks/random/filesystem and wasi:http/types at
# any 0.2.x (wasmtime's linker resolves an import by its semver-compatible
# name, 0.2, so a host that defines 0.2.0 serves a 0.2.6 import as long as
# only functions 0.2.0 has are imported; the component type check enforces
# that at instantiation), Spin's variables and SQLite interfaces at 2.0.0
# and WASI key-value at 0.2.0-draft2 (all in every Spin 3.x/4.x:
# crates/factor-variables, crates/factor-sqlite, crates/factor-key-value).
source "$(dirname "$0")/lib.sh"

world="${1:?usage: check-spin-world.sh WORLD}"
[ -s "$world" ] || die "$world: no component world (was scripts/build-spin.sh run?)"
allowed='^import (wasi:(io|clocks|cli|filesystem|random)/[a-z-]+@0\.2\.[0-9]+|wasi:http/types@0\.2\.[0-9]+|wasi:keyvalue/(store|atomics|batch)@0\.2\.0-draft2|fermyon:spin/(variables|sqlite)@2\.0\.0);$'
unexpected="$(grep '^import ' "$world" | grep -Ev "$allowed" || true)"
[ -z "$unexpected" ] || die "$world: the component imports something Spin may not provide: $unexpected"
grep -qx 'export wasi:http/incoming-handler@0.2.0;' "$world" || die "$world: no wasi:http/incoming-handler@0.2.0 export"
[ "$(grep -c '^export ' "$world")" -eq 1 ] || die "$world: unexpected exports: $(grep '^export ' "$world")"
log "$world: imports only what Spin 3.x/4.x provide; WASI packages imported:" \
  "$(sed -n 's/^import \(wasi:[a-z-]*\)\/[^@]*\(@[^;]*\);$/\1\2/p' "$world" | sort -u | paste -sd' ')"
