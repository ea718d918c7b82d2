// Prometheus metrics: counters, gauges and histograms with labels, rendered in the text
// exposition format. A labelled cell is looked up once (under a lock) and then updated with
// relaxed atomics, so hot paths keep references to their cells.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace turnpike::metrics {

class Counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void observe(double value);
  // Rendering support.
  const std::vector<double>& bounds() const { return *bounds_; }
  uint64_t bucketCount(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // non-cumulative, one per bound
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sumNanos_{0};  // values are seconds; summed in nanoseconds
};

enum class Type { Counter, Gauge, Histogram };

// Label values of the series that takes every tuple past a family's series limit.
inline constexpr std::string_view kOverflowLabel = "_overflow";

template <class Cell>
class Family {
 public:
  // At most `maxSeries` label tuples get their own series; later ones share the overflow
  // series and each such lookup adds to `overflowed` (when given).
  Family(std::string name, std::string help, std::vector<std::string> labels, Type type, size_t maxSeries,
         Counter* overflowed, const std::vector<double>* bounds = nullptr)
      : name_(std::move(name)),
        help_(std::move(help)),
        labels_(std::move(labels)),
        type_(type),
        maxSeries_(maxSeries),
        overflowed_(overflowed),
        bounds_(bounds) {}

  // The cell for these label values (in the family's label order). References stay valid.
  Cell& with(std::initializer_list<std::string_view> values);
  size_t seriesCount() const;

  const std::string& name() const { return name_; }
  void render(std::string& out) const;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> labels_;
  Type type_;
  size_t maxSeries_;
  Counter* overflowed_;
  const std::vector<double>* bounds_;
  struct Entry {
    std::vector<std::string> labelValues;
    std::unique_ptr<Cell> cell;
  };
  Entry makeEntry(std::vector<std::string> labelValues) const;
  mutable std::mutex mutex_;
  // Keyed by the label values joined with a unit separator: found without allocating.
  std::map<std::string, Entry, std::less<>> cells_;
  std::unique_ptr<Entry> overflow_;  // created on the first tuple past the limit
};

class Registry {
 public:
  // Series per family: label values can come from outside (plugins, upstream model lists), so
  // no family grows without bound.
  static constexpr size_t kDefaultMaxSeries = 10'000;
  explicit Registry(size_t maxSeriesPerFamily = kDefaultMaxSeries);

  Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Gauge>& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Histogram>& histogram(std::string name, std::string help, std::vector<std::string> labels,
                               std::vector<double> bounds);
  // A gauge computed when scraped.
  void gaugeCallback(std::string name, std::string help, std::function<double()> read);
  // A counter kept elsewhere (a total that only grows), read when scraped.
  void counterCallback(std::string name, std::string help, std::function<double()> read);

  std::string render() const;

 private:
  size_t maxSeries_;
  mutable std::mutex mutex_;
  // turnpike_metric_series_overflow_total{family}: registered first, capped by the code's own
  // family names.
  std::unique_ptr<Family<Counter>> overflow_;
  std::vector<std::unique_ptr<Family<Counter>>> counters_;
  std::vector<std::unique_ptr<Family<Gauge>>> gauges_;
  std::vector<std::unique_ptr<Family<Histogram>>> histograms_;
  std::vector<std::unique_ptr<std::vector<double>>> bounds_;
  struct Callback {
    std::string name;
    std::string help;
    std::function<double()> read;
    Type type;
  };
  std::vector<Callback> callbacks_;
};

// Latency buckets in seconds, from 100 µs to 60 s.
std::vector<double> latencyBuckets();

}  // namespace turnpike::metrics
