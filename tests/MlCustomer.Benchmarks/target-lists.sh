#!/usr/bin/env bash
# The whole target lists over a database that already holds scoring runs (e.g. the one scoring-run.sh leaves in
# $TMPDIR/mlcustomer-scoring-run/mlcustomer.db after a 1,000,000-customer run; copy it first, that script clears its
# folder when it starts): the API is started on a copy of it and asked, under [callers] concurrent callers with wrk,
#   1. the same whole list again and again (GET /retention/targets?budget=10000, each action's own cost: ~5,000 customers);
#   2. a different whole list on every call: budget 8,000–12,000, save rate 0.20–0.40, each action's own cost or one offer
#      cost of 15–25, and on every other call a filter (a tier, a stage or an action); so no call is the one before it;
#   3. the same as 2 with pages of 50 customers.
# Prints wall latency (p50, p90, p95, p99), the server's CPU per call from /proc and its RSS before and after.
# Usage: bash tests/MlCustomer.Benchmarks/target-lists.sh DATABASE [callers] [seconds]   (defaults 8, 10; PORT= as scoring-run.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
database=$(realpath "$1")
callers=${2:-8}
seconds=${3:-10}
port=${PORT:-5097}
work=${TMPDIR:-/tmp}/mlcustomer-target-lists
rm -rf "$work" && mkdir -p "$work"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cp "$database" "$work/mlcustomer.db"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores); database: $database"
export MlCustomer__DatabasePath="$work/mlcustomer.db" MlCustomer__Workspace__ScoreOnStart=false
export MlCustomer__Limits__RequestsPerKeyPerSecond=1000000 MlCustomer__Limits__RequestsPerKeyBurst=1000000
api_log="$work/api.log"
source tests/MlCustomer.Benchmarks/start-api.sh
scorer="mlc-dev-scorer-0000-do-not-use-in-production"
base="http://127.0.0.1:$port/api/v1"
rss() { ps -o rss= -p "$api" | tr -d ' '; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$api/stat"; }

# Each wrk thread draws its own settings (seeded by its number and \$2, so two runs ask the same sequence; the warm-up asks another).
lua() {
  cat <<LUA
wrk.headers["X-Api-Key"] = "$scorer"
threads = {}
local counter = 0
function setup(thread) counter = counter + 1; thread:set("id", counter); table.insert(threads, thread) end
function init(args) statuses = {}; math.randomseed($2 + id) end
local filters = { "tier=A", "tier=B", "stage=active", "stage=atRisk", "action=vip-retention", "action=targeted-discount" }
function request()
  if "$1" == "same" then return wrk.format("GET", "/api/v1/retention/targets?budget=10000") end
  local path = string.format("/api/v1/retention/targets?budget=%d&saveRate=%.3f", math.random(8000, 12000), 0.2 + math.random() * 0.2)
  if math.random() < 0.5 then path = path .. string.format("&offerCost=%.2f", 15 + math.random() * 10) end
  if math.random() < 0.5 then path = path .. "&" .. filters[math.random(#filters)] end
  if "$1" == "pages" then path = path .. "&pageSize=50" end
  return wrk.format("GET", path)
end
LUA
  # The 95th percentile and every status code answered with how often.
  cat tests/MlCustomer.Benchmarks/wrk-report.lua
}

curl -sS -o "$work/once.json" -w "  first call, the ~5,000-customer list: %{http_code} in %{time_total} s, %{size_download} bytes\n" -H "X-Api-Key: $scorer" "$base/retention/targets?budget=10000"
# Warm-up (not measured): the JIT and the first reads of each kind of call.
for mode in same varied pages; do lua "$mode" 9000 >"$work/$mode.lua"; wrk -t2 -c8 -d10s -s "$work/$mode.lua" "$base" >/dev/null; done
for mode in same varied pages; do
  lua "$mode" 1000 >"$work/$mode.lua"
  before=$(rss)
  cpu_before=$(cpu_ticks)
  echo "$mode lists, $callers concurrent callers, ${seconds}s (RSS before $((before / 1024)) MB; load $(cut -d' ' -f1 /proc/loadavg)):"
  out=$(wrk -t2 -c"$callers" -d"${seconds}s" --timeout 30s --latency -s "$work/$mode.lua" "$base")
  echo "$out" | grep -E 'Latency|50%|90%|95%|99%|Requests/sec|requests in|Non-2xx|Socket|status codes'
  calls=$(echo "$out" | sed -nE 's/^ *([0-9]+) requests in.*/\1/p')
  ticks=$(($(cpu_ticks) - cpu_before))
  echo "  RSS after: $(($(rss) / 1024)) MB; server CPU $((ticks * 10)) ms for $calls calls = $(python3 -c "print(f'{$ticks * 10 / max($calls, 1):.1f}')") ms per call; load after $(cut -d' ' -f1 /proc/loadavg)"
done
