#include "store/plugin_state_repository.hpp"

namespace turnpike::store::plugin_state {

std::optional<std::string> get(Connection& c, std::string_view plugin, std::string_view key) {
  auto& s = c.prepared("SELECT value FROM plugin_state WHERE plugin = ? AND key = ?");
  s.bind(1, plugin).bind(2, key);
  if (!s.step()) return std::nullopt;
  std::string v = s.text(0);
  s.reset();
  return v;
}

void put(Connection& c, std::string_view plugin, std::string_view key, std::string_view value, int64_t now) {
  c.prepared("INSERT INTO plugin_state (plugin, key, value, updated_at) VALUES (?1, ?2, ?3, ?4) "
             "ON CONFLICT (plugin, key) DO UPDATE SET value = ?3, updated_at = ?4")
      .bind(1, plugin)
      .bind(2, key)
      .bind(3, value)
      .bind(4, now)
      .execute();
}

bool insert(Connection& c, std::string_view plugin, std::string_view key, std::string_view value, int64_t now) {
  return c.prepared("INSERT INTO plugin_state (plugin, key, value, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (plugin, key) DO NOTHING")
             .bind(1, plugin)
             .bind(2, key)
             .bind(3, value)
             .bind(4, now)
             .execute() == 1;
}

void remove(Connection& c, std::string_view plugin, std::string_view key) {
  c.prepared("DELETE FROM plugin_state WHERE plugin = ? AND key = ?").bind(1, plugin).bind(2, key).execute();
}

void scan(Connection& c, std::string_view plugin, std::string_view prefix,
          const std::function<bool(const std::string&, const std::string&)>& visit) {
  // key >= prefix AND key < prefix + U+10FFFF-ish sentinel: a range the primary key index serves.
  std::string upper = std::string(prefix) + "\xF4\x8F\xBF\xBF";
  auto& s = c.prepared("SELECT key, value FROM plugin_state WHERE plugin = ? AND key >= ? AND key < ? ORDER BY key");
  s.bind(1, plugin).bind(2, prefix).bind(3, upper);
  while (s.step()) {
    if (!visit(s.text(0), s.text(1))) break;
  }
  s.reset();
}

}  // namespace turnpike::store::plugin_state
