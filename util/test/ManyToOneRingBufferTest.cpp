// Behaviour only ManyToOneRingBuffer has; the shared contract is in OneToOneRingBufferTest.cpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/ManyToOneRingBuffer.hpp"
#include "cox/util/RecordDescriptor.hpp"
#include "cox/util/RingBufferDescriptor.hpp"

using namespace cox::util;

namespace
{
constexpr std::size_t CAPACITY = 1024;

class ManyToOneRingBufferTest : public ::testing::Test
{
protected:
    ManyToOneRingBufferTest()
        : m_memory((CAPACITY + RingBufferDescriptor::TRAILER_LENGTH) / sizeof(std::uint64_t), 0),
          m_buffer(m_memory.data(), CAPACITY + RingBufferDescriptor::TRAILER_LENGTH),
          m_ring(m_buffer)
    {
    }

    bool write(std::int32_t msgTypeId, std::string payload)
    {
        AtomicBuffer src(payload.data(), payload.size());
        return m_ring.write(msgTypeId, src, 0, payload.size());
    }

    std::vector<std::pair<std::int32_t, std::string>> readAll()
    {
        std::vector<std::pair<std::int32_t, std::string>> out;
        m_ring.read(
            [&out](std::int32_t msgTypeId, AtomicBuffer& buffer, std::size_t index, std::size_t length)
            {
                std::string payload(length, '\0');
                buffer.getBytes(index, payload.data(), length);
                out.emplace_back(msgTypeId, payload);
            });
        return out;
    }

    std::vector<std::uint64_t> m_memory;
    AtomicBuffer m_buffer;
    ManyToOneRingBuffer m_ring;
};
} // namespace

TEST_F(ManyToOneRingBufferTest, shouldHoldBackLaterRecordsUntilEarlierClaimIsCommitted)
{
    const std::int32_t first = m_ring.tryClaim(1, 8);
    const std::int32_t second = m_ring.tryClaim(2, 8);
    ASSERT_EQ(8, first);
    ASSERT_EQ(24, second);
    m_ring.buffer().putBytes(static_cast<std::size_t>(second), "second!!", 8);
    m_ring.commit(second);
    EXPECT_TRUE(readAll().empty()) << "the open claim ahead of it blocks the consumer";
    EXPECT_EQ(-16, m_buffer.getInt32(RecordDescriptor::lengthOffset(0))) << "in progress: negative length";

    m_ring.buffer().putBytes(static_cast<std::size_t>(first), "first!!!", 8);
    m_ring.commit(first);
    const auto received = readAll();
    ASSERT_EQ(2u, received.size());
    EXPECT_EQ(std::make_pair(1, std::string("first!!!")), received[0]);
    EXPECT_EQ(std::make_pair(2, std::string("second!!")), received[1]);
}

TEST_F(ManyToOneRingBufferTest, shouldUnblockRecordOfProducerThatDiedAfterWritingHeader)
{
    ASSERT_GT(m_ring.tryClaim(1, 20), 0); // never committed
    ASSERT_TRUE(write(2, "behind"));
    EXPECT_TRUE(readAll().empty());

    EXPECT_TRUE(m_ring.unblock());
    EXPECT_EQ(RecordDescriptor::PADDING_MSG_TYPE_ID, m_buffer.getInt32(RecordDescriptor::typeOffset(0)));
    const auto received = readAll();
    ASSERT_EQ(1u, received.size());
    EXPECT_EQ(std::make_pair(2, std::string("behind")), received[0]);
    EXPECT_FALSE(m_ring.unblock()) << "nothing left to unblock";
}

TEST_F(ManyToOneRingBufferTest, shouldUnblockRecordOfProducerThatDiedBeforeWritingHeader)
{
    const std::int32_t index = m_ring.tryClaim(1, 20); // 32-byte record
    ASSERT_GT(index, 0);
    // As if the producer died right after winning the tail: no header at all.
    m_buffer.putInt64(0, 0);
    ASSERT_TRUE(write(2, "behind"));

    EXPECT_TRUE(m_ring.unblock());
    EXPECT_EQ(32, m_buffer.getInt32(RecordDescriptor::lengthOffset(0))) << "padding spans the dead claim";
    const auto received = readAll();
    ASSERT_EQ(1u, received.size());
    EXPECT_EQ(2, received[0].first);
}

TEST_F(ManyToOneRingBufferTest, shouldNotUnblockWhenEmptyOrHeadRecordIsComplete)
{
    EXPECT_FALSE(m_ring.unblock());
    ASSERT_TRUE(write(1, "complete"));
    EXPECT_FALSE(m_ring.unblock());
    EXPECT_EQ(1u, readAll().size());
}
