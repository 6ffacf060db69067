#!/usr/bin/env bash
# Compiles infra/main.bicep to dist/infra/main.json (gitignored) and lints every Bicep file.
# Fails on any diagnostic, warnings included: bicepconfig.json raises the linter rules to errors,
# and compiler warnings (e.g. an unknown property or API version) are caught here.
# Usage: infra/build.sh [--skip-lint]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bicep="tools/bicep/bicep.sh"
out="dist/infra/main.json"
mkdir -p "$(dirname "$out")"

# Prints a command's diagnostics and fails if there are any, or if the command failed.
run_clean() {
  local log status
  log="$(mktemp)"
  set +e
  "$@" >"$log" 2>&1
  status=$?
  set -e
  # The restore message from bicep.sh is not a diagnostic.
  if [ "$status" -ne 0 ] || grep -Eq ' : (Warning|Error|Info) ' "$log"; then
    cat "$log" >&2
    rm -f "$log"
    echo "infra/build.sh: '$*' reported diagnostics (exit $status); zero warnings allowed" >&2
    return 1
  fi
  rm -f "$log"
}

"$bicep" --version
run_clean "$bicep" build infra/main.bicep --outfile "$out"
echo "compiled infra/main.bicep -> $out"

if [ "${1:-}" != "--skip-lint" ]; then
  for file in infra/*.bicep infra/modules/*.bicep; do
    run_clean "$bicep" lint "$file"
  done
  echo "linted infra/*.bicep and infra/modules/*.bicep: 0 warnings, 0 errors"
fi
