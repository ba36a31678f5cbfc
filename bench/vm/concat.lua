-- bench_vm: small string concatenations; the same program as concat.rflow.
local function run(n)
  local stores = { "S0001", "S0042", "S0777", "S1234" }
  local skus = { "A-1", "B-22", "C-333", "D-4444", "E-55555" }
  local total, hits = 0, 0
  local i = 0
  while i < n do
    local key = stores[i % 4 + 1] .. skus[i % 5 + 1]
    total = total + #key
    if key == "S0042B-22" then hits = hits + 1 end
    i = i + 1
  end
  return string.format("%d bytes, %d hits", total, hits)
end

local dir = arg[0]:match("^(.*)/") or "."
dofile(dir .. "/harness.lua")(run)
