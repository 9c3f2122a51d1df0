#include "cox/cluster/RecoveryState.hpp"

#include <cstring>

#include "cox/transport/Aeron.hpp"
#include "cox/util/CountersDescriptor.hpp"
#include "cox/util/CountersReader.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace
{
template <typename T> void put(std::span<std::uint8_t> key, std::size_t offset, T value) noexcept
{
    std::memcpy(key.data() + offset, &value, sizeof(T));
}

template <typename T> T get(std::span<const std::uint8_t> key, std::size_t offset) noexcept
{
    T value{};
    std::memcpy(&value, key.data() + offset, sizeof(T));
    return value;
}

void checkServiceCount(std::int32_t serviceCount)
{
    if (serviceCount < 0 || serviceCount > RecoveryState::MAX_SERVICE_COUNT)
    {
        throw util::IllegalArgumentException("serviceCount=" + std::to_string(serviceCount) +
                                             " does not fit the recovery state counter key (0 to " +
                                             std::to_string(RecoveryState::MAX_SERVICE_COUNT) + ")");
    }
}
} // namespace

std::size_t RecoveryState::encodeKey(const Values& values, std::span<std::uint8_t> key)
{
    checkServiceCount(values.serviceCount);
    const std::size_t length = keyLength(values.serviceCount);
    if (key.size() < length)
    {
        throw util::IllegalArgumentException("recovery state key needs " + std::to_string(length) + " bytes, got " +
                                             std::to_string(key.size()));
    }
    put(key, CLUSTER_ID_OFFSET, values.clusterId);
    put(key, SERVICE_COUNT_OFFSET, values.serviceCount);
    put(key, LEADERSHIP_TERM_ID_OFFSET, values.leadershipTermId);
    put(key, LOG_POSITION_OFFSET, values.logPosition);
    put(key, TIMESTAMP_OFFSET, values.timestamp);
    for (std::int32_t i = 0; i < values.serviceCount; ++i)
    {
        put(key, SNAPSHOT_RECORDING_IDS_OFFSET + sizeof(std::int64_t) * static_cast<std::size_t>(i),
            values.snapshotRecordingIds[static_cast<std::size_t>(i)]);
    }
    return length;
}

std::optional<RecoveryState::Values> RecoveryState::decodeKey(std::span<const std::uint8_t> key) noexcept
{
    if (key.size() < SNAPSHOT_RECORDING_IDS_OFFSET)
    {
        return std::nullopt;
    }
    Values values;
    values.clusterId = get<std::int32_t>(key, CLUSTER_ID_OFFSET);
    values.serviceCount = get<std::int32_t>(key, SERVICE_COUNT_OFFSET);
    if (values.serviceCount < 0 || values.serviceCount > MAX_SERVICE_COUNT ||
        key.size() < keyLength(values.serviceCount))
    {
        return std::nullopt;
    }
    values.leadershipTermId = get<std::int64_t>(key, LEADERSHIP_TERM_ID_OFFSET);
    values.logPosition = get<std::int64_t>(key, LOG_POSITION_OFFSET);
    values.timestamp = get<std::int64_t>(key, TIMESTAMP_OFFSET);
    for (std::int32_t i = 0; i < values.serviceCount; ++i)
    {
        values.snapshotRecordingIds[static_cast<std::size_t>(i)] =
            get<std::int64_t>(key, SNAPSHOT_RECORDING_IDS_OFFSET + sizeof(std::int64_t) * static_cast<std::size_t>(i));
    }
    return values;
}

std::string RecoveryState::label(const Values& values)
{
    return ClusterCounters::label("Cluster recovery: leadershipTermId=" + std::to_string(values.leadershipTermId) +
                                      " logPosition=" + std::to_string(values.logPosition),
                                  values.clusterId);
}

std::shared_ptr<transport::Counter> RecoveryState::allocate(transport::Aeron& aeron, const Values& values)
{
    std::array<std::uint8_t, MAX_KEY_LENGTH> key{};
    const std::size_t length = encodeKey(values, key);
    return aeron.addCounter(TYPE_ID, std::span<const std::uint8_t>(key.data(), length), label(values));
}

std::int32_t RecoveryState::findCounterId(const util::CountersReader& counters, std::int32_t clusterId)
{
    return ClusterCounters::find(counters, TYPE_ID, clusterId);
}

std::optional<RecoveryState::Values> RecoveryState::read(const util::CountersReader& counters, std::int32_t counterId)
{
    if (counters.getCounterState(counterId) != util::CountersDescriptor::RECORD_ALLOCATED ||
        counters.getCounterTypeId(counterId) != TYPE_ID)
    {
        return std::nullopt;
    }
    return decodeKey(counters.getCounterKey(counterId));
}
} // namespace cox::cluster
