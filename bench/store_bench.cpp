// What the money path costs in the store, on a real SQLite file (WAL, group commit):
//   BM_AdmitSettle      one billed request: admit (authenticate + reserve) then settle (charge,
//                       ledger row, usage row), with `inflight` requests in flight at once as the
//                       gateway's loops submit them (the writer commits them in batches)
//   BM_L402FirstUse     a new single-use L402 credential: account, credit, consume, reserve
// Reported per request (items/s); the caller's thread only submits and waits.
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "billing/api_keys.hpp"
#include "billing/billing_service.hpp"
#include "util/random.hpp"

namespace {

using namespace turnpike;

struct Store {
  std::string path = (std::filesystem::temp_directory_path() / ("turnpike-bench-" + util::randomBase62(10) + ".db")).string();
  config::BillingConfig config;
  std::unique_ptr<store::Database> database = store::Database::open("sqlite://" + path);
  billing::BillingService billing{config, *database};
  ~Store() {
    billing.writer().stop();
    for (const char* suffix : {"", "-wal", "-shm", ".lock"}) std::filesystem::remove(path + suffix);
  }
};

// Counts completions; wait() returns once `n` have arrived.
class Latch {
 public:
  void add() {
    std::lock_guard lock(mutex_);
    ++done_;
    cv_.notify_one();
  }
  void wait(int64_t n) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return done_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int64_t done_ = 0;
};

void BM_AdmitSettle(benchmark::State& state) {
  Store s;
  auto created = s.billing.createAccount("bench", int64_t{1} << 60, "bench");
  std::string hash = billing::hashKey(created.key.secret);
  const int inflight = static_cast<int>(state.range(0));
  int64_t requests = 0;
  for (auto _ : state) {
    Latch latch;
    for (int i = 0; i < inflight; ++i) {
      s.billing.admit(billing::AdmitRequest{hash, "inference", 5'000}, [&](billing::Admission a, std::exception_ptr) {
        billing::Settlement st;
        st.accountId = a.key.accountId;
        st.keyId = a.key.id;
        st.reservationId = a.reservationId;
        st.held = a.held;
        st.keyHeld = a.keyHeld;
        st.cost = 1'234;
        st.usage.requestId = "req";
        st.usage.accountId = a.key.accountId;
        st.usage.keyId = a.key.id;
        st.usage.model = "bench-model";
        st.usage.provider = "bench-provider";
        st.usage.promptTokens = 100;
        st.usage.completionTokens = 20;
        st.usage.status = 200;
        s.billing.settle(std::move(st), [&](billing::SettleOutcome, std::exception_ptr) { latch.add(); });
      });
    }
    latch.wait(inflight);
    requests += inflight;
  }
  state.SetItemsProcessed(requests);
}
BENCHMARK(BM_AdmitSettle)->Arg(1)->Arg(8)->Arg(64)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_L402FirstUse(benchmark::State& state) {
  Store s;
  const int inflight = static_cast<int>(state.range(0));
  int64_t requests = 0;
  for (auto _ : state) {
    Latch latch;
    for (int i = 0; i < inflight; ++i)
      s.billing.admitL402(util::randomBase62(32), 100'000, std::nullopt, true, 5'000,
                          [&](billing::L402Admission, std::exception_ptr) { latch.add(); });
    latch.wait(inflight);
    requests += inflight;
  }
  state.SetItemsProcessed(requests);
}
BENCHMARK(BM_L402FirstUse)->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
