#pragma once

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace cox::transport
{
class Aeron;
}

namespace cox::apps::demo
{
/// Act 2: one thread publishes over UDP through a media driver whose receiver drops a share of the data
/// datagrams; another reassembles and checks that every message arrives complete, in order, exactly once.
struct ReliableUdpConfig
{
    std::int64_t messages = 100'000;
    /// Largest message; 8 frames' worth by default, so the largest are sent in fragments.
    std::int32_t maxMessageLength = 8 * 1408;
    std::int32_t streamId = 1001;
    /// UDP port on 127.0.0.1; 0 picks a free one.
    int port = 0;
    /// Progress lines this often; 0 for none.
    double progressIntervalSeconds = 1.0;
    /// No progress for this long means a bug, not a slow machine: the act gives up and fails.
    double stallTimeoutSeconds = 10.0;
    /// Set from a signal handler to stop early (the act then fails: not everything was checked).
    const std::atomic<bool>* interrupted = nullptr;
};

/// A driver counter of the act's stream, by the name that opens its label ("snd-pos", "rcv-pos", ...).
struct StreamCounterValue
{
    std::string name;
    std::int64_t value;
};

struct ReliableUdpResult
{
    std::string channel;
    std::int64_t expected = 0;
    std::int64_t sent = 0;
    std::int64_t received = 0;
    std::int64_t inOrder = 0;
    std::int64_t duplicates = 0;
    std::int64_t gaps = 0;
    std::int64_t corrupt = 0;
    std::int64_t fragmentedMessages = 0;
    std::int64_t bytes = 0;
    /// Offers refused because the receiver was behind (back pressure) or the log rotated; each retried.
    std::int64_t offerRetries = 0;
    std::int64_t publicationPosition = 0;
    double seconds = 0.0;
    /// Why the act stopped early, or empty.
    std::string failure;
    std::vector<StreamCounterValue> counters;

    /// -1 if the driver has no such counter for the stream.
    [[nodiscard]] std::int64_t counter(const std::string& name) const noexcept;

    /// Everything sent arrived once, in order and intact, and the driver's positions agree with the
    /// publication's.
    [[nodiscard]] bool passed() const noexcept;
};

/// Runs act 2 on a connected client, printing its steps to out. Set-up failures throw; everything after
/// (stalls, bad messages) is reported in the result.
[[nodiscard]] ReliableUdpResult runReliableUdpAct(transport::Aeron& aeron, const ReliableUdpConfig& config,
                                                  std::ostream& out);

/// The act's summary lines, ending "  result       PASS" or "FAIL".
[[nodiscard]] std::string formatReliableUdpSummary(const ReliableUdpResult& result);

/// A UDP port on 127.0.0.1 nobody was bound to a moment ago. Throws IoException if none can be had.
[[nodiscard]] int findFreeUdpPort();
} // namespace cox::apps::demo
