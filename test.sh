#!/usr/bin/env bash
# Runs every test of Conduit and ends with one line: "N passed, M failed, K skipped".
# Installs what the tests need first (only what is missing), so it works on a fresh machine as written.
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

need_apt=()
command -v dotnet >/dev/null || { echo "test.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
# --- slack-node (apt part: node and npm for tests/slack-node) ---
{ command -v node >/dev/null && command -v npm >/dev/null; } || need_apt+=(nodejs npm)
# --- end slack-node (apt part) ---
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# --- slack-node (simulator conformance with the official @slack/webhook client) ---
( cd tests/slack-node && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } ) || { echo "test.sh: npm ci failed in tests/slack-node" >&2; exit 1; }
# --- end slack-node ---

results="$(pwd)/TestResults"
rm -rf "$results"
dotnet test Conduit.slnx --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx "$results"/**/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the build or the test host failed before any result was written
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
