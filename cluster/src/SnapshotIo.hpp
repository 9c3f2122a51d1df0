#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cox/cluster/ClusterTime.hpp"

namespace cox::transport
{
class Aeron;
class ExclusivePublication;
class Image;
class Subscription;
} // namespace cox::transport

namespace cox::archive
{
class AeronArchive;
}

namespace cox::cluster
{
/// Snapshot type ids in the SnapshotMarker (Aeron's): the consensus module's and a service's.
constexpr std::int64_t CONSENSUS_MODULE_SNAPSHOT_TYPE_ID = 1;
constexpr std::int64_t SERVICE_SNAPSHOT_TYPE_ID = 2;

/// Called while a snapshot waits on the archive or the driver: in a single-threaded node it must run them.
using SnapshotIdle = std::function<void()>;

/// Records one snapshot (Aeron's SnapshotTaker plumbing): an exclusive publication on the snapshot channel,
/// recorded LOCAL by this node's archive. Snapshots are taken off the hot path, so every call here blocks,
/// idling with the given function, and throws on failure (a closed publication, an archive error, a timeout).
class SnapshotPublication
{
public:
    SnapshotPublication(transport::Aeron& aeron, archive::AeronArchive& archive, const std::string& channel,
                        std::int32_t streamId, SnapshotIdle idle, std::int64_t timeoutNs);
    ~SnapshotPublication();

    SnapshotPublication(const SnapshotPublication&) = delete;
    SnapshotPublication& operator=(const SnapshotPublication&) = delete;

    [[nodiscard]] std::int64_t recordingId() const noexcept { return m_recordingId; }
    [[nodiscard]] transport::ExclusivePublication& publication() noexcept { return *m_publication; }

    /// Offers one message, retrying back pressure.
    void offer(const std::uint8_t* data, std::int32_t length);
    void marker(std::int64_t typeId, std::int64_t logPosition, std::int64_t leadershipTermId, bool isBegin,
                ClusterTimeUnit timeUnit, std::int32_t appVersion);
    /// Waits until the archive has recorded every byte offered, then closes the publication (the recording
    /// stops with it). Returns the recording's stop position.
    std::int64_t complete();

private:
    void idleOrTimeout(const char* waitingFor, std::int64_t deadlineNs);

    transport::Aeron& m_aeron;
    archive::AeronArchive& m_archive;
    SnapshotIdle m_idle;
    std::int64_t m_timeoutNs;
    std::shared_ptr<transport::ExclusivePublication> m_publication;
    std::int64_t m_recordingId = -1;
    std::int32_t m_recordingCounterId = -1;
};

/// Replays a snapshot recording into a subscription of its own and hands over the image, positioned at the
/// start of the snapshot. Blocks until the image is there.
class SnapshotReplay
{
public:
    SnapshotReplay(transport::Aeron& aeron, archive::AeronArchive& archive, std::int64_t recordingId,
                   const std::string& replayChannel, std::int32_t replayStreamId, SnapshotIdle idle,
                   std::int64_t timeoutNs);
    ~SnapshotReplay();

    SnapshotReplay(const SnapshotReplay&) = delete;
    SnapshotReplay& operator=(const SnapshotReplay&) = delete;

    [[nodiscard]] transport::Image& image() noexcept { return *m_image; }
    [[nodiscard]] std::int64_t stopPosition() const noexcept { return m_stopPosition; }

    /// Polls until handler(data, length) returns true (the message that ends what the caller reads), with
    /// fragmented messages reassembled; throws if the image ends first or nothing arrives within the timeout.
    /// Fragments after that message stay unread for the next reader.
    void readUntil(const std::function<bool(const std::uint8_t*, std::int32_t)>& handler);

    /// Reads (and discards) everything left up to the recording's stop position; throws if the replay ends
    /// early or stalls (a missing or short segment file, a frame failing its CRC).
    void readToEnd();

private:
    SnapshotIdle m_idle;
    std::int64_t m_timeoutNs;
    std::shared_ptr<transport::Subscription> m_subscription;
    std::shared_ptr<transport::Image> m_image;
    std::int64_t m_stopPosition = 0;
};

/// The unit of a schema ClusterTimeUnit code (milliseconds for anything unknown, as an old log would have).
[[nodiscard]] ClusterTimeUnit timeUnitFromCode(std::int32_t code) noexcept;

/// Monotonic nanoseconds for the snapshot code's timeouts (set-up path only).
[[nodiscard]] std::int64_t snapshotNanoTime() noexcept;
} // namespace cox::cluster
