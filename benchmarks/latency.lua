-- wrk script of benchmarks/run: after the run, print one machine-readable line
--
--   BENCH_RESULT {"requests":..., "duration_s":..., "rps":..., "p50_ms":..., ...}
--
-- which benchmarks/report.py picks out of wrk's output. wrk reports latencies in
-- microseconds; the line has milliseconds. Requests answered with a status other than
-- 2xx/3xx, and socket errors, are counted so that a page that fails fast cannot look fast.

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_s": %.3f, "rps": %.2f, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, ' ..
    '"non_2xx_3xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
