#!/usr/bin/env bash
# Load shedding under many connections: starts the API (Release, Development keys, committed models, the default
# limits unless exported), then runs the closed-loop load of LoadShedding.cs on single POST /api/v1/scores.
# Usage: bash tests/MlCustomer.Benchmarks/shed-load.sh [connections] [seconds] [polite]  (polite: clients wait Retry-After)
set -euo pipefail
cd "$(dirname "$0")/../.."
connections=${1:-2600}
seconds=${2:-20}
mode=${3:-}
port=5098
ulimit -n 65536 2>/dev/null || true
api_log=/tmp/mlcustomer-shed-api.log
source tests/MlCustomer.Benchmarks/start-api.sh
dotnet build -c Release tests/MlCustomer.Benchmarks >/dev/null
tool=tests/MlCustomer.Benchmarks/bin/Release/net10.0/MlCustomer.Benchmarks.dll
# A short warm-up on few connections, then the measured run.
dotnet "$tool" shed "http://127.0.0.1:$port" 4 3 >/dev/null
dotnet "$tool" shed "http://127.0.0.1:$port" "$connections" "$seconds" $mode
echo "server: RSS $(ps -o rss= -p "$api" | tr -d ' ') KB, threads $(ps -o nlwp= -p "$api" | tr -d ' ')"
