-- bench_vm's side of a Lua program: `dofile`d by each program with its `run(n)`.
-- Usage: lua5.4 X.lua N RUNS. Calls run(N) RUNS times and prints two lines: the
-- answer (tostring of run's result) and the shortest run in seconds of CPU time
-- (os.clock), the same clock bench_vm uses for rflow's column.
return function(run)
  local n = assert(tonumber(arg[1]), "usage: lua5.4 X.lua N RUNS")
  local runs = tonumber(arg[2]) or 1
  local best, answer = math.huge, nil
  for _ = 1, runs do
    collectgarbage()
    local start = os.clock()
    answer = run(n)
    local seconds = os.clock() - start
    if seconds < best then best = seconds end
  end
  print(tostring(answer))
  print(string.format("%.6f", best))
end
