-- bench_vm: recursive calls; the same program as fib.rflow.
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local dir = arg[0]:match("^(.*)/") or "."
dofile(dir .. "/harness.lua")(function(n) return fib(n) end)
