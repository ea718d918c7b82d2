#include "plugins/loader.hpp"

#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

namespace turnpike::plugins {

namespace {

// Process-lifetime storage: never destroyed, so no library is ever unloaded.
std::map<std::string, boost::dll::shared_library>& libraries() {
  static auto* libs = new std::map<std::string, boost::dll::shared_library>();
  return *libs;
}
std::mutex& librariesMutex() {
  static auto* m = new std::mutex();
  return *m;
}

constexpr size_t kMinDescriptorSize = offsetof(tp_plugin_descriptor, vtable) + sizeof(void*);

size_t minVtableSize(tp_plugin_kind kind) {
  switch (kind) {
    case TP_KIND_PROVIDER: return offsetof(tp_provider_vtable, on_respond_local) + sizeof(void*);
    case TP_KIND_PAYMENT: return offsetof(tp_payment_vtable, tick_ms) + sizeof(uint32_t);
    case TP_KIND_TOOL: return offsetof(tp_tool_vtable, on_call) + sizeof(void*);
    case TP_KIND_ENRICHMENT: return offsetof(tp_enrichment_vtable, on_call) + sizeof(void*);
    default: return sizeof(uint32_t);
  }
}

}  // namespace

std::string_view kindName(tp_plugin_kind kind) {
  switch (kind) {
    case TP_KIND_PROVIDER: return "provider";
    case TP_KIND_PAYMENT: return "payment";
    case TP_KIND_ENRICHMENT: return "enrichment";
    case TP_KIND_TOOL: return "tool";
  }
  return "unknown";
}

LoadedPlugin Loader::loadFile(const std::string& path, const std::string& name, tp_plugin_kind kind) {
  const tp_plugin_descriptor* d = nullptr;
  {
    std::lock_guard lock(librariesMutex());
    auto& libs = libraries();
    auto it = libs.find(path);
    if (it == libs.end()) {
      boost::dll::shared_library lib;
      try {
        lib.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
      } catch (const std::exception& e) {
        throw LoadError("plugin '" + name + "' (" + path + "): cannot load: " + e.what());
      }
      if (!lib.has(TP_ENTRY_SYMBOL))
        throw LoadError("plugin '" + name + "' (" + path + "): not a Turnpike plugin (no " TP_ENTRY_SYMBOL " symbol)");
      it = libs.emplace(path, std::move(lib)).first;
    }
    auto& entry = it->second.get<const tp_plugin_descriptor*(uint32_t)>(TP_ENTRY_SYMBOL);
    d = entry(TP_ABI_VERSION);
  }
  std::string where = "plugin '" + name + "' (" + path + ")";
  if (d == nullptr) throw LoadError(where + ": refused to load into a host with ABI v" + std::to_string(TP_ABI_VERSION));
  if (d->struct_size < kMinDescriptorSize)
    throw LoadError(where + ": descriptor is " + std::to_string(d->struct_size) + " bytes, ABI v" +
                    std::to_string(TP_ABI_VERSION) + " needs at least " + std::to_string(kMinDescriptorSize));
  if (d->abi_version != TP_ABI_VERSION)
    throw LoadError(where + ": built for plugin ABI v" + std::to_string(d->abi_version) + ", this gateway speaks v" +
                    std::to_string(TP_ABI_VERSION));
  if (d->kind != kind)
    throw LoadError(where + ": is a " + std::string(kindName(d->kind)) + " plugin, configured as a " +
                    std::string(kindName(kind)));
  if (d->on_create == nullptr || d->on_destroy == nullptr || d->vtable == nullptr)
    throw LoadError(where + ": descriptor lacks on_create, on_destroy or its vtable");
  uint32_t vtableSize = *static_cast<const uint32_t*>(d->vtable);
  if (vtableSize < minVtableSize(kind))
    throw LoadError(where + ": " + std::string(kindName(kind)) + " vtable is " + std::to_string(vtableSize) +
                    " bytes, ABI v" + std::to_string(TP_ABI_VERSION) + " needs at least " +
                    std::to_string(minVtableSize(kind)));
  if (kind == TP_KIND_PROVIDER) {
    const auto* v = static_cast<const tp_provider_vtable*>(d->vtable);
    if (v->on_build_request == nullptr || v->on_response == nullptr)
      throw LoadError(where + ": provider vtable lacks on_build_request or on_response");
  }
  if (kind == TP_KIND_TOOL) {
    const auto* v = static_cast<const tp_tool_vtable*>(d->vtable);
    if (v->on_describe == nullptr || v->on_call == nullptr)
      throw LoadError(where + ": tool vtable lacks on_describe or on_call");
  }
  if (kind == TP_KIND_ENRICHMENT) {
    const auto* v = static_cast<const tp_enrichment_vtable*>(d->vtable);
    if (v->on_endpoints == nullptr || v->on_call == nullptr)
      throw LoadError(where + ": enrichment vtable lacks on_endpoints or on_call");
  }
  return LoadedPlugin{name, path, d};
}

const LoadedPlugin& Loader::load(const std::string& name, tp_plugin_kind kind) {
  for (const auto& p : plugins_) {
    if (p->name != name) continue;
    if (p->descriptor->kind != kind)
      throw LoadError("plugin '" + name + "' (" + p->path + "): is a " + std::string(kindName(p->descriptor->kind)) +
                      " plugin, configured as a " + std::string(kindName(kind)));
    return *p;
  }
  namespace fs = std::filesystem;
  fs::path candidates[] = {fs::path(dir_) / ("lib" + name + ".so"), fs::path(dir_) / (name + ".so")};
  for (const auto& c : candidates) {
    std::error_code ec;
    if (!fs::exists(c, ec)) continue;
    auto canonical = fs::weakly_canonical(c, ec).string();
    plugins_.push_back(std::make_unique<LoadedPlugin>(loadFile(canonical.empty() ? c.string() : canonical, name, kind)));
    return *plugins_.back();
  }
  throw LoadError("plugin '" + name + "' not found: looked for " + candidates[0].string() + " and " +
                  candidates[1].string() + " (plugins.dir is '" + dir_ + "')");
}

std::vector<const LoadedPlugin*> Loader::loaded() const {
  std::vector<const LoadedPlugin*> out;
  for (const auto& p : plugins_) out.push_back(p.get());
  return out;
}

}  // namespace turnpike::plugins
