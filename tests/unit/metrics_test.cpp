#include <gtest/gtest.h>

#include "http/request.hpp"
#include "metrics/registry.hpp"

namespace turnpike::metrics {
namespace {

TEST(Metrics, RendersCountersGaugesAndHistograms) {
  Registry r;
  auto& c = r.counter("t_requests_total", "Requests", {"model", "status"});
  c.with({"a\"b", "200"}).add(3);
  c.with({"a\"b", "200"}).add();
  auto& g = r.gauge("t_inflight", "In flight");
  g.with({}).add(2);
  auto& h = r.histogram("t_latency_seconds", "Latency", {"model"}, {0.1, 1});
  h.with({"m"}).observe(0.05);
  h.with({"m"}).observe(0.5);
  h.with({"m"}).observe(5);
  r.gaugeCallback("t_open", "Open", [] { return 7.0; });
  std::string text = r.render();
  EXPECT_NE(text.find("# TYPE t_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("t_requests_total{model=\"a\\\"b\",status=\"200\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_inflight 2\n"), std::string::npos);
  EXPECT_NE(text.find("t_latency_seconds_bucket{model=\"m\",le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_latency_seconds_bucket{model=\"m\",le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("t_latency_seconds_bucket{model=\"m\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("t_latency_seconds_count{model=\"m\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("t_latency_seconds_sum{model=\"m\"} 5.55\n"), std::string::npos);
  EXPECT_NE(text.find("t_open 7\n"), std::string::npos);
}

TEST(Metrics, CellsAreStable) {
  Registry r;
  auto& c = r.counter("x_total", "x", {"k"});
  Counter* first = &c.with({"a"});
  for (int i = 0; i < 100; ++i) c.with({std::to_string(i)});
  EXPECT_EQ(first, &c.with({"a"}));
}

TEST(Metrics, SeriesPastTheLimitShareOneOverflowSeriesAndAreCounted) {
  Registry r(3);
  auto& c = r.counter("x_total", "x", {"method", "status"});
  Counter* a = &c.with({"a", "200"});
  c.with({"b", "200"});
  c.with({"c", "200"});
  Counter* overflow = &c.with({"d", "200"});
  EXPECT_EQ(overflow, &c.with({"e", "404"}));
  EXPECT_NE(overflow, a);
  EXPECT_EQ(a, &c.with({"a", "200"}));  // known series keep working
  overflow->add();
  EXPECT_EQ(c.seriesCount(), 4u);
  auto& h = r.histogram("y_seconds", "y", {"k"}, {1});
  for (int i = 0; i < 100; ++i) h.with({std::to_string(i)}).observe(0.5);
  EXPECT_EQ(h.seriesCount(), 4u);
  std::string text = r.render();
  EXPECT_NE(text.find("x_total{method=\"_overflow\",status=\"_overflow\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("y_seconds_count{k=\"_overflow\"} 97\n"), std::string::npos) << text;
  EXPECT_NE(text.find("turnpike_metric_series_overflow_total{family=\"x_total\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("turnpike_metric_series_overflow_total{family=\"y_seconds\"} 97\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("method=\"d\""), std::string::npos);
}

TEST(Metrics, MethodLabelsAreAFixedSet) {
  EXPECT_EQ(http::methodLabel("GET"), "GET");
  EXPECT_EQ(http::methodLabel("OPTIONS"), "OPTIONS");
  EXPECT_EQ(http::methodLabel("get"), "other");
  EXPECT_EQ(http::methodLabel("BREW"), "other");
  EXPECT_EQ(http::methodLabel(std::string(60000, 'X')), "other");
}

}  // namespace
}  // namespace turnpike::metrics
