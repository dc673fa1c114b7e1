#!/usr/bin/env bash
# One scoring run of a generated customer base shared by N Release API replicas on one PostgreSQL store
# (MlCustomer:Storage:PostgreSql): starts N replicas on 127.0.0.1:5100.., requests the run on the first, and prints the wall
# time from the request to the run's end, customers/s, each replica's process CPU during the run and the chunks it stored,
# the run's own timings, the PostgreSQL server's CPU (postgres-cpu.sh) and the store's bytes per customer. Run it under the
# throw-away PostgreSQL:
#   bash .ci/postgres.sh bash tests/MlCustomer.Benchmarks/shared-run.sh DATA [replicas]   (default 3)
# HOLD_CHUNKS=1 holds the run's unclaimed chunks until every replica has read the data (see below), so all of them share it.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=$(realpath "$1")
replicas=${2:-3}
work=${TMPDIR:-/tmp}/mlcustomer-shared-run
rm -rf "$work" && mkdir -p "$work"
psql_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql
server=$(echo "$MLCUSTOMER_TEST_POSTGRES" | sed -E 's/Host=([^;]*);Port=([^;]*);Username=([^;]*);Database=([^;]*)/host=\1 port=\2 user=\3/')
db="shared_$(date +%s)"
"$psql_bin" "$server dbname=mlcustomer_test" -qc "CREATE DATABASE $db"
conninfo="$server dbname=$db"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores); data: $data; $replicas replica(s); store: PostgreSQL $db"
dotnet build -c Release src/MlCustomer.Api >/dev/null

export MlCustomer__TransactionsPath="$data/transactions.csv" MlCustomer__CustomersPath="$data/customers.csv"
if [ -f "$data/service-events.csv" ]; then export MlCustomer__ServiceEventsPath="$data/service-events.csv"; else export MlCustomer__ServiceEventsPath=""; fi
export MlCustomer__Storage__PostgreSql="${MLCUSTOMER_TEST_POSTGRES%Database=*}Database=$db"
export MlCustomer__Workspace__ScoreOnStart=false
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for i in $(seq 0 $((replicas - 1))); do
  (cd src/MlCustomer.Api && MlCustomer__DatabasePath="$work/replica-$i.db" ASPNETCORE_ENVIRONMENT=Development \
    exec dotnet bin/Release/net10.0/MlCustomer.Api.dll --urls "http://127.0.0.1:$((5100 + i))") >"$work/replica-$i.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 0 $((replicas - 1))); do
  for _ in $(seq 1 120); do
    [ "$(curl -s "http://127.0.0.1:$((5100 + i))/health/ready")" = "Healthy" ] && break
    sleep 1
  done
done
admin="mlc-dev-admin-0000-do-not-use-in-production"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A before
for pid in "${pids[@]}"; do before[$pid]=$(cpu_ticks "$pid"); done
source tests/MlCustomer.Benchmarks/postgres-cpu.sh
pg_before=$(postgres_cpu_ticks)
start=$(date +%s.%N)
id=$(curl -sS -X POST -H "X-Api-Key: $admin" -H "Content-Type: application/json" -d '{}' "http://127.0.0.1:5100/api/v1/scoring-runs" | sed -E 's/.*"id":"([^"]+)".*/\1/')
if [ -n "${HOLD_CHUNKS:-}" ]; then
  # As the cluster test does: once the run is planned, a psql session locks its unclaimed chunks (claims skip locked rows)
  # until every replica logs that it has read the data and claims chunks, so that all of them share the chunks however long
  # each one's reading takes on these shared cores. The wall time then includes that wait; the CPU and chunks per replica
  # and the holder's summaries are what a shared run costs.
  until [ "$("$psql_bin" "$conninfo" -At -c "SELECT COUNT(*) FROM scoring_run_chunks WHERE run_id = '$id'")" -gt 0 ]; do sleep 0.1; done
  mkfifo "$work/hold"
  "$psql_bin" "$conninfo" -q <"$work/hold" >/dev/null &
  exec 3>"$work/hold"
  echo "BEGIN; SELECT chunk_index FROM scoring_run_chunks WHERE run_id = '$id' AND status = 'pending' FOR UPDATE SKIP LOCKED;" >&3
  for i in $(seq 0 $((replicas - 1))); do
    until grep -qE "Scoring run $id: replica .* claims chunks from now on" "$work/replica-$i.log"; do sleep 0.2; done
  done
  echo "  chunks held until all $replicas replicas were ready: $(( $(date +%s) - ${start%.*} )) s after the request"
  echo "ROLLBACK;" >&3
  exec 3>&-
fi
while :; do
  body=$(curl -sS -H "X-Api-Key: $admin" "http://127.0.0.1:5100/api/v1/scoring-runs/$id")
  case "$body" in *'"status":"succeeded"'*|*'"status":"failed"'*) break ;; esac
  sleep 0.2
done
end=$(date +%s.%N)
echo "$body" | python3 -c "
import json, sys
r = json.load(sys.stdin); t = r['timings']; n = r['customersScored'] or 0; wall = $end - $start
print(f\"  {r['status']}: {n:,} customers in {wall:.1f} s from the request = {n / wall:,.0f} customers/s\")
print(f\"  the holder's timings: load {t['loadMilliseconds']} ms, drift features {t['featuresMilliseconds']} ms, chunks {t['scoringMilliseconds']} ms, summaries {t['storingMilliseconds']} ms\")"
for i in "${!pids[@]}"; do
  pid=${pids[$i]}
  echo "  replica $i: process CPU during the run $(( ($(cpu_ticks "$pid") - before[$pid]) * 10 )) ms; chunks stored $(grep -c "Scoring run $id chunk .* stored" "$work/replica-$i.log" || true)"
done
echo "  PostgreSQL server CPU during the run: $(( ($(postgres_cpu_ticks) - pg_before) * 10 )) ms"
customers=$(echo "$body" | sed -E 's/.*"customersScored":([0-9]+).*/\1/')
"$psql_bin" "$conninfo" -qc "VACUUM ANALYZE" >/dev/null
"$psql_bin" "$conninfo" -At -F' ' -c "SELECT pg_total_relation_size('customer_scores'), pg_indexes_size('customer_scores'),
    pg_total_relation_size('run_target_candidates') + pg_total_relation_size('run_movement_facts'), pg_database_size(current_database())" |
  while read -r scores indexes blobs database; do
    python3 -c "c = $customers; print(f'  store: customer_scores with indexes and TOAST {$scores / c:,.0f} bytes per customer (indexes {$indexes / c:,.0f}), candidates + movement facts {$blobs / c:,.0f}; database {$database / 2**20:,.0f} MB')"
  done
