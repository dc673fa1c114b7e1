#!/usr/bin/env bash
# Hostile CSV bodies against POST /api/v1/scores/csv of a Release API on this machine (issue 14 §1): time, HTTP status
# and the server's peak RSS (sampled every 0.1 s) for
#   valid        100 MB of valid feature rows (the committed sample customers repeated with fresh ids);
#   open-quote   the same 100 MB after a first data row that opens a quote and never closes it;
#   late-quote   the same, with the quote opened after 10,000 valid rows (past the first chunk: a 200 whose last
#                row names the line);
#   long-line    a header and then one 50 MB line without a line break.
# Usage: bash tests/MlCustomer.Benchmarks/csv-hostile.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
port=5095
work=${TMPDIR:-/tmp}/mlcustomer-csv-hostile
mkdir -p "$work"

if [ ! -s "$work/valid.csv" ]; then
  dotnet run -c Release --project src/MlCustomer.Training -- features --as-of 2025-12-31 --no-labels -o "$work/features.csv" >/dev/null
  # Rows with fresh ids until the file holds 100 MB.
  awk -F, -v bytes=$((100 * 1024 * 1024)) 'NR == 1 { print; size = length($0) + 1; next } { line[++m] = $0 }
    END { for (i = 0; size < bytes; i++) { l = "C" i substr(line[i % m + 1], index(line[i % m + 1], ",")); print l; size += length(l) + 1 } }' \
    "$work/features.csv" >"$work/valid.csv"
  { head -n 1 "$work/valid.csv"; echo -n 'Q1,"'; tail -n +2 "$work/valid.csv"; } >"$work/open-quote.csv"
  { head -n 10001 "$work/valid.csv"; echo -n 'Q1,"'; tail -n +10002 "$work/valid.csv"; } >"$work/late-quote.csv"
  { head -n 1 "$work/valid.csv"; head -c $((50 * 1024 * 1024)) /dev/zero | tr '\0' 'a'; } >"$work/long-line.csv"
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores, shared)"

api_log="$work/api.log"
source tests/MlCustomer.Benchmarks/start-api.sh
rss() { ps -o rss= -p "$api" | tr -d ' '; }
key="mlc-dev-scorer-0000-do-not-use-in-production"
# Warm-up, so that the valid run is not the JIT's first.
head -n 50001 "$work/valid.csv" | curl -sS -X POST -T - -H "Content-Type: text/csv" -H "X-Api-Key: $key" -o /dev/null \
  "http://127.0.0.1:$port/api/v1/scores/csv"

for body in valid open-quote late-quote long-line; do
  samples="$work/rss-$body.txt"
  start=$(rss)
  : >"$samples"
  (while kill -0 "$api" 2>/dev/null; do rss >>"$samples"; sleep 0.1; done) &
  sampler=$!
  result=$(curl -sS -X POST -T "$work/$body.csv" -H "Content-Type: text/csv" -H "X-Api-Key: $key" -o "$work/answer-$body.txt" \
    -w '%{http_code} %{time_total} %{size_upload}' "http://127.0.0.1:$port/api/v1/scores/csv" || true)
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  peak=$(sort -n "$samples" | tail -1)
  read -r status seconds uploaded <<<"$result"
  last=$(tail -c 300 "$work/answer-$body.txt" | tr '\n' ' ' | cut -c1-200)
  echo "$body: $(du -m "$work/$body.csv" | cut -f1) MB, HTTP $status in ${seconds} s (uploaded $((${uploaded%.*} / 1024 / 1024)) MB); server RSS $((start / 1024)) → peak $((peak / 1024)) MB; answer ends: $last"
done
