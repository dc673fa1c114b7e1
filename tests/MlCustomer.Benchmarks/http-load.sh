#!/usr/bin/env bash
# HTTP load on single-customer POST /api/v1/scores (precomputed features) with wrk, server and load
# generator on this machine. Starts the API (Release, Development keys, committed models), waits for
# readiness, runs wrk, stops the API. Usage: bash tests/MlCustomer.Benchmarks/http-load.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
connections=${2:-16}
port=5099
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

# The per-key rate limit (4,000/s by default) is raised so the run measures scoring, not 429s.
export MlCustomer__Limits__RequestsPerKeyPerSecond=1000000 MlCustomer__Limits__RequestsPerKeyBurst=1000000
api_log=/tmp/mlcustomer-load-api.log
source tests/MlCustomer.Benchmarks/start-api.sh

lua=$(mktemp --suffix=.lua)
cat >"$lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Api-Key"] = "mlc-dev-scorer-0000-do-not-use-in-production"
wrk.body = [[{"asOfDate":"2025-12-31","customers":[{"customerId":"C00001","features":{
"recency_days":40,"purchase_days":6,"order_count":6,"revenue_total":812.4,"average_order_value":139.2,
"gross_profit_total":250.1,"profit_total":221.5,"gross_profit_per_purchase_day":41.7,"margin_rate":0.31,
"revenue_last_365_days":402.2,"profit_last_365_days":101.9,"tenure_days":700,"days_since_first_purchase":600,
"purchase_days_per_year":3.65,"recency_share_of_age":0.07,"mean_days_between_purchases":98.5,
"sd_days_between_purchases":40.2,"revenue_last_90_days":120.5,"revenue_prior_90_days":80,"revenue_trend":0.2,
"categories_bought":3,"return_rate":0.05,"discount_share":0.1,"support_tickets":1,"complaints":0,"satisfaction":4,
"service_cost":28.6,"main_channel":"web","region":"North","acquisition_channel":"search","loyalty_member":"true",
"age_band":"35-44"}}]}]]
done = function(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
# One warm-up pass, then the measured run.
wrk -t1 -c4 -d3s -s "$lua" "http://127.0.0.1:$port/api/v1/scores" >/dev/null
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$lua" "http://127.0.0.1:$port/api/v1/scores"
echo "server memory (RSS) after the run: $(ps -o rss= -p "$api" | tr -d ' ') KB"
