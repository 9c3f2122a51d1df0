// RecordingPos key layout and lookups over a real CountersManager.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "cox/archive/RecordingPos.hpp"
#include "cox/util/CountersManager.hpp"

namespace cox::archive
{
namespace
{
class FixedEpochClock final : public util::EpochClock
{
public:
    [[nodiscard]] std::int64_t time() const noexcept override { return 0; }
};

class RecordingPosTest : public ::testing::Test
{
protected:
    static constexpr std::int32_t MAX_COUNTERS = 16;

    RecordingPosTest()
        : m_metadata(MAX_COUNTERS * util::CountersDescriptor::METADATA_LENGTH),
          m_values(MAX_COUNTERS * util::CountersDescriptor::COUNTER_LENGTH),
          counters(util::AtomicBuffer(m_metadata.data(), m_metadata.size()),
                   util::AtomicBuffer(m_values.data(), m_values.size()), m_clock, 0)
    {
    }

    FixedEpochClock m_clock;
    std::vector<std::uint8_t> m_metadata;
    std::vector<std::uint8_t> m_values;
    util::CountersManager counters;
};

TEST_F(RecordingPosTest, shouldLayOutKeyAsAeronDoes)
{
    std::uint8_t key[util::CountersDescriptor::MAX_KEY_LENGTH] = {};
    const std::size_t length = RecordingPos::encodeKey(key, 0x1122334455667788LL, -5, "aeron:ipc", 99);

    EXPECT_EQ(length, 16u + 9u + 8u);
    std::int64_t recordingId = 0;
    std::int32_t sessionId = 0;
    std::int32_t identityLength = 0;
    std::int64_t archiveId = 0;
    std::memcpy(&recordingId, key + 0, 8);
    std::memcpy(&sessionId, key + 8, 4);
    std::memcpy(&identityLength, key + 12, 4);
    std::memcpy(&archiveId, key + 25, 8);
    EXPECT_EQ(recordingId, 0x1122334455667788LL);
    EXPECT_EQ(sessionId, -5);
    EXPECT_EQ(identityLength, 9);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(key + 16), 9), "aeron:ipc");
    EXPECT_EQ(archiveId, 99);
}

TEST_F(RecordingPosTest, shouldFindCounterByRecordingAndSessionForMatchingArchive)
{
    const std::int32_t otherType = counters.allocate("not a recording", 7);
    const std::int32_t archive1 = RecordingPos::allocate(counters, 3, 100, 33, "aeron:ipc", "aeron:ipc", 1);
    const std::int32_t archive2 = RecordingPos::allocate(counters, 3, 200, 33, "aeron:ipc", "aeron:ipc", 2);

    EXPECT_EQ(RecordingPos::findCounterIdByRecording(counters, 3, 2), archive2);
    EXPECT_EQ(RecordingPos::findCounterIdByRecording(counters, 3, 1), archive1);
    EXPECT_EQ(RecordingPos::findCounterIdByRecording(counters, 3), archive1) << "NULL archive id matches any";
    EXPECT_EQ(RecordingPos::findCounterIdByRecording(counters, 4), RecordingPos::NULL_COUNTER_ID);
    EXPECT_EQ(RecordingPos::findCounterIdBySession(counters, 200, 2), archive2);
    EXPECT_EQ(RecordingPos::findCounterIdBySession(counters, 200, 1), RecordingPos::NULL_COUNTER_ID);
    EXPECT_EQ(RecordingPos::getRecordingId(counters, archive2), 3);
    EXPECT_EQ(RecordingPos::getArchiveId(counters, archive2), 2);
    EXPECT_EQ(RecordingPos::getRecordingId(counters, otherType), RecordingPos::NULL_RECORDING_ID);
    EXPECT_EQ(counters.getCounterLabel(archive1), "rec-pos: 3 100 33 aeron:ipc - archiveId=1");
}

TEST_F(RecordingPosTest, shouldCutSourceIdentityTo88BytesAndKeepArchiveIdAfterIt)
{
    const std::string longIdentity(120, 'x');
    const std::int32_t id = RecordingPos::allocate(counters, 9, 1, 2, "aeron:udp?endpoint=a:1", longIdentity, 77);

    EXPECT_EQ(RecordingPos::getSourceIdentity(counters, id), std::string(88, 'x'));
    EXPECT_EQ(RecordingPos::getArchiveId(counters, id), 77);
    EXPECT_EQ(RecordingPos::findCounterIdByRecording(counters, 9, 77), id);
}

TEST_F(RecordingPosTest, shouldReportActiveOnlyWhileCounterAllocatedForRecording)
{
    const std::int32_t id = RecordingPos::allocate(counters, 5, 1, 2, "aeron:ipc", "aeron:ipc", 1);

    EXPECT_TRUE(RecordingPos::isActive(counters, id, 5));
    EXPECT_FALSE(RecordingPos::isActive(counters, id, 6));
    EXPECT_FALSE(RecordingPos::isActive(counters, RecordingPos::NULL_COUNTER_ID, 5));
    EXPECT_FALSE(RecordingPos::isActive(counters, MAX_COUNTERS + 3, 5));
    counters.free(id);
    EXPECT_FALSE(RecordingPos::isActive(counters, id, 5));
    EXPECT_EQ(RecordingPos::findCounterIdByRecording(counters, 5), RecordingPos::NULL_COUNTER_ID);
}

TEST_F(RecordingPosTest, shouldClampCorruptIdentityLengthFromAnotherProcess)
{
    std::uint8_t key[util::CountersDescriptor::MAX_KEY_LENGTH] = {};
    const std::int64_t recordingId = 12;
    const std::int32_t hugeLength = 1 << 30;
    std::memcpy(key, &recordingId, 8);
    std::memcpy(key + 12, &hugeLength, 4);
    const std::int32_t id = counters.allocate("corrupt", RecordingPos::RECORDING_POSITION_TYPE_ID, key);

    EXPECT_EQ(RecordingPos::getSourceIdentity(counters, id).size(), 88u);
    EXPECT_EQ(RecordingPos::getRecordingId(counters, id), 12);
    EXPECT_EQ(RecordingPos::getArchiveId(counters, id), 0);
}
} // namespace
} // namespace cox::archive
