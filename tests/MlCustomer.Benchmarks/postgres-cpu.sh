# Sourced by the PostgreSQL benchmarks (not run on its own). postgres_cpu_ticks prints the CPU time (user + system, clock
# ticks of 10 ms) the PostgreSQL server of MLCUSTOMER_TEST_POSTGRES has used so far: the postmaster, its live processes
# (backends, WAL writer, checkpointer, autovacuum) and the ones that have ended (the postmaster's cutime + cstime). Its
# difference across a run is the server's share of the run, which the API's own process CPU does not include.
postgres_port=$(echo "$MLCUSTOMER_TEST_POSTGRES" | sed -E 's/.*Port=([0-9]+).*/\1/')
postgres_cpu_ticks() {
  local postmaster
  postmaster=$(ss -Hltnp "sport = :$postgres_port" | sed -nE 's/.*pid=([0-9]+).*/\1/p' | head -n 1)
  {
    awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat"
    for child in $(pgrep -P "$postmaster"); do awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || true; done
  } | awk '{s += $1} END {print s}'
}
