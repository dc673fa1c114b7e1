# syntax=docker/dockerfile:1
# The MlCustomer API (and the marketing workspace it serves), as a non-root, read-only-friendly image.
#   docker build -t mlcustomer-api .
#   docker run --read-only --tmpfs /tmp -v mlcustomer-data:/data -p 8080:8080 -e MlCustomer__ApiKeys__0__Name=… mlcustomer-api
# Configuration is by environment variables (README "Deploy"); nothing secret is baked into the image.

# ---- build: restore and publish with the SDK pinned by global.json (10.0.1xx) ----
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so a source edit does not re-download the packages.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/MlCustomer.Core/MlCustomer.Core.csproj src/MlCustomer.Core/
COPY src/MlCustomer.Api/MlCustomer.Api.csproj src/MlCustomer.Api/
RUN dotnet restore src/MlCustomer.Api/MlCustomer.Api.csproj
COPY src/MlCustomer.Core/ src/MlCustomer.Core/
COPY src/MlCustomer.Api/ src/MlCustomer.Api/
RUN dotnet publish src/MlCustomer.Api/MlCustomer.Api.csproj -c Release -o /app --no-restore -p:UseAppHost=false

# ---- runtime: ASP.NET Core only, non-root ----
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# libgomp1: LightGBM's native library uses OpenMP. curl: the health check (the base image has no HTTP client).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# The committed bundle is the start bundle; mount a volume over /models to reload others (POST /models/reload names a
# folder under it). /data holds the SQLite score store and the input files when they are files.
COPY models/ /models/current/
RUN mkdir -p /data && chown "$APP_UID" /data
VOLUME ["/data"]

ENV ASPNETCORE_HTTP_PORTS=8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_NOLOGO=1
# No diagnostics IPC socket: with a read-only root the runtime would try to create it under /tmp anyway.
ENV DOTNET_EnableDiagnostics=0
# JSON logs with scopes: each line carries the request's TraceId/RequestId and, inside a scoring run, its RunId.
ENV Logging__Console__FormatterName=json \
    Logging__Console__FormatterOptions__IncludeScopes=true
ENV MlCustomer__BundlePath=/models/current \
    MlCustomer__BundlesRoot=/models \
    MlCustomer__DatabasePath=/data/mlcustomer.db \
    MlCustomer__TransactionsPath=/data/input/transactions.csv \
    MlCustomer__CustomersPath=/data/input/customers.csv \
    MlCustomer__ServiceEventsPath=/data/input/service-events.csv

# The image's unprivileged "app" user (APP_UID is set by the base image).
USER $APP_UID
EXPOSE 8080
# Liveness only: readiness (the model loaded) is for the load balancer, not a reason to restart the container.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "MlCustomer.Api.dll"]
