#include "layers/threaded_sink.h"

#include <algorithm>

#include "util/error.h"

namespace imgbuild::layers {

ThreadedSink::ThreadedSink(ByteSink& destination, size_t chunk_size, size_t max_chunks)
    : destination_(destination),
      chunk_size_(chunk_size > 0 ? chunk_size : 1),
      max_chunks_(max_chunks > 0 ? max_chunks : 1),
      thread_([this] { Run(); }) {
  filling_.reserve(chunk_size_);
}

ThreadedSink::~ThreadedSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void ThreadedSink::Run() {
  while (true) {
    std::vector<char> chunk;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || finishing_ || !queued_.empty(); });
      if (stopping_ || error_ || queued_.empty()) return;
      chunk = std::move(queued_.front());
      queued_.pop_front();
    }
    try {
      destination_.Write(chunk.data(), chunk.size());
    } catch (...) {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
      --in_flight_;
      changed_.notify_all();
      return;
    }
    chunk.clear();
    {
      std::lock_guard lock(mutex_);
      spare_.push_back(std::move(chunk));
      --in_flight_;
    }
    changed_.notify_all();
  }
}

void ThreadedSink::RethrowIfFailed() {
  std::lock_guard lock(mutex_);
  if (error_) std::rethrow_exception(error_);
}

void ThreadedSink::Write(const void* data, size_t size) {
  if (closed_) Fail("write to a closed threaded sink");
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    size_t take = std::min(size, chunk_size_ - filling_.size());
    filling_.insert(filling_.end(), bytes, bytes + take);
    bytes += take;
    size -= take;
    if (filling_.size() == chunk_size_) Submit();
  }
}

void ThreadedSink::Submit() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return error_ || in_flight_ < max_chunks_; });
  if (error_) std::rethrow_exception(error_);
  queued_.push_back(std::move(filling_));
  ++in_flight_;
  if (spare_.empty()) {
    filling_ = std::vector<char>();
    filling_.reserve(chunk_size_);
  } else {
    filling_ = std::move(spare_.back());
    spare_.pop_back();
  }
  lock.unlock();
  changed_.notify_all();
}

void ThreadedSink::Close() {
  if (closed_) return;
  if (!filling_.empty()) Submit();
  {
    std::unique_lock lock(mutex_);
    finishing_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return error_ || in_flight_ == 0; });
    if (error_) std::rethrow_exception(error_);
  }
  closed_ = true;
  destination_.Close();
}

}  // namespace imgbuild::layers
