# Shared helpers for the repo's scripts. Source it; do not run it.
# Every install here is idempotent: it only acts when something is missing,
# so the test command works on a fresh Debian 12 machine and is cheap after.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

_apt_updated=""
# ensure_apt PACKAGE... installs the Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$_apt_updated" ]; then
    log "apt-get update"
    apt-get update -qq
    _apt_updated=1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_pip MODULE_SPEC [IMPORT_OR_COMMAND] installs a PyPI tool when its command is absent.
ensure_pip() {
  local spec="$1" command="${2:-$1}"
  command -v "$command" >/dev/null 2>&1 && return 0
  log "pip install $spec"
  python3 -m pip install -q --disable-pip-version-check "$spec"
}

# ensure_cargo_tool CRATE [COMMAND] installs a crates.io binary when absent.
ensure_cargo_tool() {
  local crate="$1" command="${2:-$1}"
  command -v "$command" >/dev/null 2>&1 && return 0
  log "cargo install $crate"
  cargo install --locked -q "$crate"
}
