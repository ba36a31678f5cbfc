-- bench_vm: integer arithmetic in a loop; the same program as int_loop.rflow, with the
-- same while loop (a numeric `for` would let Lua skip the counter's compare and add).
local function run(n)
  local sum = 0
  local i = 0
  while i < n do
    sum = sum + i
    i = i + 1
  end
  return sum
end

local dir = arg[0]:match("^(.*)/") or "."
dofile(dir .. "/harness.lua")(run)
