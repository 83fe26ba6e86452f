-- wrk script for the burst: the requests of ping.lua, and a count of the
-- answers by HTTP status, printed as "statuses: 200=N 429=M ...".
dofile(os.getenv("TOCSIN_ROOT") .. "/bench/ping.lua")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

counts = {}  -- Global: done() reads it from each thread.

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for status, n in pairs(c) do
      total[status] = (total[status] or 0) + n
    end
  end
  local keys = {}
  for status in pairs(total) do table.insert(keys, status) end
  table.sort(keys)
  local parts = {}
  for _, status in ipairs(keys) do
    table.insert(parts, status .. "=" .. total[status])
  end
  io.write("statuses: " .. table.concat(parts, " ") .. "\n")
end
