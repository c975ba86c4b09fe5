-- wrk script for scripts/load-faults: counts responses by class and, for
-- writes, makes every request unique. From the environment:
--   LOAD_METHOD  GET | POST (default GET)
--   LOAD_BODY    a static body; "{invite}" instead sends a JSON invitation
--                for a new address each time
--   LOAD_TYPE    Content-Type of the body (default form-urlencoded)
--   LOAD_AUTH    Authorization header value (optional)
--   LOAD_RESULT  file the JSON summary is written to
local method = os.getenv("LOAD_METHOD") or "GET"
local body = os.getenv("LOAD_BODY")
local ctype = os.getenv("LOAD_TYPE") or "application/x-www-form-urlencoded"
local auth = os.getenv("LOAD_AUTH")
local threads = {}
local id = 0

function setup(thread)
  id = id + 1
  thread:set("tid", id)
  table.insert(threads, thread)
end

function init(args)
  ok, non2xx, fivexx, n = 0, 0, 0, 0
  wrk.method = method
  wrk.headers["Accept"] = "application/json"
  if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
  if body and body ~= "" and body ~= "{invite}" then
    wrk.body = body
    wrk.headers["Content-Type"] = ctype
  end
end

if body == "{invite}" then
  function request()
    n = n + 1
    local json = string.format('{"email": "load-%d-%d-%d@example.org"}', tid, os.time(), n)
    -- wrk.format replaces wrk.headers with the table given: copy them.
    local headers = {["Content-Type"] = "application/json"}
    for k, v in pairs(wrk.headers) do headers[k] = v end
    return wrk.format("POST", nil, headers, json)
  end
end

function response(status, headers, b)
  if status >= 200 and status < 300 then ok = ok + 1 else non2xx = non2xx + 1 end
  if status >= 500 then fivexx = fivexx + 1 end
end

function done(summary, latency, requests)
  local t = {ok = 0, non2xx = 0, fivexx = 0}
  for _, thread in ipairs(threads) do
    t.ok = t.ok + thread:get("ok")
    t.non2xx = t.non2xx + thread:get("non2xx")
    t.fivexx = t.fivexx + thread:get("fivexx")
  end
  local out = string.format(
    '{"requests": %d, "ok": %d, "non2xx": %d, "5xx": %d, "errors": %d, "p50_ms": %.2f, "p99_ms": %.2f, "rps": %.1f}',
    summary.requests, t.ok, t.non2xx, t.fivexx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6))
  local path = os.getenv("LOAD_RESULT")
  if path then local f = io.open(path, "w"); f:write(out); f:close() end
  io.write(out .. "\n")
end
