// Running independent jobs (blob transfers) on a few threads.
#ifndef IMGBUILD_UTIL_PARALLEL_FOR_H_
#define IMGBUILD_UTIL_PARALLEL_FOR_H_

#include <cstddef>
#include <functional>

namespace imgbuild {

/// Calls `job(i)` for every i in [0, count) on up to `threads` threads (the
/// calling thread included), in increasing order of i per thread. When a
/// job throws, no further job starts; running ones finish, and the first
/// exception is rethrown once all threads are done.
void ParallelFor(size_t count, unsigned threads, const std::function<void(size_t)>& job);

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_PARALLEL_FOR_H_
