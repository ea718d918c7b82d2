// The single writer of a database: a thread that runs write jobs in batches, one transaction
// per batch (group commit), each job inside its own savepoint so one failing job leaves the
// others intact; a batch whose commit fails is run again job by job, so a failed commit fails
// only the jobs that cannot commit. Jobs must therefore be repeatable: all they change is in
// the transaction, or overwritten when they run again. A job's `after` runs only once its batch has committed, so nothing is
// acknowledged before it is durable. Under load many jobs share one commit; alone, a job
// costs one transaction.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "store/connection.hpp"

namespace turnpike::store {

class Database;

class Writer {
 public:
  struct Job {
    std::function<void(Connection&)> work;          // runs in the batch's transaction
    std::function<void(std::exception_ptr)> after;  // after commit: null, or why the job failed
  };

  explicit Writer(const Database& database, size_t maxBatch = 256);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void submit(Job job);

  // Runs `fn(connection)` on the writer and waits until it is committed; returns its result or
  // rethrows its exception. For worker threads and the CLI, never for event loops.
  template <class Fn>
  auto run(Fn&& fn) {
    using R = std::invoke_result_t<Fn&, Connection&>;
    auto promise = std::make_shared<std::promise<R>>();
    auto result = std::make_shared<std::conditional_t<std::is_void_v<R>, char, std::optional<R>>>();
    submit(Job{[fn = std::forward<Fn>(fn), result](Connection& c) mutable {
                 if constexpr (std::is_void_v<R>) {
                   fn(c);
                 } else {
                   *result = fn(c);
                 }
               },
               [promise, result](std::exception_ptr error) {
                 if (error) {
                   promise->set_exception(error);
                 } else if constexpr (std::is_void_v<R>) {
                   promise->set_value();
                 } else {
                   promise->set_value(std::move(**result));
                 }
               }});
    return promise->get_future().get();
  }

  // Finishes queued jobs and stops the thread.
  void stop();

 private:
  void runBatch(Connection& connection, std::deque<Job>& batch);
  static void rollback(Connection& connection);
  // Each job in its own savepoint, so one failing job leaves the others intact.
  void runJobs(Connection& connection, std::deque<Job>& batch, std::vector<std::exception_ptr>& errors);

  size_t maxBatch_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace turnpike::store
