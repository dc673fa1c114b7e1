#!/usr/bin/env bash
# Streams a large feature CSV through POST /api/v1/scores/csv of a Release API on this machine and reports
# rows/s and the server's memory (RSS) sampled every 0.2 s during the run: peak and final, so a flat line
# shows that memory does not grow with the rows. Makes the CSV from the committed sample customers
# (features at the last order date, console `features --no-labels`), repeated with fresh ids up to [rows].
# Usage: bash tests/MlCustomer.Benchmarks/csv-stream.sh [rows] [runs] [decisions]   (defaults 1000000, 1 and true;
# false asks for the scores without the rules' decision columns)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
rows=${1:-1000000}
runs=${2:-1}
decisions=${3:-true}
port=${PORT:-5098}
work=${TMPDIR:-/tmp}/mlcustomer-csv-stream
mkdir -p "$work"

csv="$work/features-$rows.csv"
if [ ! -s "$csv" ]; then
  dotnet run -c Release --project src/MlCustomer.Training -- features --as-of 2025-12-31 --no-labels -o "$work/features.csv" >/dev/null
  # Every sample customer in turn, with ids C0…C(rows-1) so that no two rows share one.
  awk -F, -v n="$rows" 'NR == 1 { print; next } { line[++m] = $0 }
    END { for (i = 0; i < n; i++) { l = line[i % m + 1]; print "C" i substr(l, index(l, ",")) } }' "$work/features.csv" >"$csv"
fi
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores; other work on the machine slows the run)"
echo "CSV: $csv ($(($(wc -l <"$csv") - 1)) rows, $(du -m "$csv" | cut -f1) MB)"

api_log="$work/api.log"
source tests/MlCustomer.Benchmarks/start-api.sh
rss() { ps -o rss= -p "$api" | tr -d ' '; }
# CPU seconds the server has used (user + system), to tell its cost from the time other work on the machine takes.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$api/stat"; }
echo "server RSS when ready: $(($(rss) / 1024)) MB"

key="mlc-dev-scorer-0000-do-not-use-in-production"
post() {
  curl -sS -X POST -T "$1" -H "Content-Type: text/csv" -H "X-Api-Key: $key" -o "$2" \
    -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$port/api/v1/scores/csv?decisions=$decisions"
}
# Warm-up: 200,000 rows, so that the measured runs see the code the JIT settles on. .NET first compiles a method
# quickly, then again optimized (with profile data) after ~30 calls: the per-chunk methods (4,096 rows a chunk)
# get there after ~120,000 rows. With a warm-up of 20,000 rows the first measured million ran ~25% slower.
head -n 200001 "$csv" >"$work/warm-up.csv"
post "$work/warm-up.csv" /dev/null >/dev/null

for run in $(seq 1 "$runs"); do
  samples="$work/rss-$run.txt"
  : >"$samples"
  (while kill -0 "$api" 2>/dev/null; do rss >>"$samples"; sleep 0.2; done) &
  sampler=$!
  cpu_before=$(cpu)
  read -r status seconds < <(post "$csv" "$work/scores.csv")
  cpu_used=$(awk -v a="$cpu_before" -v b="$(cpu)" 'BEGIN { printf "%.2f", b - a }')
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  answered=$(($(wc -l <"$work/scores.csv") - 1))
  errors=$(awk -F, 'NR > 1 && $NF != "" { e++ } END { print e + 0 }' "$work/scores.csv")
  peak=$(sort -n "$samples" | tail -1)
  first=$(head -1 "$samples")
  final=$(rss)
  awk -v r="$answered" -v s="$seconds" -v st="$status" -v e="$errors" -v f="$first" -v p="$peak" -v l="$final" -v run="$run" -v c="$cpu_used" 'BEGIN {
    printf "run %d: HTTP %s, %d rows answered (%d error rows) in %.1f s = %.0f rows/s; server CPU %.1f s (%.0f rows per CPU-second); server RSS start %d MB, peak %d MB, final %d MB\n",
      run, st, r, e, s, r / s, c, r / c, f / 1024, p / 1024, l / 1024 }'
done
