// The Lua C API binding: every raw stack operation of the policy engine lives in this file.
//
// Two rules keep a script from ever crashing the process:
//  - Anything that can raise a Lua error (every allocation: creating tables, pushing strings,
//    calling the script) runs inside lua_pcall, through an "entry" C function. Those entries keep
//    no C++ object with a destructor alive, because liblua5.4 unwinds with longjmp.
//  - Results are read after lua_pcall returns, with calls that cannot raise: lua_next, lua_rawgeti,
//    lua_type, lua_tolstring on strings only (it converts numbers in place), lua_tointegerx.
#include "policy/lua_state.hpp"

#include <Poco/Logger.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <lua.hpp>
#include <string_view>
#include <ctime>

#include "policy/pattern_cost.hpp"
#include "util/strings.hpp"

namespace turnpike::policy {

namespace {

using Clock = std::chrono::steady_clock;

// Instructions between two deadline checks: a clock read every ~1-5 us of script time.
constexpr int kHookInterval = 1000;
constexpr const char* kLocked = "locked";
// Address used as the registry key of the cached ctx table.
const char kContextKey = 0;
const std::vector<ProviderCandidate> kNoCandidates;

// Globals a script may see. An allow-list rather than a deny-list, so a library update cannot
// slip in something unreviewed.
constexpr std::string_view kAllowedGlobals[] = {
    "_G",     "_VERSION", "assert", "error",  "getmetatable", "ipairs", "next",     "pairs",
    "pcall",  "print",    "rawequal", "rawget", "rawlen",     "select", "setmetatable", "tonumber",
    "tostring", "type",   "xpcall", "string", "table",        "math",   "utf8"};

std::chrono::nanoseconds threadCpuTime() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

bool allowedGlobal(std::string_view name) {
  return std::find(std::begin(kAllowedGlobals), std::end(kAllowedGlobals), name) != std::end(kAllowedGlobals);
}

// Restores the stack top on every path out of a method.
class StackGuard {
 public:
  explicit StackGuard(lua_State* L) : L_(L), top_(lua_gettop(L)) {}
  ~StackGuard() { lua_settop(L_, top_); }
  StackGuard(const StackGuard&) = delete;
  StackGuard& operator=(const StackGuard&) = delete;

 private:
  lua_State* L_;
  int top_;
};

lua_Integer clampInteger(uint64_t v) {
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<lua_Integer>::max());
  return static_cast<lua_Integer>(std::min(v, kMax));
}

// Field setters for the table on top of the stack (none of ours has __newindex).
void setString(lua_State* L, const char* key, std::string_view value) {
  lua_pushlstring(L, value.data(), value.size());
  lua_setfield(L, -2, key);
}
void setInteger(lua_State* L, const char* key, lua_Integer value) {
  lua_pushinteger(L, value);
  lua_setfield(L, -2, key);
}
void setNumber(lua_State* L, const char* key, double value) {
  lua_pushnumber(L, value);
  lua_setfield(L, -2, key);
}
void setBoolean(lua_State* L, const char* key, bool value) {
  lua_pushboolean(L, value);
  lua_setfield(L, -2, key);
}
void setNil(lua_State* L, const char* key) {
  lua_pushnil(L);
  lua_setfield(L, -2, key);
}
// Empty means absent: nil for the script.
void setOptionalString(lua_State* L, const char* key, std::string_view value) {
  if (value.empty())
    setNil(L, key);
  else
    setString(L, key, value);
}

std::string_view stringAt(lua_State* L, int idx) {
  size_t n = 0;
  const char* s = lua_tolstring(L, idx, &n);
  return {s, n};
}

// A non-empty string at idx, copied to out.
bool readName(lua_State* L, int idx, std::string& out) {
  if (lua_type(L, idx) != LUA_TSTRING) return false;
  auto s = stringAt(L, idx);
  if (s.empty()) return false;
  out.assign(s);
  return true;
}

std::string typeName(lua_State* L, int idx) {
  if (lua_type(L, idx) == LUA_TNUMBER) return lua_isinteger(L, idx) ? "integer" : "float";
  return luaL_typename(L, idx);
}

// "an integer", "a table", ... for messages.
std::string aTypeName(lua_State* L, int idx) {
  std::string name = typeName(L, idx);
  if (name == "nil") return name;
  return (name == "integer" ? "an " : "a ") + name;
}

// Strict UTF-8 (no overlong forms, no surrogates), as nlohmann::json requires when dumping.
bool validUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < low || second > high) return false;
    for (size_t k = 2; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += extra + 1;
  }
  return true;
}

void logScriptOutput(std::string_view line) noexcept {
  try {
    auto& log = Poco::Logger::get("policy.script");
    if (log.debug()) log.debug(std::string(line));
  } catch (...) {
    // Logging must not turn print() into a failure of the call.
  }
}

}  // namespace

struct LuaState::Internals {
  static LuaState& of(lua_State* L) { return **static_cast<LuaState**>(lua_getextraspace(L)); }

  // ---- allocator, hook, handlers -------------------------------------------------------------

  // Refusing a block makes Lua raise "not enough memory" inside the call, after a full GC.
  static void* allocate(void* ud, void* ptr, size_t osize, size_t nsize) {
    auto* self = static_cast<LuaState*>(ud);
    size_t old = ptr != nullptr ? osize : 0;  // without ptr, osize is a type tag
    if (nsize == 0) {
      std::free(ptr);
      self->used_ -= old;
      return nullptr;
    }
    if (nsize > old && nsize - old > self->limits_.memoryBytes - self->used_) {
      self->memoryHit_ = true;
      return nullptr;
    }
    void* block = std::realloc(ptr, nsize);
    if (block == nullptr) return nullptr;
    self->used_ = self->used_ - old + nsize;
    return block;
  }

  // Reading the thread's CPU time is a system call: once per call for the baseline (calls shorter
  // than kHookInterval instructions mostly never get here), then only past the wall deadline.
  static void hook(lua_State* L, lua_Debug*) {
    LuaState& self = of(L);
    if (!self.cpuStarted_) {
      self.cpuStart_ = threadCpuTime();
      self.cpuStarted_ = true;
    }
    if (Clock::now() < self.deadline_ || threadCpuTime() - self.cpuStart_ < self.budget_) return;
    self.timedOut_ = true;
    // Fire on every instruction from now on, so a pcall in the script cannot swallow the stop.
    lua_sethook(L, hook, LUA_MASKCOUNT, 1);
    luaL_where(L, 0);
    lua_pushfstring(L, "exceeded its time limit of %d us", static_cast<int>(self.budget_.count()));
    lua_concat(L, 2);
    lua_error(L);
  }

  // Errors raised inside C functions (bad argument to string.rep, ...) carry no position; give
  // them the position of the script line that made the call.
  static int messageHandler(lua_State* L) {
    if (lua_type(L, 1) != LUA_TSTRING && lua_type(L, 1) != LUA_TNUMBER) {
      lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
      return 1;
    }
    const char* message = lua_tostring(L, 1);
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) == 0 || lua_getinfo(L, "S", &ar) == 0 || std::strcmp(ar.what, "C") != 0) return 1;
    for (int level = 2; lua_getstack(L, level, &ar) != 0; ++level) {
      if (lua_getinfo(L, "Sl", &ar) == 0 || ar.currentline <= 0) continue;
      size_t n = std::strlen(ar.short_src);
      if (std::strncmp(message, ar.short_src, n) == 0 && message[n] == ':') return 1;
      lua_pushfstring(L, "%s:%d: %s", ar.short_src, ar.currentline, message);
      return 1;
    }
    return 1;
  }

  static int panic(lua_State* L) {
    const char* message = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    std::fprintf(stderr, "turnpike: unprotected Lua error (a bug in lua_state.cpp): %s\n", message);
    return 0;  // Lua aborts
  }

  static const char* keyName(lua_State* L, int idx) {
    return lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : luaL_typename(L, idx);
  }

  static int undefinedGlobal(lua_State* L) { return luaL_error(L, "undefined global '%s'", keyName(L, 2)); }

  static int newGlobal(lua_State* L) {
    return luaL_error(L, "assignment to undeclared global '%s' (globals are fixed once the scripts have loaded; use local)",
                      keyName(L, 2));
  }

  // setmetatable without __gc: finalizers run with hooks off (lgc.c, GCTM), so the deadline could
  // not stop a looping one. Otherwise the base library's checks, in the same order.
  static int setMetatable(lua_State* L) {
    int type = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
    if (type == LUA_TTABLE) {
      lua_pushliteral(L, "__gc");
      if (lua_rawget(L, 2) != LUA_TNIL)
        return luaL_error(L, "__gc metamethods are not allowed (the time limit cannot stop a finalizer)");
      lua_pop(L, 1);
    }
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
  }

  // Calls the library function held in upvalue 1 with this call's arguments.
  static int callWrapped(lua_State* L) {
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
  }

  // The wrappers below bound C loops of the libraries that neither allocate (so the memory cap
  // cannot stop them) nor run VM instructions (so the hook cannot): the longest legitimate loop
  // is one over every element the memory cap could hold.
  static lua_Integer maxElements(lua_State* L) {
    constexpr size_t kBytesPerElement = 16;  // one TValue
    return static_cast<lua_Integer>(of(L).limits_.memoryBytes / kBytesPerElement);
  }

  // string.rep("", n) copies nothing n times.
  static int guardedRep(lua_State* L) {
    size_t length = 0, separator = 0;
    luaL_checklstring(L, 1, &length);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &separator);
    if (n <= 0 || length + separator == 0) {
      lua_pushliteral(L, "");
      return 1;
    }
    return callWrapped(L);
  }

  // table.insert and table.remove shift up to #t elements, and __len can make #t anything.
  static int guardedShift(lua_State* L) {
    if (lua_type(L, 1) == LUA_TTABLE) {
      lua_Integer length = luaL_len(L, 1);
      if (length > maxElements(L)) return luaL_error(L, "table too long for insert or remove (#t is %I)", length);
    }
    return callWrapped(L);
  }

  // table.move(a, f, e, t) visits e - f + 1 indices whether or not they hold anything.
  static int guardedMove(lua_State* L) {
    lua_Integer first = luaL_checkinteger(L, 2);
    lua_Integer last = luaL_checkinteger(L, 3);
    if (last >= first && static_cast<lua_Unsigned>(last) - static_cast<lua_Unsigned>(first) >=
                             static_cast<lua_Unsigned>(maxElements(L)))
      return luaL_error(L, "too many elements to move");
    return callWrapped(L);
  }

  // string.find, match, gmatch and gsub backtrack in C, out of the hook's reach: a call whose
  // worst case (pattern_cost.hpp) is too long is refused before it starts. Upvalue 2 says which
  // function it is: 0 find (whose 4th argument asks for a plain search), 1 gmatch (no anchor),
  // 2 match or gsub.
  static int guardedPattern(lua_State* L) {
    size_t n = 0, m = 0;
    const char* subject = luaL_checklstring(L, 1, &n);
    const char* pattern = luaL_checklstring(L, 2, &m);
    lua_Integer kind = lua_tointeger(L, lua_upvalueindex(2));
    bool plain = kind == 0 && lua_toboolean(L, 4) != 0;
    double steps = patternSteps({subject, n}, {pattern, m}, plain, kind != 1);
    if (steps > kMaxPatternSteps)
      return luaL_error(L, "pattern too complex for a subject of %I bytes (worst case above %I steps)",
                        static_cast<lua_Integer>(n), static_cast<lua_Integer>(kMaxPatternSteps));
    return callWrapped(L);
  }

  static void wrap(lua_State* L, int library, const char* name, lua_CFunction wrapper) {
    lua_getfield(L, library, name);
    lua_pushcclosure(L, wrapper, 1);
    lua_setfield(L, library, name);
  }

  static void wrapPattern(lua_State* L, int library, const char* name, lua_Integer kind) {
    lua_getfield(L, library, name);
    lua_pushinteger(L, kind);
    lua_pushcclosure(L, guardedPattern, 2);
    lua_setfield(L, library, name);
  }

  static int printToLog(lua_State* L) {
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; ++i) {
      if (i > 1) luaL_addchar(&b, '\t');
      luaL_tolstring(L, i, nullptr);
      luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    logScriptOutput(stringAt(L, -1));
    return 0;
  }

  // ---- protected calls -----------------------------------------------------------------------

  // Runs entry(ud) in protected mode within `timeout`. On success the entry's `nresults` values
  // are left on the stack; on failure the stack is as before and the error says what happened.
  static PolicyError run(LuaState& self, lua_CFunction entry, void* ud, int nresults,
                         std::chrono::microseconds timeout) {
    lua_State* L = self.L_;
    int base = lua_gettop(L);
    if (lua_checkstack(L, 3 + nresults) == 0) return {PolicyErrorKind::Script, "Lua stack exhausted"};
    lua_pushcfunction(L, messageHandler);
    lua_pushcfunction(L, entry);
    lua_pushlightuserdata(L, ud);
    self.timedOut_ = false;
    self.memoryHit_ = false;
    self.budget_ = timeout;
    self.cpuStarted_ = false;
    self.deadline_ = Clock::now() + timeout;
    int status = lua_pcall(L, 1, nresults, base + 1);
    self.deadline_ = Clock::time_point::max();
    if (status == LUA_OK) {
      lua_remove(L, base + 1);
      return {};
    }
    std::string message = lua_type(L, -1) == LUA_TSTRING ? std::string(stringAt(L, -1)) : "(no error message)";
    lua_settop(L, base);
    if (self.timedOut_) {
      self.spoiled_ = true;
      return {PolicyErrorKind::Timeout, std::move(message)};
    }
    if (status == LUA_ERRMEM || self.memoryHit_) {
      self.spoiled_ = true;
      std::string text = "memory limit of " + std::to_string(self.limits_.memoryBytes) + " bytes reached";
      if (message != "not enough memory") text += ": " + message;
      return {PolicyErrorKind::MemoryLimit, std::move(text)};
    }
    return {PolicyErrorKind::Script, std::move(message)};
  }

  static int sandboxEntry(lua_State* L) {
    luaL_checkstack(L, 8, nullptr);
    const luaL_Reg libraries[] = {{LUA_GNAME, luaopen_base},
                                  {LUA_STRLIBNAME, luaopen_string},
                                  {LUA_TABLIBNAME, luaopen_table},
                                  {LUA_MATHLIBNAME, luaopen_math},
                                  {LUA_UTF8LIBNAME, luaopen_utf8}};
    for (const auto& library : libraries) {
      luaL_requiref(L, library.name, library.func, 1);
      lua_pop(L, 1);
    }
    lua_pushglobaltable(L);
    int globals = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, globals) != 0) {
      lua_pop(L, 1);
      if (lua_type(L, -1) != LUA_TSTRING || !allowedGlobal(stringAt(L, -1))) {
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, globals);  // clearing fields during lua_next is allowed
      }
    }
    lua_getfield(L, globals, LUA_STRLIBNAME);
    int string = lua_gettop(L);
    // string.dump would hand out bytecode, the one way around text-only loading.
    lua_pushnil(L);
    lua_setfield(L, string, "dump");
    wrap(L, string, "rep", guardedRep);
    wrapPattern(L, string, "find", 0);
    wrapPattern(L, string, "gmatch", 1);
    wrapPattern(L, string, "match", 2);
    wrapPattern(L, string, "gsub", 2);
    lua_getfield(L, globals, LUA_TABLIBNAME);
    int table = lua_gettop(L);
    wrap(L, table, "insert", guardedShift);
    wrap(L, table, "remove", guardedShift);
    wrap(L, table, "move", guardedMove);
    lua_pop(L, 2);
    lua_pushcfunction(L, setMetatable);
    lua_setfield(L, globals, "setmetatable");
    lua_pushcfunction(L, printToLog);
    lua_setfield(L, globals, "print");
    // Every string shares one metatable: getmetatable("") must not hand it out.
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushstring(L, kLocked);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    return 0;
  }

  struct ChunkCall {
    const std::string* text;
    const std::string* chunkName;
  };

  static int chunkEntry(lua_State* L) {
    const auto& call = *static_cast<const ChunkCall*>(lua_touserdata(L, 1));
    // "t": text only; precompiled chunks can crash the VM.
    if (luaL_loadbufferx(L, call.text->data(), call.text->size(), call.chunkName->c_str(), "t") != LUA_OK)
      return lua_error(L);
    lua_call(L, 0, 0);
    return 0;
  }

  static int takeFunction(lua_State* L, int globals, const char* name, const std::string& file) {
    lua_pushstring(L, name);
    lua_rawget(L, globals);
    if (lua_isfunction(L, -1) == 0) luaL_error(L, "%s: no global function '%s' defined", file.c_str(), name);
    return luaL_ref(L, LUA_REGISTRYINDEX);
  }

  static int lockEntry(lua_State* L) {
    LuaState& self = *static_cast<LuaState*>(lua_touserdata(L, 1));
    luaL_checkstack(L, 4, nullptr);
    lua_pushglobaltable(L);
    int globals = lua_gettop(L);
    // Held by reference, so reassigning the global later does not change what the engine calls.
    self.routeRef_ = takeFunction(L, globals, "route", self.routingName_);
    self.priceRef_ = takeFunction(L, globals, "price", self.pricingName_);
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, undefinedGlobal);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, newGlobal);
    lua_setfield(L, -2, "__newindex");
    lua_pushstring(L, kLocked);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, globals);
    newCallTables(L, self);
    return 0;
  }

  static void newCallTables(lua_State* L, LuaState& self) {
    lua_createtable(L, 0, 14);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, lazyRequestField);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, kLocked);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    self.requestRef_ = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, 0, 6);
    self.usageRef_ = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, 0, 5);
    self.priceContextRef_ = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, 0, 4);
    self.pricesRef_ = luaL_ref(L, LUA_REGISTRYINDEX);
  }

  // ---- JSON <-> Lua ----------------------------------------------------------------------------

  // JSON null becomes nil, so null members of objects are absent in Lua.
  static void pushJson(lua_State* L, const nlohmann::json& value, int depthLeft, int maxDepth) {
    if (depthLeft <= 0) luaL_error(L, "JSON nested deeper than %d levels", maxDepth);
    luaL_checkstack(L, 3, "JSON nested too deep");
    switch (value.type()) {
      case nlohmann::json::value_t::boolean:
        lua_pushboolean(L, value.get<bool>());
        return;
      case nlohmann::json::value_t::number_integer:
        lua_pushinteger(L, value.get<int64_t>());
        return;
      case nlohmann::json::value_t::number_unsigned: {
        auto v = value.get<uint64_t>();
        if (v > static_cast<uint64_t>(std::numeric_limits<lua_Integer>::max()))
          luaL_error(L, "JSON integer above 2^63-1 does not fit a Lua integer");
        lua_pushinteger(L, static_cast<lua_Integer>(v));
        return;
      }
      case nlohmann::json::value_t::number_float:
        lua_pushnumber(L, value.get<double>());
        return;
      case nlohmann::json::value_t::string: {
        const auto& s = value.get_ref<const std::string&>();
        lua_pushlstring(L, s.data(), s.size());
        return;
      }
      case nlohmann::json::value_t::array: {
        const auto& array = value.get_ref<const nlohmann::json::array_t&>();
        lua_createtable(L, static_cast<int>(std::min<size_t>(array.size(), INT32_MAX)), 0);
        for (size_t i = 0; i < array.size(); ++i) {
          pushJson(L, array[i], depthLeft - 1, maxDepth);
          lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
        }
        return;
      }
      case nlohmann::json::value_t::object: {
        const auto& object = value.get_ref<const nlohmann::json::object_t&>();
        lua_createtable(L, 0, static_cast<int>(std::min<size_t>(object.size(), INT32_MAX)));
        for (const auto& [key, member] : object) {
          lua_pushlstring(L, key.data(), key.size());
          pushJson(L, member, depthLeft - 1, maxDepth);
          lua_rawset(L, -3);
        }
        return;
      }
      case nlohmann::json::value_t::null:
        lua_pushnil(L);
        return;
      default:
        luaL_error(L, "JSON value of type %s has no Lua form", value.type_name());
    }
  }

  // Raw reads only: a table's metamethods are not consulted. A table is a JSON array when its
  // keys are exactly 1..n (n > 0); anything else, the empty table included, is an object.
  static bool toJson(lua_State* L, int idx, int depthLeft, int maxDepth, nlohmann::json& out, std::string& error) {
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
      case LUA_TNIL:
        out = nullptr;
        return true;
      case LUA_TBOOLEAN:
        out = lua_toboolean(L, idx) != 0;
        return true;
      case LUA_TNUMBER: {
        if (lua_isinteger(L, idx) != 0) {
          out = static_cast<int64_t>(lua_tointeger(L, idx));
          return true;
        }
        double d = lua_tonumber(L, idx);
        if (!std::isfinite(d)) {
          error = "NaN and infinity have no JSON form";
          return false;
        }
        out = d;
        return true;
      }
      case LUA_TSTRING: {
        auto s = stringAt(L, idx);
        if (!validUtf8(s)) {
          error = "a string that is not UTF-8 has no JSON form";
          return false;
        }
        out = std::string(s);
        return true;
      }
      case LUA_TTABLE:
        return tableToJson(L, idx, depthLeft, maxDepth, out, error);
      default:
        error = std::string("a ") + luaL_typename(L, idx) + " has no JSON form";
        return false;
    }
  }

  static bool tableToJson(lua_State* L, int idx, int depthLeft, int maxDepth, nlohmann::json& out,
                          std::string& error) {
    if (depthLeft <= 0) {
      error = "tables nested deeper than " + std::to_string(maxDepth) + " levels (or a cycle)";
      return false;
    }
    if (lua_checkstack(L, 3) == 0) {
      error = "Lua stack exhausted";
      return false;
    }
    lua_Integer count = 0;
    lua_Integer maxKey = 0;
    bool sequence = true;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      lua_pop(L, 1);
      ++count;
      if (lua_isinteger(L, -1) != 0 && lua_tointeger(L, -1) >= 1)
        maxKey = std::max(maxKey, lua_tointeger(L, -1));
      else
        sequence = false;
    }
    if (count > 0 && sequence && maxKey == count) {
      out = nlohmann::json::array();
      for (lua_Integer i = 1; i <= count; ++i) {
        lua_rawgeti(L, idx, i);
        nlohmann::json element;
        if (!toJson(L, -1, depthLeft - 1, maxDepth, element, error)) return false;
        lua_pop(L, 1);
        out.push_back(std::move(element));
      }
      return true;
    }
    out = nlohmann::json::object();
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      std::string key;
      if (lua_type(L, -2) == LUA_TSTRING) {
        key = stringAt(L, -2);
        if (!validUtf8(key)) {
          error = "a table key that is not UTF-8 has no JSON form";
          return false;
        }
      } else if (lua_isinteger(L, -2) != 0) {
        key = std::to_string(lua_tointeger(L, -2));
      } else {
        error = "a table key of type " + typeName(L, -2) + " has no JSON form";
        return false;
      }
      nlohmann::json member;
      if (!toJson(L, -1, depthLeft - 1, maxDepth, member, error)) return false;
      out[key] = std::move(member);
      lua_pop(L, 1);
    }
    return true;
  }

  // ---- route -----------------------------------------------------------------------------------

  struct RouteCall {
    LuaState* self;
    const RouteRequest* request;
    const RouteContext* context;
  };

  // req is one table per state, rewritten by every call: nothing allocated on the request path.
  static void pushRouteRequest(lua_State* L, const LuaState& self, const RouteRequest& r) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, self.requestRef_);
    setString(L, "model", r.model);
    setString(L, "operation", r.operation);
    setBoolean(L, "stream", r.stream);
    setInteger(L, "message_count", r.messageCount);
    setInteger(L, "prompt_tokens", clampInteger(r.promptTokens));
    if (r.maxTokens)
      setInteger(L, "max_tokens", clampInteger(*r.maxTokens));
    else
      setNil(L, "max_tokens");
    setBoolean(L, "has_tools", r.hasTools);
    setBoolean(L, "has_images", r.hasImages);
    setInteger(L, "code_signals", r.codeSignals);
    setOptionalString(L, "account_id", r.accountId);
    setOptionalString(L, "tier", r.tier);
    // Built on first access by lazyRequestField: most calls never read them.
    setNil(L, "headers");
    setNil(L, "metadata");
  }

  static void pushHeaders(lua_State* L, const RouteRequest& r) {
    lua_createtable(L, 0, static_cast<int>(std::min<size_t>(r.headers.size(), INT32_MAX)));
    for (const auto& h : r.headers) {
      lua_pushlstring(L, h.name.data(), h.name.size());
      lua_pushvalue(L, -1);
      if (lua_rawget(L, -3) != LUA_TNIL) {  // the first value wins, as in http::Request::header()
        lua_pop(L, 2);
        continue;
      }
      lua_pop(L, 1);
      pushHeaderValue(L, h);
      lua_rawset(L, -3);
    }
  }

  // Credentials never reach a script (whose print goes to the log): a script sees that they are
  // there, and a well-known scheme of an Authorization header ("Bearer [redacted]").
  static void pushHeaderValue(lua_State* L, const http::Header& h) {
    constexpr std::string_view kSecret[] = {"cookie", "x-spend-token", "x-api-key", "api-key"};
    constexpr std::string_view kSchemes[] = {"Bearer", "L402", "LSAT", "Basic"};
    if (h.name == "authorization" || h.name == "proxy-authorization") {
      std::string_view v = h.value;
      v.remove_prefix(std::min(v.size(), v.find_first_not_of(" \t")));
      auto known = std::find_if(std::begin(kSchemes), std::end(kSchemes), [&](std::string_view scheme) {
        return v.size() > scheme.size() && (v[scheme.size()] == ' ' || v[scheme.size()] == '\t') &&
               util::iequals(v.substr(0, scheme.size()), scheme);
      });
      if (known == std::end(kSchemes)) {
        lua_pushliteral(L, "[redacted]");
      } else {
        lua_pushlstring(L, known->data(), known->size());
        lua_pushliteral(L, " [redacted]");
        lua_concat(L, 2);
      }
      return;
    }
    if (std::find(std::begin(kSecret), std::end(kSecret), h.name) != std::end(kSecret)) {
      lua_pushliteral(L, "[redacted]");
      return;
    }
    lua_pushlstring(L, h.value.data(), h.value.size());
  }

  // __index of req: builds headers and metadata of the running call, and stores them in req so
  // later reads in the same call find them directly.
  static int lazyRequestField(lua_State* L) {
    LuaState& self = of(L);
    const RouteRequest* r = self.currentRequest_;
    if (r == nullptr || lua_type(L, 2) != LUA_TSTRING) return 0;
    std::string_view key = stringAt(L, 2);
    if (key == "headers")
      pushHeaders(L, *r);
    else if (key == "metadata" && r->metadata != nullptr)
      pushJson(L, *r->metadata, self.limits_.maxDepth, self.limits_.maxDepth);
    else
      return 0;
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
  }

  static void pushCandidate(lua_State* L, const ProviderCandidate& c) {
    lua_createtable(L, 0, 10);
    setString(L, "provider", c.provider);
    setString(L, "model", c.model);
    lua_createtable(L, static_cast<int>(c.capabilities.size()), 0);
    for (size_t i = 0; i < c.capabilities.size(); ++i) {
      lua_pushlstring(L, c.capabilities[i].data(), c.capabilities[i].size());
      lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
    }
    lua_setfield(L, -2, "capabilities");
    lua_createtable(L, 0, 2);
    setInteger(L, "input", c.priceInput);
    setInteger(L, "output", c.priceOutput);
    lua_setfield(L, -2, "price");
    setInteger(L, "context_length", clampInteger(c.contextLength));
    setString(L, "health", healthName(c.health));
    setNumber(L, "latency_ms", c.latencyEwmaMs);
    setNumber(L, "error_rate", c.errorRate);
    setInteger(L, "in_flight", c.inFlight);
  }

  // ctx is built once per snapshot and kept in the registry: most calls only fetch it.
  static void pushRouteContext(lua_State* L, LuaState& self, const RouteContext& context) {
    if (self.ctxCached_ && self.cachedSnapshot_ == context.providers) {
      lua_rawgetp(L, LUA_REGISTRYINDEX, &kContextKey);
      return;
    }
    luaL_checkstack(L, 12, nullptr);
    const auto& candidates = context.providers ? context.providers->candidates() : kNoCandidates;
    self.candidateTables_.clear();
    self.ctxCached_ = false;
    lua_createtable(L, 0, 2);                                       // ctx
    lua_createtable(L, static_cast<int>(candidates.size()), 0);     // ctx, providers
    lua_createtable(L, 0, static_cast<int>(candidates.size()));     // ctx, providers, by_model
    int providers = lua_gettop(L) - 1;
    int byModel = lua_gettop(L);
    for (size_t i = 0; i < candidates.size(); ++i) {
      pushCandidate(L, candidates[i]);                              // ... candidate
      self.candidateTables_.emplace_back(lua_topointer(L, -1), &candidates[i]);
      lua_pushvalue(L, -1);
      lua_rawseti(L, providers, static_cast<lua_Integer>(i + 1));
      lua_pushlstring(L, candidates[i].model.data(), candidates[i].model.size());
      lua_pushvalue(L, -1);
      if (lua_rawget(L, byModel) == LUA_TNIL) {                     // ... candidate, model, list
        lua_pop(L, 1);
        lua_createtable(L, 2, 0);
        lua_pushvalue(L, -2);
        lua_pushvalue(L, -2);
        lua_rawset(L, byModel);
      }
      lua_pushvalue(L, -3);
      lua_rawseti(L, -2, static_cast<lua_Integer>(lua_rawlen(L, -2)) + 1);
      lua_pop(L, 3);
    }
    lua_setfield(L, -3, "by_model");
    lua_setfield(L, -2, "providers");
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &kContextKey);
    std::sort(self.candidateTables_.begin(), self.candidateTables_.end());
    self.cachedSnapshot_ = context.providers;
    self.ctxCached_ = true;
  }

  static int routeEntry(lua_State* L) {
    const auto& call = *static_cast<const RouteCall*>(lua_touserdata(L, 1));
    luaL_checkstack(L, 8, nullptr);
    lua_rawgeti(L, LUA_REGISTRYINDEX, call.self->routeRef_);
    pushRouteRequest(L, *call.self, *call.request);
    pushRouteContext(L, *call.self, *call.context);
    lua_call(L, 2, 1);
    return 1;
  }

  // The candidate whose ctx table is at idx, or nullptr. Lua never moves a table, and the cached
  // ctx keeps these alive, so the address identifies the candidate.
  static const ProviderCandidate* candidateTable(const LuaState& self, lua_State* L, int idx) {
    const void* table = lua_topointer(L, idx);
    auto it = std::lower_bound(self.candidateTables_.begin(), self.candidateTables_.end(),
                               std::pair<const void*, const ProviderCandidate*>(table, nullptr));
    return it != self.candidateTables_.end() && it->first == table ? it->second : nullptr;
  }

  // A candidate table from ctx, {provider = , model = }, or a provider name (same model as the target).
  static std::string readFallback(const LuaState& self, lua_State* L, int idx, const RouteTarget& target,
                                  RouteTarget& out) {
    if (lua_type(L, idx) == LUA_TSTRING) {
      if (!readName(L, idx, out.provider)) return "is an empty string";
      out.model = target.model;
      return {};
    }
    if (lua_type(L, idx) != LUA_TTABLE)
      return "is " + aTypeName(L, idx) + "; expected a provider name, {provider =, model =} or a ctx candidate";
    if (const ProviderCandidate* c = candidateTable(self, L, idx)) {
      out.provider = c->provider;
      out.model = c->model;
      out.candidate = c;
      return {};
    }
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      std::string_view key = lua_type(L, -2) == LUA_TSTRING ? stringAt(L, -2) : std::string_view();
      if (key == "provider") {
        if (!readName(L, -1, out.provider)) return "has a provider that is not a non-empty string";
      } else if (key == "model") {
        if (!readName(L, -1, out.model)) return "has a model that is not a non-empty string";
      } else {
        return "has an unexpected field (only provider and model)";
      }
      lua_pop(L, 1);
    }
    if (out.provider.empty()) return "has no provider";
    if (out.model.empty()) out.model = target.model;
    return {};
  }

  static std::string readFallbacks(const LuaState& self, lua_State* L, int idx, RouteOutcome& out) {
    const PolicyLimits& limits = self.limits_;
    auto length = static_cast<lua_Integer>(lua_rawlen(L, idx));
    lua_Integer entries = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      lua_pop(L, 1);
      ++entries;
    }
    if (entries != length) return "fallbacks must be a list";
    if (static_cast<size_t>(length) > limits.maxFallbacks)
      return "fallbacks has " + std::to_string(length) + " entries; at most " + std::to_string(limits.maxFallbacks);
    out.fallbacks.reserve(static_cast<size_t>(length));
    for (lua_Integer i = 1; i <= length; ++i) {
      lua_rawgeti(L, idx, i);
      RouteTarget fallback;
      std::string problem = readFallback(self, L, lua_gettop(L), out.target, fallback);
      if (!problem.empty()) return "fallbacks[" + std::to_string(i) + "] " + problem;
      auto same = [&](const RouteTarget& t) { return t.provider == fallback.provider && t.model == fallback.model; };
      if (same(out.target) || std::any_of(out.fallbacks.begin(), out.fallbacks.end(), same))
        return "fallbacks[" + std::to_string(i) + "] repeats " + fallback.provider + "/" + fallback.model;
      out.fallbacks.push_back(std::move(fallback));
      lua_pop(L, 1);
    }
    return {};
  }

  static std::string readRoute(const LuaState& self, lua_State* L, int idx, const RouteRequest& request,
                               RouteOutcome& out) {
    const PolicyLimits& limits = self.limits_;
    int type = lua_type(L, idx);
    if (type == LUA_TNIL) return {};
    if (type != LUA_TTABLE) return "returned " + aTypeName(L, idx) + "; expected nil or a table";
    if (lua_checkstack(L, 6) == 0) return "cannot be read: Lua stack exhausted";
    lua_pushnil(L);  // slot for the fallbacks table
    int fallbacks = lua_gettop(L);
    bool provider = false, model = false, deny = false, message = false;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING) return "result has a key of type " + typeName(L, -2) + "; expected named fields";
      std::string_view key = stringAt(L, -2);
      if (key == "provider") {
        if (!(provider = readName(L, -1, out.target.provider))) return "result: provider must be a non-empty string";
      } else if (key == "model") {
        if (!(model = readName(L, -1, out.target.model))) return "result: model must be a non-empty string";
      } else if (key == "fallbacks") {
        if (lua_type(L, -1) != LUA_TTABLE) return "result: fallbacks must be a list, not " + aTypeName(L, -1);
        lua_copy(L, -1, fallbacks);
      } else if (key == "deny") {
        lua_Integer status = lua_isinteger(L, -1) != 0 ? lua_tointeger(L, -1) : 0;
        if (status < 400 || status > 599) return "result: deny must be an integer HTTP status from 400 to 599";
        out.denyStatus = static_cast<int>(status);
        deny = true;
      } else if (key == "message") {
        if (lua_type(L, -1) != LUA_TSTRING) return "result: message must be a string";
        out.denyMessage.assign(stringAt(L, -1));
        message = true;
      } else if (key == "info") {
        std::string problem;
        if (!toJson(L, -1, limits.maxDepth, limits.maxDepth, out.info, problem)) return "result: info: " + problem;
      } else {
        return "result has an unknown field '" + std::string(key) +
               "' (expected provider, model, fallbacks, deny, message, info)";
      }
      lua_pop(L, 1);
    }
    bool hasFallbacks = lua_type(L, fallbacks) == LUA_TTABLE;
    if (deny) {
      if (provider || model || hasFallbacks) return "result: deny cannot be combined with provider, model or fallbacks";
      if (!message) out.denyMessage = "request denied by routing policy";
      out.decision = RouteOutcome::Decision::Deny;
      return {};
    }
    if (message) return "result: message is only meaningful with deny";
    if (!provider) return "result needs provider (or deny)";
    if (!model) out.target.model.assign(request.model);
    if (hasFallbacks) {
      std::string problem = readFallbacks(self, L, fallbacks, out);
      if (!problem.empty()) return "result: " + problem;
    }
    out.decision = RouteOutcome::Decision::Route;
    return {};
  }

  // ---- price -----------------------------------------------------------------------------------

  struct PriceCall {
    LuaState* self;
    const PriceUsage* usage;
    const PriceContext* context;
  };

  static int priceEntry(lua_State* L) {
    const auto& call = *static_cast<const PriceCall*>(lua_touserdata(L, 1));
    luaL_checkstack(L, 8, nullptr);
    lua_rawgeti(L, LUA_REGISTRYINDEX, call.self->priceRef_);
    const LuaState& self = *call.self;
    // usage, ctx and ctx.prices are reused tables, like req.
    const PriceUsage& u = *call.usage;
    lua_rawgeti(L, LUA_REGISTRYINDEX, self.usageRef_);
    setString(L, "model", u.model);
    setString(L, "provider", u.provider);
    setInteger(L, "prompt_tokens", clampInteger(u.promptTokens));
    setInteger(L, "completion_tokens", clampInteger(u.completionTokens));
    setInteger(L, "cached_tokens", clampInteger(u.cachedTokens));
    setInteger(L, "cache_write_tokens", clampInteger(u.cacheWriteTokens));
    setInteger(L, "images", clampInteger(u.images));
    setBoolean(L, "stream", u.stream);
    const PriceContext& c = *call.context;
    lua_rawgeti(L, LUA_REGISTRYINDEX, self.priceContextRef_);
    setOptionalString(L, "account_id", c.accountId);
    setOptionalString(L, "tier", c.tier);
    lua_rawgeti(L, LUA_REGISTRYINDEX, self.pricesRef_);
    setInteger(L, "input", c.prices.input);
    setInteger(L, "output", c.prices.output);
    setInteger(L, "cached_input", c.prices.cachedInput);
    setInteger(L, "cache_write", c.prices.cacheWrite);
    setInteger(L, "request", c.prices.request);
    setInteger(L, "image", c.prices.image);
    lua_setfield(L, -2, "prices");
    setInteger(L, "markup_ppm", c.markupPpm);
    lua_call(L, 2, 1);
    return 1;
  }

  static std::string readAmount(lua_State* L, int idx, const PolicyLimits& limits, int64_t& amount) {
    if (lua_type(L, idx) != LUA_TNUMBER) return aTypeName(L, idx);
    if (lua_isinteger(L, idx) == 0) {
      double d = lua_tonumber(L, idx);
      if (std::isnan(d)) return "NaN";
      char text[96];
      std::snprintf(text, sizeof text, "the float %.17g (amounts are integers: use math.ceil or //)", d);
      return text;
    }
    lua_Integer v = lua_tointeger(L, idx);
    if (v < 0) return "a negative amount (" + std::to_string(v) + ")";
    if (v > limits.maxAmount)
      return std::to_string(v) + ", above the largest accepted amount " + std::to_string(limits.maxAmount);
    amount = v;
    return {};
  }

  static std::string readPrice(lua_State* L, int idx, const PolicyLimits& limits, int64_t& amount) {
    if (lua_type(L, idx) != LUA_TTABLE) {
      std::string problem = readAmount(L, idx, limits, amount);
      return problem.empty() ? problem : "returned " + problem + "; expected an integer or {amount = integer}";
    }
    if (lua_checkstack(L, 3) == 0) return "result cannot be read: Lua stack exhausted";
    bool found = false;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING || stringAt(L, -2) != "amount")
        return "returned a table with a field other than amount";
      std::string problem = readAmount(L, -1, limits, amount);
      if (!problem.empty()) return "returned amount = " + problem;
      found = true;
      lua_pop(L, 1);
    }
    return found ? std::string() : "returned a table without amount";
  }
};

BuiltState LuaState::build(const ScriptSource& routing, const ScriptSource& pricing, const PolicyLimits& limits) {
  std::unique_ptr<LuaState> self(new LuaState(limits));
  self->routingName_ = routing.name;
  self->pricingName_ = pricing.name;
  self->L_ = lua_newstate(&Internals::allocate, self.get());
  if (self->L_ == nullptr)
    return {nullptr, "cannot create a Lua state within " + std::to_string(limits.memoryBytes) + " bytes"};
  *static_cast<LuaState**>(lua_getextraspace(self->L_)) = self.get();
  lua_atpanic(self->L_, &Internals::panic);
  lua_sethook(self->L_, &Internals::hook, LUA_MASKCOUNT, kHookInterval);
  if (auto e = Internals::run(*self, &Internals::sandboxEntry, nullptr, 0, limits.loadTimeout))
    return {nullptr, "cannot set up the Lua sandbox: " + e.message};
  for (const ScriptSource* script : {&routing, &pricing}) {
    std::string chunkName = "@" + script->name;  // '@': messages show the name as a file
    Internals::ChunkCall call{&script->text, &chunkName};
    if (auto e = Internals::run(*self, &Internals::chunkEntry, &call, 0, limits.loadTimeout)) {
      if (e.kind == PolicyErrorKind::MemoryLimit) e.message += " while loading " + script->name;
      return {nullptr, e.message};
    }
  }
  if (auto e = Internals::run(*self, &Internals::lockEntry, self.get(), 0, limits.loadTimeout))
    return {nullptr, e.message};
  return {std::move(self), {}};
}

LuaState::~LuaState() {
  if (L_ != nullptr) lua_close(L_);
}

RouteOutcome LuaState::route(const RouteRequest& request, const RouteContext& context) {
  RouteOutcome out;
  StackGuard guard(L_);
  Internals::RouteCall call{this, &request, &context};
  currentRequest_ = &request;
  auto e = Internals::run(*this, &Internals::routeEntry, &call, 1, limits_.callTimeout);
  currentRequest_ = nullptr;
  if (e) {
    out.error = std::move(e);
    return out;
  }
  std::string problem = Internals::readRoute(*this, L_, lua_gettop(L_), request, out);
  if (!problem.empty()) {
    out = RouteOutcome{};
    out.error = {PolicyErrorKind::BadResult, routingName_ + ": route() " + problem};
  }
  return out;
}

PriceOutcome LuaState::price(const PriceUsage& usage, const PriceContext& context) {
  PriceOutcome out;
  StackGuard guard(L_);
  Internals::PriceCall call{this, &usage, &context};
  if (auto e = Internals::run(*this, &Internals::priceEntry, &call, 1, limits_.callTimeout)) {
    out.error = std::move(e);
    return out;
  }
  std::string problem = Internals::readPrice(L_, lua_gettop(L_), limits_, out.amount);
  if (!problem.empty()) {
    out.amount = 0;
    out.error = {PolicyErrorKind::BadResult, pricingName_ + ": price() " + problem};
  }
  return out;
}

}  // namespace turnpike::policy
