#!/usr/bin/env bash
# Page timings of the marketing workspace on a generated customer base, through the Release API.
# Starts the API on a fresh database whose data files are [data] (a folder written by the console's
# `generate --customers N -o DATA`), stores two scoring runs (the data's end, and 90 days earlier, for the movement page),
# signs in with the Development marketing key (cookie session, antiforgery token from the sign-in form) and GETs every
# page [calls] times one after the other: for each page the first call (which may fill a cache: the run's target
# candidates, the movement between the two runs) and then the median and worst wall time of the next calls, and the
# server's CPU time per call (utime + stime of the API process from /proc over those calls: the fair figure on a shared box).
# Then it restarts the API on the same database and times the first calls of the pages that read a run's kept data (the
# movement page, a category's list, the planner), after the start-up warm-up (MlCustomer:Workspace:WarmUpOnStart) has ended
# (its log line; at most 120 s), with the warm-up's own wall and the server's CPU from ready to warmed.
# Usage: bash tests/MlCustomer.Benchmarks/workspace-pages.sh DATA [calls]   (default 10; PORT= overrides the port, default 5098)
# With REUSE_DATABASE=FILE (e.g. the database scoring-run.sh left after a run of the same DATA) the run at the data's end
# is that file's latest succeeded run (copied, not changed) and only the earlier run is scored here.
# With RESTART_ONLY=1 and REUSE_DATABASE=FILE holding two succeeded runs (e.g. the database this script left in
# ${TMPDIR:-/tmp}/mlcustomer-workspace-pages), only the after-a-restart timings are taken.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=$(realpath "$1")
calls=${2:-10}
port=${PORT:-5098}
work=${TMPDIR:-/tmp}/mlcustomer-workspace-pages
rm -rf "$work" && mkdir -p "$work"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores); data: $data"

export MlCustomer__TransactionsPath="$data/transactions.csv" MlCustomer__CustomersPath="$data/customers.csv"
if [ -f "$data/service-events.csv" ]; then export MlCustomer__ServiceEventsPath="$data/service-events.csv"; else export MlCustomer__ServiceEventsPath=""; fi
export MlCustomer__DatabasePath="$work/mlcustomer.db"
# No start-up run (this script starts its own two) and no rate limit in the way of the timings.
export MlCustomer__Workspace__ScoreOnStart=false
export MlCustomer__Limits__RequestsPerKeyPerSecond=1000000 MlCustomer__Limits__RequestsPerKeyBurst=1000000
api_log="$work/api.log"
if [ -n "${REUSE_DATABASE:-}" ]; then cp "$REUSE_DATABASE" "$work/mlcustomer.db"; fi
admin="mlc-dev-admin-0000-do-not-use-in-production"
marketing="mlc-dev-marketing-0000-do-not-use-in-production"
site="http://127.0.0.1:$port"
base="$site/api/v1"
if [ -z "${RESTART_ONLY:-}" ]; then
source tests/MlCustomer.Benchmarks/start-api.sh

run() {
  local id body
  id=$(curl -sS -X POST -H "X-Api-Key: $admin" -H "Content-Type: application/json" -d "$1" "$base/scoring-runs" | sed -E 's/.*"id":"([^"]+)".*/\1/')
  while :; do
    body=$(curl -sS -H "X-Api-Key: $admin" "$base/scoring-runs/$id")
    case "$body" in *'"status":"succeeded"'*|*'"status":"failed"'*) break ;; esac
    sleep 1
  done
  echo "$body"
}
if [ -n "${REUSE_DATABASE:-}" ]; then
  latest=$(curl -sS -H "X-Api-Key: $admin" "$base/scoring-runs" | python3 -c '
import json, sys
body = json.load(sys.stdin)
runs = body["runs"] if isinstance(body, dict) else body
print(json.dumps(next(r for r in runs if r["status"] == "succeeded"), separators=(",", ":")))')
else
  latest=$(run '{}')
fi
as_of=$(echo "$latest" | sed -E 's/.*"asOfDate":"([0-9-]+)".*/\1/')
customers=$(echo "$latest" | sed -E 's/.*"customersScored":([0-9]+).*/\1/')
earlier=$(date -d "$as_of -90 days" +%F)
echo "run 1: as of $as_of, $customers customers: $(echo "$latest" | grep -o '"status":"[a-z]*"')"
echo "run 2: as of $earlier: $(run "{\"asOfDate\":\"$earlier\"}" | grep -o '"status":"[a-z]*"')"

# Sign in as a person would: the form's antiforgery token and cookie, then the key exchanged for the session cookie.
jar="$work/cookies.txt"
token=$(curl -sS -c "$jar" "$site/sign-in" | grep -o 'name="__RequestVerificationToken" type="hidden" value="[^"]*"' | sed -E 's/.*value="([^"]*)"/\1/')
curl -sS -b "$jar" -c "$jar" -o /dev/null -w "sign-in: %{http_code}\n" --data-urlencode "Key=$marketing" --data-urlencode "__RequestVerificationToken=$token" "$site/sign-in"
customer=$(curl -sS -H "X-Api-Key: $marketing" "$base/customers?pageSize=1" | sed -E 's/.*"customerId":"([^"]+)".*/\1/')
prefix=${customer:0:4}

cpu_ms() { awk '{ print ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"' }' "/proc/$api/stat"; }
printf '| page | status | bytes | first call (ms) | median (ms) | worst (ms) | server CPU per call (ms) |\n|---|---|---|---|---|---|---|\n'
for path in "/" "/segments" "/scoring-runs" "/customers?id=$prefix" "/customers/$customer" \
  "/planner?budget=10000" "/planner?budget=10000&saveRate=0.4&tier=B" "/planner?budget=10000&pageNumber=20" "/planner?handler=csv&budget=10000" "/planner?handler=xlsx&budget=10000" \
  "/movement" "/movement/customers?category=loyal" "/movement/customers?category=loyal&pageNumber=10"; do
  first=$(curl -sS -b "$jar" -o "$work/page.html" -w '%{http_code} %{size_download} %{time_total}' "$site$path")
  before=$(cpu_ms)
  times=()
  for _ in $(seq 1 "$calls"); do
    times+=("$(curl -sS -b "$jar" -o /dev/null -w '%{time_total}' "$site$path")")
  done
  after=$(cpu_ms)
  printf '%s\n' "${times[@]}" | sort -n >"$work/times.txt"
  read -r status bytes first_s <<<"$first"
  median=$(awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] * 1000 }' "$work/times.txt")
  worst=$(tail -1 "$work/times.txt" | awk '{ print $1 * 1000 }')
  cpu=$(awk "BEGIN { printf \"%.1f\", ($after - $before) / $calls }")
  printf '| `%s` | %s | %s | %.0f | %.0f | %.0f | %s |\n' "$path" "$status" "$bytes" "$(awk "BEGIN { print $first_s * 1000 }")" "$median" "$worst" "$cpu"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); server RSS: $(($(ps -o rss= -p "$api" | tr -d ' ') / 1024)) MB"

fi

# After a restart (nothing in the server's memory but what the start-up warm-up puts there): the movement page's first
# call reads the comparison's summary the worker stored when the later run ended; a category's list needs both runs'
# movement facts merged, and the planner the run's target candidates: the warm-up does both, or the first calls do.
if [ -z "${RESTART_ONLY:-}" ]; then kill "$api" && wait "$api" 2>/dev/null || true; fi
source tests/MlCustomer.Benchmarks/start-api.sh
cpu_ms() { awk '{ print ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"' }' "/proc/$api/stat"; }
ready_cpu=$(cpu_ms)
for _ in $(seq 1 120); do
  if grep -q -E "Workspace warmed up|warm-up failed" "$api_log"; then break; fi
  if ! grep -q "Workspace warmed up" src/MlCustomer.Api/Workspace/WorkspaceWarmUp.cs 2>/dev/null; then break; fi
  sleep 1
done
echo "after a restart: $(grep -o -E "Workspace warmed up.*in [0-9]+ ms|warm-up failed" "$api_log" || echo "no warm-up"); server CPU from ready to now $(awk "BEGIN { printf \"%.0f\", $(cpu_ms) - $ready_cpu }") ms; load $(cut -d' ' -f1-3 /proc/loadavg)"
jar="$work/cookies.txt"
token=$(curl -sS -c "$jar" "$site/sign-in" | grep -o 'name="__RequestVerificationToken" type="hidden" value="[^"]*"' | sed -E 's/.*value="([^"]*)"/\1/')
curl -sS -b "$jar" -c "$jar" -o /dev/null --data-urlencode "Key=$marketing" --data-urlencode "__RequestVerificationToken=$token" "$site/sign-in"
for path in "/movement" "/movement/customers?category=loyal" "/planner?budget=10000" "/planner?budget=10000&saveRate=0.4&tier=B"; do
  before=$(cpu_ms)
  curl -sS -b "$jar" -o /dev/null -w "after a restart, first call $path: %{http_code} in %{time_total} s" "$site$path"
  echo ", server CPU $(awk "BEGIN { printf \"%.0f\", $(cpu_ms) - $before }") ms"
done
# Paging through a category's list after those first calls: the list is found once per comparison, then read.
for path in "/movement/customers?category=loyal&pageNumber=10" "/movement/customers?category=sleeping&pageNumber=2"; do
  before=$(cpu_ms)
  times=()
  for _ in $(seq 1 10); do times+=("$(curl -sS -b "$jar" -o /dev/null -w '%{time_total}' "$site$path")"); done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] * 1000 }')
  echo "after a restart, 10 calls of $path: median $median ms, server CPU per call $(awk "BEGIN { printf \"%.1f\", ($(cpu_ms) - $before) / 10 }") ms"
done
