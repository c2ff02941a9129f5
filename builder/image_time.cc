#include "builder/image_time.h"

#include <fmt/format.h>

#include <ctime>

namespace imgbuild::builder {
namespace {

std::string FromSeconds(int64_t seconds, int64_t nanoseconds) {
  std::time_t time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  std::string text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", utc.tm_year + 1900,
                                 utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  if (nanoseconds > 0) {
    std::string fraction = fmt::format("{:09}", nanoseconds);
    fraction.erase(fraction.find_last_not_of('0') + 1);
    text += "." + fraction;
  }
  return text + "Z";
}

std::optional<int> Digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::string FormatRfc3339(std::chrono::system_clock::time_point time) {
  auto since = time.time_since_epoch();
  auto seconds = std::chrono::floor<std::chrono::seconds>(since);
  auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(since - seconds);
  return FromSeconds(seconds.count(), nanoseconds.count());
}

std::string BuildTimestamp(const std::optional<int64_t>& source_date_epoch) {
  if (source_date_epoch) return FromSeconds(*source_date_epoch, 0);
  return FormatRfc3339(std::chrono::system_clock::now());
}

std::optional<int64_t> ParseRfc3339Seconds(std::string_view text) {
  std::optional<int> year = Digits(text, 0, 4), month = Digits(text, 5, 2),
                     day = Digits(text, 8, 2), hour = Digits(text, 11, 2),
                     minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  std::tm utc{};
  utc.tm_year = *year - 1900;
  utc.tm_mon = *month - 1;
  utc.tm_mday = *day;
  utc.tm_hour = *hour;
  utc.tm_min = *minute;
  utc.tm_sec = *second;
  int64_t seconds = timegm(&utc);
  size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
  }
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    std::optional<int> offset_hours = Digits(text, at + 1, 2),
                       offset_minutes = Digits(text, at + 4, 2);
    if (!offset_hours || !offset_minutes) return std::nullopt;
    int64_t offset = *offset_hours * 3600 + *offset_minutes * 60;
    seconds += text[at] == '+' ? -offset : offset;
  } else if (at >= text.size() || (text[at] != 'Z' && text[at] != 'z')) {
    return std::nullopt;
  }
  return seconds;
}

void ClampHistory(layers::ImageConfig& config, int64_t epoch) {
  std::string clamped = FromSeconds(epoch, 0);
  for (layers::HistoryEntry& entry : config.history) {
    std::optional<int64_t> created = ParseRfc3339Seconds(entry.created);
    if (!created || *created > epoch) entry.created = clamped;
  }
}

}  // namespace imgbuild::builder
