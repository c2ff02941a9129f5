#include "layers/threaded_sink.h"

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "layer_test_util.h"
#include "rich_tree.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

using testing::StringSink;

// Records the thread it runs on and can block or fail on demand.
class ProbeSink : public ByteSink {
 public:
  void Write(const void* data, size_t size) override {
    thread = std::this_thread::get_id();
    while (blocked) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (fail_after >= 0 && static_cast<int64_t>(bytes.size() + size) > fail_after) {
      Fail("disk full (simulated)");
    }
    bytes.append(static_cast<const char*>(data), size);
    writes.fetch_add(1);
  }
  void Close() override { closed = true; }

  std::string bytes;
  std::atomic<int> writes{0};
  std::atomic<bool> blocked{false};
  int64_t fail_after = -1;
  std::thread::id thread;
  bool closed = false;
};

TEST(ThreadedSinkTest, DeliversTheSameBytesInOrderOnAnotherThread) {
  std::string input = testing::PseudoRandom(5'000'000, 3);
  ProbeSink probe;
  {
    ThreadedSink sink(probe, 64 << 10, 3);
    std::mt19937 random(7);
    for (size_t at = 0; at < input.size();) {
      size_t size = std::min<size_t>(random() % 200'000, input.size() - at);
      sink.Write(input.data() + at, size);
      at += size;
    }
    sink.Close();
    EXPECT_TRUE(probe.closed);
  }
  EXPECT_TRUE(probe.bytes == input);
  EXPECT_NE(probe.thread, std::this_thread::get_id());
  EXPECT_GE(probe.writes.load(), 5'000'000 / (64 << 10)) << "one write per full chunk";
}

TEST(ThreadedSinkTest, WriteWaitsWhenEveryChunkIsInFlight) {
  ProbeSink probe;
  probe.blocked = true;
  ThreadedSink sink(probe, 1000, 2);
  std::string chunk(1000, 'x');
  std::atomic<int> written{0};
  std::thread producer([&] {
    for (int i = 0; i < 10; ++i) {
      sink.Write(chunk.data(), chunk.size());
      written.fetch_add(1);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // One chunk being written, one queued, one being filled: the third full
  // chunk cannot be handed over.
  EXPECT_LE(written.load(), 3);
  probe.blocked = false;
  producer.join();
  sink.Close();
  EXPECT_EQ(probe.bytes.size(), 10'000u);
}

TEST(ThreadedSinkTest, DestinationErrorsReachTheProducer) {
  ProbeSink probe;
  probe.fail_after = 3000;
  ThreadedSink sink(probe, 1000, 2);
  std::string chunk(1000, 'x');
  std::string message;
  try {
    for (int i = 0; i < 100; ++i) sink.Write(chunk.data(), chunk.size());
    sink.Close();
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_EQ(message, "disk full (simulated)");
  EXPECT_THROW(sink.Close(), Error) << "the stream stays broken";
  EXPECT_FALSE(probe.closed);
}

TEST(ThreadedSinkTest, AbandonedStreamStopsWithoutClosingTheDestination) {
  ProbeSink probe;
  probe.blocked = true;
  std::thread unblock;
  {
    ThreadedSink sink(probe, 1000, 4);
    std::string chunk(1000, 'x');
    for (int i = 0; i < 3; ++i) sink.Write(chunk.data(), chunk.size());
    unblock = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      probe.blocked = false;
    });
  }  // Destroyed while a write is in progress: must neither hang nor close.
  unblock.join();
  EXPECT_FALSE(probe.closed);
  EXPECT_LT(probe.bytes.size(), 3000u) << "queued chunks are discarded";
}

}  // namespace
}  // namespace imgbuild::layers
