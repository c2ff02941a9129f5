#include "util/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace imgbuild {

void ParallelFor(size_t count, unsigned threads, const std::function<void(size_t)>& job) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_failure;
  std::mutex failure_lock;
  auto work = [&] {
    for (size_t i = next++; i < count && !failed; i = next++) {
      try {
        job(i);
      } catch (...) {
        std::lock_guard lock(failure_lock);
        if (!first_failure) first_failure = std::current_exception();
        failed = true;
      }
    }
  };
  size_t helpers = std::min<size_t>(std::max(threads, 1u), count);
  {
    std::vector<std::jthread> workers;
    for (size_t i = 1; i < helpers; ++i) workers.emplace_back(work);
    work();
  }
  if (first_failure) std::rethrow_exception(first_failure);
}

}  // namespace imgbuild
