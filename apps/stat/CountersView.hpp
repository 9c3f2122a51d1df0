#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "cox/util/CountersReader.hpp"

namespace cox::apps
{
/// What cox-stat was asked to do: Aeron's AeronStat options.
struct StatOptions
{
    static constexpr std::int64_t DEFAULT_INTERVAL_MS = 1'000;

    /// A counters file, or a directory holding counters.dat.
    std::string path;
    bool once = false;
    bool help = false;
    std::int64_t intervalMs = DEFAULT_INTERVAL_MS;
    /// ECMAScript regular expression searched for in each label.
    std::optional<std::string> labelFilter;
    std::optional<std::int32_t> typeFilter;
    /// Redraw in place with ANSI codes; the program sets it when stdout is a terminal and not --once.
    bool clearScreen = false;
};

/// Parses cox-stat's arguments (argv[0] excluded). Throws IllegalArgumentException with a message
/// fit for the user on anything it does not understand or a missing path (unless --help).
[[nodiscard]] StatOptions parseStatOptions(const std::vector<std::string>& args);

/// The --help text.
[[nodiscard]] std::string statUsage();

/// path itself, or path/counters.dat when path is a directory.
[[nodiscard]] std::string resolveCountersPath(const std::string& path);

/// 1234567 -> "1,234,567"; handles negatives, INT64_MIN included.
[[nodiscard]] std::string formatThousands(std::int64_t value);

/// A duration as "3d 04h 05m 06s", dropping leading zero units ("5m 06s", "6s"); negative as "0s".
[[nodiscard]] std::string formatDuration(std::int64_t durationMs);

/// Epoch milliseconds as UTC "2024-05-01 12:34:56.789Z".
[[nodiscard]] std::string formatTimestampUtc(std::int64_t epochMs);

/// Which counters to show.
class CounterFilter
{
public:
    /// Throws IllegalArgumentException if labelRegex is not a valid regular expression.
    CounterFilter(const std::optional<std::string>& labelRegex, std::optional<std::int32_t> typeId);

    [[nodiscard]] bool matches(std::int32_t typeId, std::string_view label) const;

private:
    std::optional<std::regex> m_label;
    std::optional<std::int32_t> m_typeId;
};

/// Whether the counters file's owner is still running, as the header reports it.
enum class OwnerState
{
    Running,
    Exited,
    Unknown,
};

/// Best effort from a pid: kill(pid, 0) succeeds or fails with EPERM for a live process.
[[nodiscard]] OwnerState probeOwner(std::int64_t pid);

/// The whole screen for one refresh: a header line (file, owner pid and whether it runs, start time,
/// how long since), a column heading, then one line per allocated counter that passes the filter:
/// id, value right-aligned with thousands separators, type id, label. Ends with a newline.
[[nodiscard]] std::string renderCounters(const util::CountersReader& reader, const std::string& path,
                                         const CounterFilter& filter, std::int64_t nowMs, OwnerState owner);

/// cox-stat itself: opens the counters file read-only and writes renderCounters to out, once or every
/// intervalMs until stop becomes true. Returns the exit code: 0, or 1 with the reason on err when the
/// file is missing, is not a counters file, or has another version.
int runStat(const StatOptions& options, std::ostream& out, std::ostream& err, const std::atomic<bool>& stop);
} // namespace cox::apps
