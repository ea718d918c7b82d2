-- Sandbox escapes and resource bombs for tests/unit/policy_sandbox_test.cpp. route() runs the
-- attack named by the x-attack header, so the trial call made at load time (no header) passes,
-- and otherwise routes to p/m.

local attacks = {}
attacks.os_execute = function() return os.execute("id") end
attacks.io_open = function() return io.open("/etc/passwd") end
attacks.require = function() return require("os") end
attacks.load_text = function() return load("return 1")() end
attacks.loadstring = function() return loadstring("return 1") end
attacks.dofile = function() return dofile("/etc/passwd") end
attacks.loadfile = function() return loadfile("/etc/passwd") end
attacks.string_dump = function() return string.dump(function() end) end
attacks.collectgarbage = function() return collectgarbage("stop") end
attacks.debug = function() return debug.getinfo(1) end
attacks.package = function() return package.loaded end
attacks.coroutine = function() return coroutine.create(function() end) end
attacks.rawset_global = function() return rawset(_G, "leaked", 1) end
attacks.new_global = function() leaked = 1 end
attacks.global_through_G = function() _G.leaked = 1 end
attacks.undefined_global = function() return undefined_thing end
attacks.globals_metatable = function() return setmetatable(_G, nil) end
attacks.globals_metatable_fields = function() getmetatable(_G).__newindex = nil end
attacks.string_metatable = function() getmetatable("").__index = {} end
attacks.string_setmetatable = function() return setmetatable("", {}) end
attacks.string_rep_bomb = function() return string.rep("x", 1 << 30) end
attacks.concat_bomb = function() local s = "x" while true do s = s .. s end end
attacks.table_bomb = function() local t = {} for i = 1, math.maxinteger do t[i] = { i } end end
attacks.infinite_loop = function() while true do end end
attacks.pcall_loop = function() while true do pcall(function() while true do end end) end end
attacks.deep_recursion = function() local function f(n) return 1 + f(n + 1) end return f(1) end
attacks.c_recursion = function()
  local t = setmetatable({}, { __index = function(t, k) return t[k] end })
  return t.x
end
attacks.tostring_loop = function()
  return tostring(setmetatable({}, { __tostring = function() while true do end end }))
end
attacks.gc_finalizer = function()
  setmetatable({}, { __gc = function() while true do end end })
end
attacks.rep_empty = function() error("rep returned " .. #string.rep("", math.maxinteger)) end
attacks.insert_huge_len = function()
  table.insert(setmetatable({}, { __len = function() return 1 << 40 end }), 1, "x")
end
attacks.remove_huge_len = function()
  table.remove(setmetatable({}, { __len = function() return 1 << 40 end }), 1)
end
attacks.move_huge = function() table.move({}, 1, 1 << 50, 2) end
attacks.error_table = function() error({}) end
-- Backtracking patterns over a header-sized subject: seconds to hours of C the hook cannot stop.
local header = string.rep("a", 65536)
attacks.pattern_find = function() return string.find(header, ".-.-.-.-b") end
attacks.pattern_method = function() return header:match("(a*)(a*)(a*)b") end
attacks.pattern_gsub = function() return header:gsub("a-a-a-b", "") end
attacks.pattern_gmatch = function() for _ in header:gmatch("%a+%a+%d") do end end
attacks.pattern_quadratic = function() return header:find("%w+/") end
attacks.pattern_balance = function() return string.rep("(", 65536):find("%b()%b()x") end
attacks.pattern_plain_needle = function() return header:find(string.rep("a", 32768) .. "b", 1, true) end

function route(req, ctx)
  local name = req.headers["x-attack"]
  if name then attacks[name]() end
  return { provider = "p", model = "m" }
end
