-- What the benchmark scripts append to their wrk scripts: wrk prints the 50th, 75th, 90th and 99th percentiles; this adds
-- the 95th, from its latency histogram, and every status code answered with how often (wrk's own "Non-2xx" line does not
-- say which: the load shedder's 503, a 429, a 5xx). The script it is appended to keeps its threads in `threads` (setup)
-- and gives each an empty `statuses` table (init).
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  io.write(string.format("     95%%  %.2fms\n", latency:percentile(95) / 1000))
  local all = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do all[status] = (all[status] or 0) + n end
  end
  local line = "  status codes:"
  for status, n in pairs(all) do line = line .. string.format(" %d × %d", n, status) end
  io.write(line .. "\n")
end
