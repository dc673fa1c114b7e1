# Sourced by the load scripts (not run on its own). Builds the API (Release) and starts it from its project
# folder (its settings point at ../../models) on 127.0.0.1:$port with the Development keys, logging to $api_log;
# waits until /health/ready answers Healthy and stops the server when the script exits. Sets $api to the server's
# process id (the dll is started directly, so that is the process whose CPU and memory the scripts read).
# Export any extra settings for the server before sourcing.
dotnet build -c Release src/MlCustomer.Api >/dev/null
(cd src/MlCustomer.Api && ASPNETCORE_ENVIRONMENT=Development exec dotnet bin/Release/net10.0/MlCustomer.Api.dll --urls "http://127.0.0.1:$port") \
  >"$api_log" 2>&1 &
api=$!
trap 'kill $api 2>/dev/null || true' EXIT
ready=""
for _ in $(seq 1 120); do
  if [ "$(curl -s "http://127.0.0.1:$port/health/ready")" = "Healthy" ]; then
    ready=yes
    break
  fi
  sleep 1
done
[ -n "$ready" ] || { echo "The API did not become ready within 120 s; see $api_log" >&2; exit 1; }
