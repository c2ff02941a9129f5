// Timestamps in image configs: `created` of the config and of history
// entries, in Go's RFC 3339 format (time.RFC3339Nano, UTC), and
// SOURCE_DATE_EPOCH's rule that nothing is later than the epoch.
#ifndef IMGBUILD_BUILDER_IMAGE_TIME_H_
#define IMGBUILD_BUILDER_IMAGE_TIME_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "layers/oci.h"

namespace imgbuild::builder {

/// "2024-01-02T03:04:05.5Z": UTC, fraction without trailing zeros, none
/// when zero (Go's time.RFC3339Nano).
std::string FormatRfc3339(std::chrono::system_clock::time_point time);

/// The `created` a build writes: the epoch when given, else now.
std::string BuildTimestamp(const std::optional<int64_t>& source_date_epoch);

/// Seconds since the epoch of an RFC 3339 time ("2024-01-02T03:04:05Z",
/// with fraction or offset); nullopt when `text` is not one.
std::optional<int64_t> ParseRfc3339Seconds(std::string_view text);

/// Sets every history `created` later than `epoch` (or unreadable) to it.
void ClampHistory(layers::ImageConfig& config, int64_t epoch);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_IMAGE_TIME_H_
