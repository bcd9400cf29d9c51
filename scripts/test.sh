#!/usr/bin/env bash
# The one test command: installs what the tests need, then runs every check
# under scripts/checks/ in order. Usage: scripts/test.sh [CHECK-NAME-FILTER]
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

filter="${1:-}"
log "setup (scripts/setup.sh)"
bash scripts/setup.sh
passed=0
failed=0
failures=()
for check in scripts/checks/*.sh; do
  name="$(basename "$check" .sh)"
  [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
  log "check: $name"
  start=$SECONDS
  if bash "$check"; then
    passed=$((passed + 1))
    log "check: $name passed ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    log "check: $name FAILED ($((SECONDS - start)) s)"
  fi
done

[ ${#failures[@]} -eq 0 ] || printf 'failed checks: %s\n' "${failures[*]}"
echo "checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
