#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "../../transport/test/DriverTestSupport.hpp"
#include "cox/cluster/RecoveryState.hpp"
#include "cox/transport/Counter.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace
{
RecoveryState::Values sampleValues()
{
    RecoveryState::Values values;
    values.clusterId = 7;
    values.serviceCount = 3;
    values.leadershipTermId = 42;
    values.logPosition = 1 << 20;
    values.timestamp = 1'700'000'000'123;
    values.snapshotRecordingIds[0] = 11;
    values.snapshotRecordingIds[1] = RecoveryState::NULL_RECORDING_ID;
    values.snapshotRecordingIds[2] = 13;
    return values;
}

template <typename T> T readAt(const std::array<std::uint8_t, RecoveryState::MAX_KEY_LENGTH>& key, std::size_t offset)
{
    T value{};
    std::memcpy(&value, key.data() + offset, sizeof(T));
    return value;
}
} // namespace

TEST(RecoveryStateTest, shouldEncodeKeyAtDocumentedOffsets)
{
    std::array<std::uint8_t, RecoveryState::MAX_KEY_LENGTH> key{};
    const std::size_t length = RecoveryState::encodeKey(sampleValues(), key);

    EXPECT_EQ(32u + 3u * 8u, length);
    EXPECT_EQ(7, readAt<std::int32_t>(key, 0));
    EXPECT_EQ(3, readAt<std::int32_t>(key, 4));
    EXPECT_EQ(42, readAt<std::int64_t>(key, 8));
    EXPECT_EQ(1 << 20, readAt<std::int64_t>(key, 16));
    EXPECT_EQ(1'700'000'000'123, readAt<std::int64_t>(key, 24));
    EXPECT_EQ(11, readAt<std::int64_t>(key, 32));
    EXPECT_EQ(-1, readAt<std::int64_t>(key, 40));
    EXPECT_EQ(13, readAt<std::int64_t>(key, 48));
}

TEST(RecoveryStateTest, shouldDecodeWhatItEncoded)
{
    std::array<std::uint8_t, RecoveryState::MAX_KEY_LENGTH> key{};
    RecoveryState::encodeKey(sampleValues(), key);

    const auto decoded = RecoveryState::decodeKey(key);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(sampleValues(), *decoded);
    EXPECT_EQ(13, decoded->snapshotRecordingId(2));
    EXPECT_EQ(RecoveryState::NULL_RECORDING_ID, decoded->snapshotRecordingId(3));
    EXPECT_EQ(RecoveryState::NULL_RECORDING_ID, decoded->snapshotRecordingId(-1));
}

TEST(RecoveryStateTest, shouldAllowTenServicesAndRejectEleven)
{
    EXPECT_EQ(10, RecoveryState::MAX_SERVICE_COUNT);
    RecoveryState::Values values = sampleValues();
    values.serviceCount = 10;
    std::array<std::uint8_t, RecoveryState::MAX_KEY_LENGTH> key{};
    EXPECT_EQ(RecoveryState::MAX_KEY_LENGTH, RecoveryState::encodeKey(values, key));

    values.serviceCount = 11;
    EXPECT_THROW(static_cast<void>(RecoveryState::encodeKey(values, key)), util::IllegalArgumentException);
    values.serviceCount = -1;
    EXPECT_THROW(static_cast<void>(RecoveryState::encodeKey(values, key)), util::IllegalArgumentException);
}

TEST(RecoveryStateTest, shouldRejectKeyTooShortForItsServiceCount)
{
    std::array<std::uint8_t, RecoveryState::MAX_KEY_LENGTH> key{};
    RecoveryState::encodeKey(sampleValues(), key);

    EXPECT_FALSE(RecoveryState::decodeKey(std::span<const std::uint8_t>(key.data(), 31)).has_value());
    EXPECT_FALSE(RecoveryState::decodeKey(std::span<const std::uint8_t>(key.data(), 32 + 2 * 8)).has_value());
    EXPECT_TRUE(RecoveryState::decodeKey(std::span<const std::uint8_t>(key.data(), 32 + 3 * 8)).has_value());

    const std::int32_t bogusCount = 1000;
    std::memcpy(key.data() + RecoveryState::SERVICE_COUNT_OFFSET, &bogusCount, sizeof(bogusCount));
    EXPECT_FALSE(RecoveryState::decodeKey(key).has_value());
}

TEST(RecoveryStateTest, shouldLabelWithTermPositionAndClusterId)
{
    EXPECT_EQ("Cluster recovery: leadershipTermId=42 logPosition=1048576 - clusterId=7",
              RecoveryState::label(sampleValues()));
}

TEST(RecoveryStateTest, shouldAllocateInDriverCountersAndBeFoundByClusterId)
{
    transport::test::InvokerDriverFixture fixture;
    RecoveryState::Values other = sampleValues();
    other.clusterId = 3;
    other.serviceCount = 1;
    const auto otherCounter = RecoveryState::allocate(*fixture.aeron, other);
    const auto counter = RecoveryState::allocate(*fixture.aeron, sampleValues());
    ASSERT_TRUE(fixture.pumpUntil([&] { return RecoveryState::findCounterId(fixture.aeron->countersReader(), 7) >= 0; }));

    const util::CountersReader& reader = fixture.aeron->countersReader();
    const std::int32_t id = RecoveryState::findCounterId(reader, 7);
    EXPECT_EQ(counter->id(), id);
    EXPECT_EQ(otherCounter->id(), RecoveryState::findCounterId(reader, 3));
    EXPECT_EQ(ClusterCounters::NULL_COUNTER_ID, RecoveryState::findCounterId(reader, 99));
    EXPECT_EQ(RecoveryState::label(sampleValues()), reader.getCounterLabel(id));

    const auto values = RecoveryState::read(reader, id);
    ASSERT_TRUE(values.has_value());
    EXPECT_EQ(sampleValues(), *values);
}

TEST(RecoveryStateTest, shouldNotReadACounterOfAnotherType)
{
    transport::test::InvokerDriverFixture fixture;
    std::array<std::uint8_t, 4> key{};
    const auto counter = fixture.aeron->addCounter(ClusterCounters::COMMIT_POSITION_TYPE_ID, key, "commit");
    EXPECT_FALSE(RecoveryState::read(fixture.aeron->countersReader(), counter->id()).has_value());
}

TEST(RecoveryStateTest, shouldRejectTooManyServicesWhenAllocating)
{
    transport::test::InvokerDriverFixture fixture;
    RecoveryState::Values values = sampleValues();
    values.serviceCount = 11;
    EXPECT_THROW(static_cast<void>(RecoveryState::allocate(*fixture.aeron, values)), util::IllegalArgumentException);
}
} // namespace cox::cluster
