-- bench_vm: a six-rule decision table over records; the same program as
-- decision_table.rflow. Amounts are integer cents, categories and routes strings.
local function route(c)
  if c.amount <= 5000 then return "AutoApprove" end
  if c.amount <= 50000 and c.category ~= "Electronics" then return "StoreManager" end
  if c.region == "north" and c.amount <= 500000 then return "RegionalManager" end
  if c.category == "Electronics" and c.amount <= 2000000 then return "CategoryBuyer" end
  if c.amount <= 10000000 then return "Finance" end
  return "Reject"
end

local function claims(k)
  local ceilings = { 100, 1000, 10000, 100000, 1000000, 20000000 }
  local categories = { "Grocery", "Electronics", "Apparel", "Home" }
  local regions = { "north", "south", "east", "west", "central" }
  local xs = {}
  for i = 0, k - 1 do
    xs[#xs + 1] = {
      amount = i * 79193 % ceilings[i % 6 + 1],
      category = categories[i % 4 + 1],
      region = regions[i % 5 + 1],
    }
  end
  return xs
end

local function run(n)
  local cs = claims(1000)
  local counts = { AutoApprove = 0, StoreManager = 0, RegionalManager = 0, CategoryBuyer = 0,
                   Finance = 0, Reject = 0 }
  local i = 0
  while i < n do
    local r = route(cs[i % 1000 + 1])
    counts[r] = counts[r] + 1
    i = i + 1
  end
  return string.format("auto %d store %d regional %d buyer %d finance %d reject %d",
    counts.AutoApprove, counts.StoreManager, counts.RegionalManager, counts.CategoryBuyer,
    counts.Finance, counts.Reject)
end

local dir = arg[0]:match("^(.*)/") or "."
dofile(dir .. "/harness.lua")(run)
