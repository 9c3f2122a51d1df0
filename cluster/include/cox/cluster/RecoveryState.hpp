#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "cox/cluster/ClusterCounters.hpp"

namespace cox::util
{
class CountersReader;
}

namespace cox::transport
{
class Aeron;
class Counter;
} // namespace cox::transport

namespace cox::cluster
{
/// Where a node's consensus module starts from, published for its service containers in the RECOVERY_STATE
/// counter (type 204; Aeron's RecoveryState). Only the key carries information; the value is unused.
///
/// Key layout (all little-endian, as the counters file): clusterId int32 @0, serviceCount int32 @4,
/// leadershipTermId int64 @8, logPosition int64 @16, timestamp int64 @24, then one snapshot recording id int64
/// per service @32 + 8 * serviceId (NULL_RECORDING_ID when the service has no snapshot to load).
struct RecoveryState
{
    static constexpr std::int32_t TYPE_ID = ClusterCounters::RECOVERY_STATE_TYPE_ID;
    static constexpr std::int64_t NULL_RECORDING_ID = -1;

    static constexpr std::size_t CLUSTER_ID_OFFSET = 0;
    static constexpr std::size_t SERVICE_COUNT_OFFSET = 4;
    static constexpr std::size_t LEADERSHIP_TERM_ID_OFFSET = 8;
    static constexpr std::size_t LOG_POSITION_OFFSET = 16;
    static constexpr std::size_t TIMESTAMP_OFFSET = 24;
    static constexpr std::size_t SNAPSHOT_RECORDING_IDS_OFFSET = 32;
    /// The counters file's key area.
    static constexpr std::size_t MAX_KEY_LENGTH = 112;
    /// As many snapshot ids as fit in the key: (112 - 32) / 8.
    static constexpr std::int32_t MAX_SERVICE_COUNT =
        static_cast<std::int32_t>((MAX_KEY_LENGTH - SNAPSHOT_RECORDING_IDS_OFFSET) / sizeof(std::int64_t));

    /// The decoded key. Values only; snapshotRecordingIds beyond serviceCount are NULL_RECORDING_ID.
    struct Values
    {
        std::int32_t clusterId = 0;
        std::int32_t serviceCount = 0;
        std::int64_t leadershipTermId = -1;
        std::int64_t logPosition = 0;
        std::int64_t timestamp = 0;
        std::array<std::int64_t, MAX_SERVICE_COUNT> snapshotRecordingIds = filledWithNull();

        /// The id for serviceId, or NULL_RECORDING_ID when serviceId is outside [0, serviceCount).
        [[nodiscard]] std::int64_t snapshotRecordingId(std::int32_t serviceId) const noexcept
        {
            return serviceId >= 0 && serviceId < serviceCount
                       ? snapshotRecordingIds[static_cast<std::size_t>(serviceId)]
                       : NULL_RECORDING_ID;
        }

        [[nodiscard]] bool operator==(const Values&) const = default;

    private:
        static constexpr std::array<std::int64_t, MAX_SERVICE_COUNT> filledWithNull() noexcept
        {
            std::array<std::int64_t, MAX_SERVICE_COUNT> ids{};
            ids.fill(NULL_RECORDING_ID);
            return ids;
        }
    };

    /// Bytes of key a state with serviceCount services uses: 32 + 8 * serviceCount.
    [[nodiscard]] static constexpr std::size_t keyLength(std::int32_t serviceCount) noexcept
    {
        return SNAPSHOT_RECORDING_IDS_OFFSET + sizeof(std::int64_t) * static_cast<std::size_t>(serviceCount);
    }

    /// Writes the key into key (at least keyLength(values.serviceCount) bytes); returns the length written.
    /// Throws util::IllegalArgumentException if serviceCount is outside [0, MAX_SERVICE_COUNT] or key is short.
    static std::size_t encodeKey(const Values& values, std::span<std::uint8_t> key);

    /// Decodes a key read from a counters file (anyone may have written it): std::nullopt if it is shorter than
    /// the fixed part, its serviceCount is outside [0, MAX_SERVICE_COUNT], or its ids run past key's end.
    [[nodiscard]] static std::optional<Values> decodeKey(std::span<const std::uint8_t> key) noexcept;

    /// "Cluster recovery: leadershipTermId=<id> logPosition=<position> - clusterId=<clusterId>".
    [[nodiscard]] static std::string label(const Values& values);

    /// Allocates the counter through the consensus module's Aeron client (it lives in the driver's counters
    /// file, so containers in any process find it). Blocking, a set-up call: throws
    /// util::IllegalArgumentException for more than MAX_SERVICE_COUNT services, and as Aeron::addCounter does.
    [[nodiscard]] static std::shared_ptr<transport::Counter> allocate(transport::Aeron& aeron, const Values& values);

    /// The RECOVERY_STATE counter of clusterId, or ClusterCounters::NULL_COUNTER_ID.
    [[nodiscard]] static std::int32_t findCounterId(const util::CountersReader& counters, std::int32_t clusterId);

    /// Decodes counter counterId: std::nullopt if it is not an allocated RECOVERY_STATE counter or its key is
    /// invalid (see decodeKey). Throws util::IllegalArgumentException for an id outside the counters file.
    [[nodiscard]] static std::optional<Values> read(const util::CountersReader& counters, std::int32_t counterId);
};
} // namespace cox::cluster
