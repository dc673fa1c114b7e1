#!/usr/bin/env bash
# A whole scoring run of a generated customer base through the Release API, then the views over it under load.
# Starts the API on a fresh database with MlCustomer:TransactionsPath/CustomersPath pointing at [data] (a folder
# written by the console's `generate --customers N -o DATA`), starts [runs] scoring runs one after the other and
# prints each run's timings (load, features, scoring, storing; customers/s after loading = customers ÷ (features +
# scoring + storing)), the server's peak RSS during the run, the database size and bytes per customer, then
# GET /tiers/summary and GET /retention/targets (budget 10,000) under [callers] concurrent callers with wrk.
# Usage: bash tests/MlCustomer.Benchmarks/scoring-run.sh DATA [runs] [callers] [seconds]   (defaults 1, 8, 10; PORT= and TMPDIR= keep
# two benchmarks on one machine apart: the port, default 5097, and the work folder under TMPDIR)
# On PostgreSQL instead of the SQLite file: run it under .ci/postgres.sh with BENCH_POSTGRES=1 (a fresh database on the
# throw-away server is the store, MlCustomer:Storage:PostgreSql; sizes are pg_total_relation_size after VACUUM ANALYZE; the
# server's own CPU during each run is printed too, postgres-cpu.sh):
#   BENCH_POSTGRES=1 bash .ci/postgres.sh bash tests/MlCustomer.Benchmarks/scoring-run.sh DATA 1 8 10
set -euo pipefail
cd "$(dirname "$0")/../.."
data=$(realpath "$1")
runs=${2:-1}
callers=${3:-8}
seconds=${4:-10}
port=${PORT:-5097}
work=${TMPDIR:-/tmp}/mlcustomer-scoring-run
rm -rf "$work" && mkdir -p "$work"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores); data: $data"

export MlCustomer__TransactionsPath="$data/transactions.csv" MlCustomer__CustomersPath="$data/customers.csv"
# The data set's own service events when it has them (generators since point-in-time service history write them), else none:
# never the repository's sample events, which belong to other customers.
if [ -f "$data/service-events.csv" ]; then export MlCustomer__ServiceEventsPath="$data/service-events.csv"; else export MlCustomer__ServiceEventsPath=""; fi
export MlCustomer__DatabasePath="$work/mlcustomer.db"
if [ -n "${BENCH_POSTGRES:-}" ]; then
  psql_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql
  bench_db="bench_$(date +%s)"
  "$psql_bin" "$(echo "$MLCUSTOMER_TEST_POSTGRES" | sed -E 's/Host=([^;]*);Port=([^;]*);Username=([^;]*);Database=([^;]*)/host=\1 port=\2 user=\3 dbname=\4/')" -qc "CREATE DATABASE $bench_db"
  pg_conninfo="$(echo "$MLCUSTOMER_TEST_POSTGRES" | sed -E "s/Host=([^;]*);Port=([^;]*);Username=([^;]*);Database=([^;]*)/host=\1 port=\2 user=\3 dbname=$bench_db/")"
  export MlCustomer__Storage__PostgreSql="${MLCUSTOMER_TEST_POSTGRES%Database=*}Database=$bench_db"
  echo "store: PostgreSQL database $bench_db"
  source tests/MlCustomer.Benchmarks/postgres-cpu.sh
fi
# No start-up run (on by default in Development): the database holds only the runs measured here.
export MlCustomer__Workspace__ScoreOnStart=false
# The per-key rate limit is raised so the load measures the views, not 429s; long runs are not cut by the timeout.
export MlCustomer__Limits__RequestsPerKeyPerSecond=1000000 MlCustomer__Limits__RequestsPerKeyBurst=1000000
api_log="$work/api.log"
source tests/MlCustomer.Benchmarks/start-api.sh
admin="mlc-dev-admin-0000-do-not-use-in-production"
scorer="mlc-dev-scorer-0000-do-not-use-in-production"
base="http://127.0.0.1:$port/api/v1"
rss() { ps -o rss= -p "$api" | tr -d ' '; }
# The server's CPU time (user + system, clock ticks) from /proc: what a call costs whatever the neighbours do.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$api/stat"; }
echo "server RSS when ready: $(($(rss) / 1024)) MB"

for run in $(seq 1 "$runs"); do
  samples="$work/rss-$run.txt"
  : >"$samples"
  (while kill -0 "$api" 2>/dev/null; do rss >>"$samples"; sleep 0.2; done) &
  sampler=$!
  [ -n "${BENCH_POSTGRES:-}" ] && pg_before=$(postgres_cpu_ticks)
  id=$(curl -sS -X POST -H "X-Api-Key: $admin" -H "Content-Type: application/json" -d '{}' "$base/scoring-runs" | sed -E 's/.*"id":"([^"]+)".*/\1/')
  while :; do
    body=$(curl -sS -H "X-Api-Key: $scorer" "$base/scoring-runs/$id")
    case "$body" in *'"status":"succeeded"'*|*'"status":"failed"'*) break ;; esac
    sleep 0.5
  done
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  echo "run $run: $body" | sed -E 's/"driftShifted":\[[^]]*\],?//' | cut -c1-900
  echo "$body" | python3 -c '
import json, sys
r = json.load(sys.stdin); t = r["timings"]; n = r["customersScored"] or 0
load, f, s, st = (t.get(k) or 0 for k in ("loadMilliseconds", "featuresMilliseconds", "scoringMilliseconds", "storingMilliseconds"))
after = f + s + st
print(f"  customers {n:,}; load {load} ms; features {f} ms; scoring {s} ms; storing {st} ms")
print(f"  after loading: {after} ms = {n / after * 1000 if after else 0:,.0f} customers/s")'
  echo "  server RSS during the run: start $(($(head -1 "$samples") / 1024)) MB, peak $(($(sort -n "$samples" | tail -1) / 1024)) MB, end $(($(rss) / 1024)) MB"
  grep -F "$id steps" "$api_log" | sed -E 's/.*steps/  steps/' || true
  grep -F "$id stored" "$api_log" | sed -E 's/.*CPU after loading ([0-9]+) ms(; garbage collection after loading: )?(.*)/  process CPU after loading: \1 ms \(\3\)/' || true
  if [ -n "${BENCH_POSTGRES:-}" ]; then
    customers=$(echo "$body" | sed -E 's/.*"customersScored":([0-9]+).*/\1/')
    echo "  PostgreSQL server CPU during the run (loading included): $(( ($(postgres_cpu_ticks) - pg_before) * 10 )) ms"
    "$psql_bin" "$pg_conninfo" -qc "VACUUM ANALYZE" >/dev/null
    "$psql_bin" "$pg_conninfo" -At -F' ' -c "
      SELECT pg_database_size(current_database()),
             (SELECT COUNT(*) FROM scoring_runs WHERE score_key IS NOT NULL),
             pg_total_relation_size('customer_scores'), pg_indexes_size('customer_scores'),
             pg_total_relation_size('run_target_candidates') + pg_total_relation_size('run_movement_facts')" |
      while read -r database runs_stored scores indexes blobs; do
        python3 -c "
c, r = $customers, $runs_stored
print(f'  PostgreSQL database: {$database / 2**20:,.0f} MB after {r} run(s); customer_scores with its indexes and TOAST '
      f'{$scores / c / r:,.0f} bytes per customer per run (indexes {$indexes / c / r:,.0f}), candidates + movement facts {$blobs / c / r:,.0f}')"
      done
    continue
  fi
  # The file after a checkpoint (the WAL folded in), and what the compact rows, their index and the candidates take (dbstat).
  python3 - "$work/mlcustomer.db" "$(echo "$body" | sed -E 's/.*"customersScored":([0-9]+).*/\1/')" "$run" <<'PY'
import sqlite3, sys
db, customers = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
runs = c.execute("SELECT COUNT(*) FROM scoring_runs WHERE score_key IS NOT NULL").fetchone()[0]
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
size = c.execute("PRAGMA page_count").fetchone()[0] * c.execute("PRAGMA page_size").fetchone()[0]
tables = dict(c.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
compact = sum(tables.get(t, 0) for t in ("customer_scores", "ix_customer_scores_customer", "run_target_candidates", "run_movement_facts"))
legacy = sum(tables.get(t, 0) for t in ("stored_scores", "ix_stored_scores_customer", "sqlite_autoindex_stored_scores_1"))
print(f"  database file after checkpoint: {size / 2**20:,.0f} MB after {runs} run(s) = {size / customers / runs:,.0f} bytes per customer per run"
      f" (compact rows + index + candidates + movement facts {compact / customers / runs:,.0f}, legacy stored_scores {legacy / customers / runs:,.0f})")
PY
done

lua="$work/key.lua"
printf 'wrk.headers["X-Api-Key"] = "%s"\n' "$scorer" >"$lua"
# The 95th percentile and every status code answered with how often: wrk-report.lua.
cat >>"$lua" <<'LUA'
threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
LUA
cat tests/MlCustomer.Benchmarks/wrk-report.lua >>"$lua"
# Movement between the last two runs: the first call after the runs (the worker compared them when the last one ended) and the next.
if [ "$runs" -ge 2 ]; then
  for call in first second; do
    curl -sS -o /dev/null -w "  $call call /movement: %{http_code} in %{time_total} s, %{size_download} bytes\n" -H "X-Api-Key: $scorer" "$base/movement"
  done
fi
# The targets: a first page of 50 (what the planner and a paging client ask for), the 500-customer list whole, and the
# ~5,000-customer list whole (6 MB of JSON with every customer's eight rule reasons in words).
for path in "/tiers/summary" "/retention/targets?budget=10000&pageSize=50" "/retention/targets?budget=10000&offerCost=20&saveRate=0.4&tier=B&pageSize=50" \
    "/retention/targets?budget=10000&offerCost=20&saveRate=0.4" "/retention/targets?budget=10000"; do
  curl -sS -o "$work/once.json" -w "  one call $path: %{http_code} in %{time_total} s, %{size_download} bytes\n" -H "X-Api-Key: $scorer" "$base$path"
  before=$(rss)
  cpu_before=$(cpu_ticks)
  echo "GET $path, $callers concurrent callers, ${seconds}s (RSS before $((before / 1024)) MB):"
  out=$(wrk -t2 -c"$callers" -d"${seconds}s" --timeout 30s --latency -s "$lua" "$base$path")
  echo "$out" | grep -E 'Latency|50%|90%|95%|99%|Requests/sec|requests in|Non-2xx|Socket|status codes'
  calls=$(echo "$out" | sed -nE 's/^ *([0-9]+) requests in.*/\1/p')
  ticks=$(($(cpu_ticks) - cpu_before))
  echo "  RSS after: $(($(rss) / 1024)) MB; server CPU $((ticks * 10)) ms for $calls calls = $(python3 -c "print(f'{$ticks * 10 / max($calls, 1):.1f}')") ms per call"
done
