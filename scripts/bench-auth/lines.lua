-- wrk script: each request is the next line of BENCH_LINES ("<body>\t<DPoP proof or ->"),
-- so every request carries its own pre-signed JWT. Threads take disjoint
-- stripes of the file (BENCH_THREADS must equal wrk's -t). BENCH_AUTH (optional) is sent as Authorization.
-- done() writes {"requests", "non2xx", "p50_us", "p99_us", "duration_us"} to BENCH_RESULT.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  thread:set("stride", tonumber(os.getenv("BENCH_THREADS") or "1"))
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  items = {}
  local n = 0
  for line in io.lines(os.getenv("BENCH_LINES")) do
    if n % stride == id then
      local body, proof = line:match("^(.-)\t(.*)$")
      table.insert(items, { body = body, proof = proof })
    end
    n = n + 1
  end
  next_item = 1
  non2xx = 0
  auth = os.getenv("BENCH_AUTH")
end

function request()
  local item = items[next_item]
  if item == nil then
    -- The file ran out: resend the last line (the server refuses a replay,
    -- which shows up in non2xx and voids the run).
    item = items[#items]
  else
    next_item = next_item + 1
  end
  local headers = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Accept"] = "application/json" }
  if auth ~= nil and auth ~= "" then headers["Authorization"] = auth end
  if item.proof ~= "-" then headers["DPoP"] = item.proof end
  return wrk.format("POST", nil, headers, item.body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx == 1 then io.stderr:write("first non-2xx: " .. status .. " " .. body .. "\n") end
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  local f = assert(io.open(os.getenv("BENCH_RESULT"), "w"))
  f:write(string.format('{"requests":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d,"duration_us":%d}\n',
    summary.requests, bad, latency:percentile(50), latency:percentile(99), summary.duration))
  f:close()
end
