#include "util/background_remover.h"

#include <filesystem>
#include <system_error>

namespace imgbuild {

BackgroundRemover::BackgroundRemover() : thread_([this] { Loop(); }) {}

BackgroundRemover::~BackgroundRemover() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BackgroundRemover::Remove(std::string path, UniqueFd hold) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(std::move(path), std::move(hold));
  }
  changed_.notify_all();
}

void BackgroundRemover::Drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void BackgroundRemover::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing is left
    std::pair<std::string, UniqueFd> next = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    std::error_code ignored;  // best effort, see the header
    std::filesystem::remove_all(next.first, ignored);
    next.second.Reset();
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

}  // namespace imgbuild
