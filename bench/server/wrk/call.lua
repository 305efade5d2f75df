-- wrk script for bench/server/run.sh: POST tools/call add(a, b) to /mcp.
--
-- Environment:
--   BENCH_BODY      the request body; "{id}" in it is replaced per request
--                   when sessions are used (else the body is sent as is)
--   BENCH_HEADERS   file of "Name: value" header lines for every request
--   BENCH_SESSIONS  file of Mcp-Session-Id values, one a line: requests go
--                   round-robin over them, each with an id unique in the run
--   BENCH_EXPECT    text every answer must contain (the sum); when set, each
--                   answer's body is checked (costs wrk some CPU)
--   BENCH_SUMMARY   file done() writes its key=value line to

local body = assert(os.getenv("BENCH_BODY"), "BENCH_BODY is not set")
local expect = os.getenv("BENCH_EXPECT") or ""
local sessions_file = os.getenv("BENCH_SESSIONS") or ""

local headers_file = os.getenv("BENCH_HEADERS")
assert(headers_file, "BENCH_HEADERS is not set")
wrk.method = "POST"
for line in io.lines(headers_file) do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then
    wrk.headers[name] = value
  end
end
wrk.body = body:gsub("{id}", "1")

local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

if sessions_file ~= "" then
  local sessions = {}
  for line in io.lines(sessions_file) do
    if line ~= "" then
      sessions[#sessions + 1] = line
    end
  end
  assert(#sessions > 0, "no session ids in " .. sessions_file)
  local before, after = body:match("^(.-){id}(.*)$")
  assert(before, "BENCH_BODY has no {id}")
  local n = 0
  function request()
    n = n + 1
    wrk.headers["Mcp-Session-Id"] = sessions[n % #sessions + 1]
    return wrk.format(nil, nil, nil, before .. ((index or 0) * 1000000000 + n) .. after)
  end
end

wrong = 0
if expect ~= "" then
  function response(status, headers, answer)
    if status < 300 and not answer:find(expect, 1, true) then
      wrong = wrong + 1
    end
  end
end

function done(summary, latency, requests)
  local wrong_total = 0
  for _, thread in ipairs(threads) do
    wrong_total = wrong_total + (thread:get("wrong") or 0)
  end
  local e = summary.errors
  local line = string.format(
    "requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d errors=%d wrong=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.status + e.timeout, wrong_total)
  local path = os.getenv("BENCH_SUMMARY")
  assert(path, "BENCH_SUMMARY is not set")
  local out = assert(io.open(path, "w"))
  out:write(line)
  out:close()
end
