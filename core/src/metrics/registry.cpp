#include "metrics/registry.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace turnpike::metrics {

namespace {

void appendEscaped(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

void appendNumber(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back the same
  out.append(buf, r.ptr);
}

void appendLabels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                  std::string_view extraName = {}, std::string_view extraValue = {}) {
  if (names.empty() && extraName.empty()) return;
  out.push_back('{');
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out.push_back(',');
    first = false;
    out += names[i];
    out += "=\"";
    appendEscaped(out, values[i]);
    out.push_back('"');
  }
  if (!extraName.empty()) {
    if (!first) out.push_back(',');
    out += extraName;
    out += "=\"";
    out += extraValue;
    out.push_back('"');
  }
  out.push_back('}');
}

void appendHeader(std::string& out, const std::string& name, const std::string& help, std::string_view type) {
  out += "# HELP " + name + " ";
  for (char c : help) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  out += "\n# TYPE " + name + " ";
  out += type;
  out += "\n";
}

}  // namespace

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds->size()]) {
  for (size_t i = 0; i < bounds->size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) {
  const auto& b = *bounds_;
  for (size_t i = 0; i < b.size(); ++i) {
    if (value <= b[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  if (value > 0) sumNanos_.fetch_add(static_cast<uint64_t>(value * 1e9), std::memory_order_relaxed);
}

double Histogram::sum() const { return static_cast<double>(sumNanos_.load(std::memory_order_relaxed)) / 1e9; }

template <class Cell>
typename Family<Cell>::Entry Family<Cell>::makeEntry(std::vector<std::string> labelValues) const {
  Entry entry;
  entry.labelValues = std::move(labelValues);
  if constexpr (std::is_same_v<Cell, Histogram>) {
    entry.cell = std::make_unique<Histogram>(bounds_);
  } else {
    entry.cell = std::make_unique<Cell>();
  }
  return entry;
}

template <class Cell>
Cell& Family<Cell>::with(std::initializer_list<std::string_view> values) {
  thread_local std::string key;
  key.clear();
  for (auto v : values) {
    key.append(v);
    key.push_back('\x1f');
  }
  std::lock_guard lock(mutex_);
  auto it = cells_.find(key);
  if (it != cells_.end()) return *it->second.cell;
  if (cells_.size() >= maxSeries_) {
    if (!overflow_)
      overflow_ = std::make_unique<Entry>(makeEntry(std::vector<std::string>(values.size(), std::string(kOverflowLabel))));
    if (overflowed_ != nullptr) overflowed_->add();
    return *overflow_->cell;
  }
  Entry entry = makeEntry(std::vector<std::string>(values.begin(), values.end()));
  Cell& ref = *entry.cell;
  cells_.emplace(key, std::move(entry));
  return ref;
}

template <class Cell>
size_t Family<Cell>::seriesCount() const {
  std::lock_guard lock(mutex_);
  return cells_.size() + (overflow_ ? 1 : 0);
}

template <class Cell>
void Family<Cell>::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  auto renderEntry = [&](const Entry& e) {
    const auto& values = e.labelValues;
    const auto& cell = e.cell;
    if constexpr (std::is_same_v<Cell, Histogram>) {
      uint64_t cumulative = 0;
      // Read the count first: concurrent observations may land in buckets meanwhile, and the
      // +Inf bucket must equal _count.
      uint64_t count = cell->count();
      for (size_t i = 0; i < cell->bounds().size(); ++i) {
        cumulative += cell->bucketCount(i);
        std::string le;
        appendNumber(le, cell->bounds()[i]);
        out += name_ + "_bucket";
        appendLabels(out, labels_, values, "le", le);
        out.push_back(' ');
        out += std::to_string(std::min(cumulative, count));
        out.push_back('\n');
      }
      out += name_ + "_bucket";
      appendLabels(out, labels_, values, "le", "+Inf");
      out.push_back(' ');
      out += std::to_string(count);
      out.push_back('\n');
      out += name_ + "_sum";
      appendLabels(out, labels_, values);
      out.push_back(' ');
      appendNumber(out, cell->sum());
      out.push_back('\n');
      out += name_ + "_count";
      appendLabels(out, labels_, values);
      out.push_back(' ');
      out += std::to_string(count);
      out.push_back('\n');
    } else {
      out += name_;
      appendLabels(out, labels_, values);
      out.push_back(' ');
      out += std::to_string(cell->value());
      out.push_back('\n');
    }
  };
  appendHeader(out, name_, help_,
               std::is_same_v<Cell, Counter> ? "counter" : std::is_same_v<Cell, Gauge> ? "gauge" : "histogram");
  for (const auto& [_, e] : cells_) renderEntry(e);
  if (overflow_) renderEntry(*overflow_);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Registry(size_t maxSeriesPerFamily)
    : maxSeries_(maxSeriesPerFamily),
      overflow_(std::make_unique<Family<Counter>>(
          "turnpike_metric_series_overflow_total",
          "Lookups of a label set past the family's series limit, counted into its _overflow series",
          std::vector<std::string>{"family"}, Type::Counter, SIZE_MAX, nullptr)) {}

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  Counter* overflowed = &overflow_->with({name});
  counters_.push_back(std::make_unique<Family<Counter>>(std::move(name), std::move(help), std::move(labels), Type::Counter,
                                                        maxSeries_, overflowed));
  return *counters_.back();
}

Family<Gauge>& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  Counter* overflowed = &overflow_->with({name});
  gauges_.push_back(std::make_unique<Family<Gauge>>(std::move(name), std::move(help), std::move(labels), Type::Gauge,
                                                    maxSeries_, overflowed));
  return *gauges_.back();
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<std::string> labels,
                                       std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  Counter* overflowed = &overflow_->with({name});
  bounds_.push_back(std::make_unique<std::vector<double>>(std::move(bounds)));
  histograms_.push_back(std::make_unique<Family<Histogram>>(std::move(name), std::move(help), std::move(labels),
                                                            Type::Histogram, maxSeries_, overflowed, bounds_.back().get()));
  return *histograms_.back();
}

void Registry::gaugeCallback(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  callbacks_.push_back({std::move(name), std::move(help), std::move(read), Type::Gauge});
}

void Registry::counterCallback(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  callbacks_.push_back({std::move(name), std::move(help), std::move(read), Type::Counter});
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(16 * 1024);
  overflow_->render(out);
  for (const auto& f : counters_) f->render(out);
  for (const auto& f : gauges_) f->render(out);
  for (const auto& f : histograms_) f->render(out);
  for (const auto& c : callbacks_) {
    appendHeader(out, c.name, c.help, c.type == Type::Counter ? "counter" : "gauge");
    out += c.name + " ";
    appendNumber(out, c.read());
    out.push_back('\n');
  }
  return out;
}

std::vector<double> latencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

}  // namespace turnpike::metrics
