#!/usr/bin/env bash
# Runs every notebook headless, as CI does: `dotnet repl` executes each cell in order and exits non-zero when a cell
# fails; the failing cells' errors are printed. Needs `dotnet build` (the notebooks reference its output) and
# `dotnet tool restore` (the pinned dotnet-repl). Executed copies, with their outputs, go to $NOTEBOOK_OUTPUT
# (default: a temporary folder).
set -euo pipefail
# No telemetry from the kernel or the CLI (CI runs on a closed network).
export DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$(dirname "$0")"
out="${NOTEBOOK_OUTPUT:-$(mktemp -d)}"
mkdir -p "$out"
status=0
for notebook in *.ipynb; do
  start=$(date +%s)
  if timeout 600 dotnet repl --run "$notebook" --exit-after-run --output-path "$out/$notebook" </dev/null; then
    echo "notebook $notebook: every cell ran ($(( $(date +%s) - start )) s; executed copy $out/$notebook)"
  else
    status=1
    echo "notebook $notebook: FAILED ($(( $(date +%s) - start )) s)" >&2
    # The error outputs of the failing cells, from the executed copy (when dotnet repl wrote one).
    if [ -f "$out/$notebook" ]; then
      node -e '
        const nb = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        nb.cells.forEach((cell, i) => (cell.outputs || []).filter(o => o.output_type === "error")
          .forEach(o => console.error(`cell ${i + 1}: ${o.ename}: ${String(o.evalue).slice(0, 2000)}`)));' "$out/$notebook" || true
    fi
  fi
done
exit $status
