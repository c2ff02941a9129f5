// A tiny HTTP/1.1 server on 127.0.0.1 for the ADD tests: one thread, one
// connection at a time, canned responses per path.
#ifndef IMGBUILD_TESTS_BUILDER_HTTP_TEST_SERVER_H_
#define IMGBUILD_TESTS_BUILDER_HTTP_TEST_SERVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::builder::testing {

class TestHttpServer {
 public:
  struct Response {
    int status = 200;
    std::string body;
    std::string headers;  // extra header lines, each ending in "\r\n"
    bool stall = false;   // send the headers, then nothing until the server stops
  };

  TestHttpServer() : listener_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (!listener_.valid()) FailErrno("test server: socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(address);
    if (bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        listen(listener_.get(), 16) != 0 ||
        getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      FailErrno("test server: bind 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TestHttpServer() {
    stop_ = true;
    thread_.join();
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  void Serve(const std::string& path, Response response) {
    std::lock_guard lock(mutex_);
    routes_[path] = std::move(response);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const { return requests_.load(); }

 private:
  // Waits for `fd` to become readable, giving up when the server stops.
  bool WaitReadable(int fd) {
    while (!stop_) {
      pollfd poller{fd, POLLIN, 0};
      if (poll(&poller, 1, 20) > 0) return true;
    }
    return false;
  }
  void Loop() {
    while (WaitReadable(listener_.get())) {
      UniqueFd connection(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (connection.valid()) Answer(connection.get());
    }
  }
  void Answer(int fd) {
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos && WaitReadable(fd)) {
      ssize_t got = read(fd, buffer, sizeof(buffer));
      if (got <= 0) return;
      request.append(buffer, static_cast<size_t>(got));
    }
    ++requests_;
    size_t start = request.find(' ') + 1;
    std::string path = request.substr(start, request.find(' ', start) - start);
    Response response{404, "not found\n", "", false};
    {
      std::lock_guard lock(mutex_);
      if (auto found = routes_.find(path); found != routes_.end()) response = found->second;
    }
    std::string head = "HTTP/1.1 " + std::to_string(response.status) + " Canned\r\n" +
                       "Content-Length: " + std::to_string(response.body.size()) + "\r\n" +
                       response.headers + "Connection: close\r\n\r\n";
    if (response.stall) {
      Send(fd, head);
      while (!stop_) usleep(10000);
      return;
    }
    Send(fd, head + response.body);
  }
  // A client that hung up must not kill the test with SIGPIPE.
  static void Send(int fd, const std::string& data) {
    for (size_t sent = 0; sent < data.size();) {
      ssize_t count = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (count <= 0) return;
      sent += static_cast<size_t>(count);
    }
  }

  UniqueFd listener_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::map<std::string, Response> routes_;
  std::thread thread_;
};

}  // namespace imgbuild::builder::testing

#endif  // IMGBUILD_TESTS_BUILDER_HTTP_TEST_SERVER_H_
