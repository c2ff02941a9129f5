// The OCI distribution client as the rest of imgbuild sees it: pull an
// image into the store, push one from it, log in and out. Everything about
// HTTP, auth challenges, retries and uploads stays behind these calls.
#ifndef IMGBUILD_REGISTRY_REGISTRY_H_
#define IMGBUILD_REGISTRY_REGISTRY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/oci.h"
#include "layers/store.h"

namespace imgbuild::registry {

/// How to reach registries. Defaults suit a developer's machine.
struct RegistryOptions {
  /// Hosts ("host:port") that may be spoken to over plain HTTP or with
  /// unverified TLS; loopback hosts always may.
  std::vector<std::string> insecure_registries;
  /// Extra CA bundle for TLS verification (--tls-ca); "" = system CAs only.
  std::string tls_ca_file;
  /// Where config.json lives; "" = $DOCKER_CONFIG, else ~/.docker.
  std::string docker_config_dir;
  /// Blobs transferred at the same time.
  unsigned parallel_transfers = 4;
  /// Attempts for a transient failure (reset, 429, 5xx, truncated body).
  unsigned max_attempts = 5;
  /// Wait before the first retry; doubles (with jitter) for later ones.
  std::chrono::milliseconds retry_initial_delay{200};
  /// Longest wait between attempts, a server's Retry-After included.
  std::chrono::milliseconds retry_max_delay{10'000};
  /// Blobs up to this size are uploaded in one PUT; larger ones in PATCH
  /// chunks of this size, so that a failure resends one chunk, not the blob.
  int64_t upload_chunk_size = 64 << 20;
  /// Seconds to establish a connection.
  long connect_timeout_seconds = 30;
  /// A transfer that moves no byte for this many seconds fails (and is retried).
  long stall_timeout_seconds = 60;
  /// Receives one line per notable event ("pulling sha256:ab.. 12 MB",
  /// "retrying after 503"); never credentials. Called from transfer
  /// threads, possibly at the same time. May be empty.
  std::function<void(std::string_view)> log;
};

/// What a pull resolved and stored.
struct PullResult {
  std::string reference;           ///< Fully qualified: "docker.io/library/busybox:latest".
  layers::Descriptor resolved;     ///< What the tag pointed at (index or manifest).
  /// The platform's image manifest, now in the store with its config and
  /// layers: the one to tag. (An index in `resolved` is stored too, but the
  /// other platforms' manifests are not fetched.)
  layers::Descriptor manifest;
};

/// Pulls `reference` (Docker's rules: "busybox" = docker.io/library/busybox:latest,
/// "host:5000/a/b:t", "name@sha256:...") for `platform` ("os/arch[/variant]",
/// "" = the host's) into `store`: manifests, config and layers, each verified
/// against its digest and size; blobs already present are not fetched.
/// Does not tag. Throws Error naming the reference, URL or digest: unknown
/// image, no such platform (listing those that exist), auth failure, digest
/// mismatch (nothing of that blob is kept).
PullResult Pull(const layers::Store& store, std::string_view reference, std::string_view platform,
                const RegistryOptions& options);

/// Pushes the image `image` (a manifest or index in `store`, with all its
/// blobs) to `destination` ("host:5000/ns/app:tag"); blobs the registry has
/// are skipped, others mounted from a repository of the same registry when
/// known there, else uploaded as they are stored (never recompressed).
/// Returns the pushed manifest's descriptor (its digest equals the local
/// one). Throws Error naming the destination, URL or digest.
layers::Descriptor Push(const layers::Store& store, const layers::Descriptor& image,
                        std::string_view destination, const RegistryOptions& options);

/// Checks `username`/`password` against `registry` ("host:port", or
/// "docker.io") and stores them in config.json (or the configured
/// credential helper). Throws Error when the registry refuses them.
void Login(std::string_view registry, std::string_view username, std::string_view password,
           const RegistryOptions& options);

/// Forgets the credentials for `registry`; returns false when there were none.
bool Logout(std::string_view registry, const RegistryOptions& options);

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_REGISTRY_H_
