#!/usr/bin/env bash
# Runs the Bicep CLI: the one on PATH if there is one (unless BICEP_FROM_NUGET=1), otherwise the
# version pinned in restore.csproj, restored from NuGet into tools/bicep/packages/ on first use.
# Usage: tools/bicep/bicep.sh <bicep arguments>   e.g. tools/bicep/bicep.sh build infra/main.bicep
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ "${BICEP_FROM_NUGET:-0}" != "1" ] && command -v bicep >/dev/null 2>&1; then
  exec bicep "$@"
fi

version="$(sed -n 's/.*Include="Azure.Bicep.CommandLine.linux-x64" Version="\[\([^]]*\)\]".*/\1/p' "$here/restore.csproj")"
if [ -z "$version" ]; then
  echo "bicep.sh: cannot read the Bicep version from $here/restore.csproj" >&2
  exit 1
fi
binary="$here/packages/azure.bicep.commandline.linux-x64/$version/tools/bicep"

if [ ! -x "$binary" ]; then
  if [ ! -f "$binary" ]; then
    if ! command -v dotnet >/dev/null 2>&1; then
      echo "bicep.sh: neither bicep nor dotnet is on PATH; install one of them (the .NET SDK restores Bicep from NuGet)" >&2
      exit 1
    fi
    echo "bicep.sh: restoring Azure.Bicep.CommandLine.linux-x64 $version from NuGet" >&2
    DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
      dotnet restore "$here/restore.csproj" --packages "$here/packages" --verbosity quiet >&2
  fi
  chmod +x "$binary"
fi

exec "$binary" "$@"
