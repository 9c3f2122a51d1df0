#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace cox::system
{
/// Fault F13 without a proxy in the path: taps the root-namespace ends of the members' veth links (AF_PACKET) and
/// re-injects copies of the UDP frames the bridge delivers to a member, straight back into that link, so the
/// member receives them again: some at once (duplicates), others later, picked at random from the frames of the
/// last seconds (reordered and stale - after an election, from an earlier term). The original frames pass
/// untouched. A socket does not see its own transmissions, so injected copies are never copied again.
class FrameReplayer
{
public:
    struct Counts
    {
        std::int64_t seen = 0;
        std::int64_t duplicated = 0;
        std::int64_t replayed = 0;
    };

    /// interfaces: the root-namespace veth ends (coxsvN). duplicatePercent of frames are sent twice;
    /// replaysPerSecond old frames are re-sent per link.
    FrameReplayer(const std::vector<std::string>& interfaces, int duplicatePercent, int replaysPerSecond,
                  std::uint32_t seed);
    ~FrameReplayer();
    FrameReplayer(const FrameReplayer&) = delete;
    FrameReplayer& operator=(const FrameReplayer&) = delete;

    /// Keeps the frames captured so far for replay even after newer ones arrive (for stale frames after an
    /// election): replay draws from them half the time from now on.
    void freezeOldFrames();
    void stop();
    [[nodiscard]] Counts counts() const;

private:
    struct Link
    {
        int socket = -1;
        int ifindex = 0;
        std::vector<std::vector<std::uint8_t>> recent;
        std::size_t next = 0;
        std::vector<std::vector<std::uint8_t>> frozen;
    };

    void run();
    void send(Link& link, const std::vector<std::uint8_t>& frame);

    std::vector<Link> m_links;
    int m_duplicatePercent;
    int m_replaysPerSecond;
    std::mt19937 m_random;
    std::atomic<bool> m_running{true};
    std::atomic<bool> m_freeze{false};
    mutable std::mutex m_mutex;
    Counts m_counts;
    std::thread m_thread;
};
} // namespace cox::system
