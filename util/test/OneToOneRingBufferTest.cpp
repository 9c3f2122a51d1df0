// The ring-buffer contract, run as typed tests over both OneToOneRingBuffer and ManyToOneRingBuffer.
// Behaviour only the many-to-one buffer has (interleaved claims, unblock) is in ManyToOneRingBufferTest.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/ManyToOneRingBuffer.hpp"
#include "cox/util/OneToOneRingBuffer.hpp"
#include "cox/util/RecordDescriptor.hpp"
#include "cox/util/RingBufferDescriptor.hpp"

using namespace cox::util;

namespace
{
constexpr std::size_t CAPACITY = 1024;
constexpr std::int32_t MSG_TYPE_ID = 7;

struct Received
{
    std::int32_t msgTypeId;
    std::string payload;
    std::size_t index;
};

template <typename RingBuffer>
class RingBufferTest : public ::testing::Test
{
protected:
    RingBufferTest()
        : m_memory((CAPACITY + RingBufferDescriptor::TRAILER_LENGTH) / sizeof(std::uint64_t), 0),
          m_buffer(m_memory.data(), CAPACITY + RingBufferDescriptor::TRAILER_LENGTH),
          m_srcMemory(CAPACITY, 0),
          m_src(m_srcMemory.data(), m_srcMemory.size()),
          m_ring(m_buffer)
    {
    }

    bool write(std::int32_t msgTypeId, const std::string& payload)
    {
        m_src.putBytes(0, payload.data(), payload.size());
        return m_ring.write(msgTypeId, m_src, 0, payload.size());
    }

    /// A payload of length bytes that differs from its neighbours.
    static std::string payloadOf(std::size_t length, char seed)
    {
        std::string payload(length, '\0');
        for (std::size_t i = 0; i < length; ++i)
        {
            payload[i] = static_cast<char>(seed + static_cast<char>(i % 23));
        }
        return payload;
    }

    int readAll(std::vector<Received>& out, int limit = 1000)
    {
        return m_ring.read(
            [&out](std::int32_t msgTypeId, AtomicBuffer& buffer, std::size_t index, std::size_t length)
            {
                std::string payload(length, '\0');
                buffer.getBytes(index, payload.data(), length);
                out.push_back({msgTypeId, payload, index});
            },
            limit);
    }

    bool isZeroed(std::size_t from, std::size_t to) const
    {
        for (std::size_t i = from; i < to; ++i)
        {
            if (m_buffer.getUInt8(i) != 0)
            {
                return false;
            }
        }
        return true;
    }

    std::vector<std::uint64_t> m_memory;
    AtomicBuffer m_buffer;
    std::vector<std::uint8_t> m_srcMemory;
    AtomicBuffer m_src;
    RingBuffer m_ring;
};

using RingBufferTypes = ::testing::Types<OneToOneRingBuffer, ManyToOneRingBuffer>;
TYPED_TEST_SUITE(RingBufferTest, RingBufferTypes);
} // namespace

TYPED_TEST(RingBufferTest, shouldReadMessagesInOrderWithTheirTypesWhenWritten)
{
    ASSERT_TRUE(this->write(1, "alpha"));
    ASSERT_TRUE(this->write(2, "bravo-charlie"));
    ASSERT_TRUE(this->write(3, ""));

    std::vector<Received> received;
    EXPECT_EQ(3, this->readAll(received));
    ASSERT_EQ(3u, received.size());
    EXPECT_EQ(1, received[0].msgTypeId);
    EXPECT_EQ("alpha", received[0].payload);
    EXPECT_EQ(RecordDescriptor::HEADER_LENGTH, received[0].index);
    EXPECT_EQ(2, received[1].msgTypeId);
    EXPECT_EQ("bravo-charlie", received[1].payload);
    EXPECT_EQ(16u + RecordDescriptor::HEADER_LENGTH, received[1].index) << "records are 8-byte aligned";
    EXPECT_EQ(3, received[2].msgTypeId);
    EXPECT_EQ("", received[2].payload);

    EXPECT_EQ(0, this->readAll(received)) << "each message is delivered once";
    EXPECT_EQ(this->m_ring.producerPosition(), this->m_ring.consumerPosition());
}

TYPED_TEST(RingBufferTest, shouldAccountSizeWithHeadersAndAlignment)
{
    EXPECT_EQ(0u, this->m_ring.size());
    ASSERT_TRUE(this->write(MSG_TYPE_ID, "12345"));
    EXPECT_EQ(16u, this->m_ring.size());
    ASSERT_TRUE(this->write(MSG_TYPE_ID, "12345678"));
    EXPECT_EQ(32u, this->m_ring.size());
    ASSERT_TRUE(this->write(MSG_TYPE_ID, "123456789"));
    EXPECT_EQ(56u, this->m_ring.size());

    std::vector<Received> received;
    EXPECT_EQ(1, this->readAll(received, 1));
    EXPECT_EQ(40u, this->m_ring.size());
    EXPECT_EQ(2, this->readAll(received));
    EXPECT_EQ(0u, this->m_ring.size());
}

TYPED_TEST(RingBufferTest, shouldZeroConsumedRegionAndAdvanceHeadWhenRead)
{
    ASSERT_TRUE(this->write(MSG_TYPE_ID, "some bytes"));
    ASSERT_TRUE(this->write(MSG_TYPE_ID, "more"));
    EXPECT_FALSE(this->isZeroed(0, 40));

    std::vector<Received> received;
    EXPECT_EQ(2, this->readAll(received));
    EXPECT_TRUE(this->isZeroed(0, CAPACITY)) << "producers must find zeroed memory on the next lap";
    EXPECT_EQ(40, this->m_ring.consumerPosition());
}

TYPED_TEST(RingBufferTest, shouldRefuseWriteWhenFullAndAcceptItAfterRead)
{
    const std::string payload = this->payloadOf(56, 'a'); // 64-byte records: 16 fill the ring
    for (int i = 0; i < 16; ++i)
    {
        ASSERT_TRUE(this->write(MSG_TYPE_ID, payload)) << i;
    }
    EXPECT_EQ(CAPACITY, this->m_ring.size());
    EXPECT_FALSE(this->write(MSG_TYPE_ID, payload));
    EXPECT_FALSE(this->write(MSG_TYPE_ID, "")) << "not even an empty message fits";
    EXPECT_EQ(RingBufferDescriptor::INSUFFICIENT_CAPACITY, this->m_ring.tryClaim(MSG_TYPE_ID, 8));

    std::vector<Received> received;
    EXPECT_EQ(1, this->readAll(received, 1));
    EXPECT_TRUE(this->write(MSG_TYPE_ID, payload));
    EXPECT_FALSE(this->write(MSG_TYPE_ID, ""));
}

TYPED_TEST(RingBufferTest, shouldWrapWithPaddingRecordWhenMessageDoesNotFitAtEnd)
{
    const std::string filler = this->payloadOf(56, 'f');
    for (int i = 0; i < 15; ++i)
    {
        ASSERT_TRUE(this->write(MSG_TYPE_ID, filler));
    }
    std::vector<Received> received;
    ASSERT_EQ(15, this->readAll(received));
    received.clear();

    const std::string wrapped = this->payloadOf(120, 'w'); // 128-byte record, 64 bytes left at the end
    ASSERT_TRUE(this->write(MSG_TYPE_ID + 1, wrapped));
    EXPECT_EQ(RecordDescriptor::PADDING_MSG_TYPE_ID, this->m_buffer.getInt32(RecordDescriptor::typeOffset(960)));
    EXPECT_EQ(64, this->m_buffer.getInt32(RecordDescriptor::lengthOffset(960)));
    EXPECT_EQ(128, this->m_buffer.getInt32(RecordDescriptor::lengthOffset(0)));
    EXPECT_EQ(960 + 64 + 128, this->m_ring.producerPosition());
    EXPECT_EQ(192u, this->m_ring.size()) << "padding counts until consumed";

    // A read never crosses the end of the buffer: the first consumes only the padding.
    EXPECT_EQ(0, this->readAll(received));
    EXPECT_EQ(1024, this->m_ring.consumerPosition());
    EXPECT_EQ(1, this->readAll(received));
    ASSERT_EQ(1u, received.size());
    EXPECT_EQ(MSG_TYPE_ID + 1, received[0].msgTypeId);
    EXPECT_EQ(wrapped, received[0].payload);
    EXPECT_EQ(RecordDescriptor::HEADER_LENGTH, received[0].index);
    EXPECT_EQ(0u, this->m_ring.size());
    EXPECT_TRUE(this->isZeroed(0, CAPACITY));
}

TYPED_TEST(RingBufferTest, shouldRefuseWrapWhenConsumerHasNotLeftTheStartOfTheBuffer)
{
    const std::string filler = this->payloadOf(56, 'f');
    for (int i = 0; i < 15; ++i)
    {
        ASSERT_TRUE(this->write(MSG_TYPE_ID, filler));
    }
    std::vector<Received> received;
    ASSERT_EQ(1, this->readAll(received, 1)); // head index 64: 128 bytes free in total, but split

    const std::string wrapped = this->payloadOf(120, 'w');
    EXPECT_FALSE(this->write(MSG_TYPE_ID, wrapped)) << "padding (64) plus record (128) needs 192 bytes";
    EXPECT_EQ(960, this->m_ring.producerPosition()) << "a refused write claims nothing";

    ASSERT_EQ(1, this->readAll(received, 1)); // head index 128
    EXPECT_TRUE(this->write(MSG_TYPE_ID, wrapped));
    EXPECT_EQ(960 + 64 + 128, this->m_ring.producerPosition());
}

TYPED_TEST(RingBufferTest, shouldDeliverManyLapsOfVaryingMessagesIntact)
{
    std::vector<Received> received;
    std::size_t next = 0;
    std::size_t expected = 0;
    for (int round = 0; round < 500; ++round)
    {
        for (int i = 0; i < 3; ++i, ++next)
        {
            const std::string payload = this->payloadOf(next % 100, static_cast<char>('A' + next % 26));
            ASSERT_TRUE(this->write(static_cast<std::int32_t>(1 + next % 50), payload)) << next;
        }
        this->readAll(received);
        for (; expected < received.size(); ++expected)
        {
            ASSERT_EQ(static_cast<std::int32_t>(1 + expected % 50), received[expected].msgTypeId) << expected;
            ASSERT_EQ(this->payloadOf(expected % 100, static_cast<char>('A' + expected % 26)),
                      received[expected].payload)
                << expected;
        }
    }
    // A read stops at the end of the buffer, so a record behind the last padding needs one more.
    this->readAll(received);
    EXPECT_EQ(1500u, received.size());
    EXPECT_EQ(0u, this->m_ring.size());
    EXPECT_GT(this->m_ring.consumerPosition(), static_cast<std::int64_t>(50 * CAPACITY)) << "wrapped many times";
}

TYPED_TEST(RingBufferTest, shouldDeliverClaimedMessageOnlyAfterCommit)
{
    const std::int32_t index = this->m_ring.tryClaim(MSG_TYPE_ID, 12);
    ASSERT_EQ(static_cast<std::int32_t>(RecordDescriptor::HEADER_LENGTH), index);
    this->m_ring.buffer().putBytes(static_cast<std::size_t>(index), "claimed-data", 12);
    EXPECT_EQ(24u, this->m_ring.size());

    std::vector<Received> received;
    EXPECT_EQ(0, this->readAll(received)) << "an open claim is invisible";
    this->m_ring.commit(index);
    EXPECT_EQ(1, this->readAll(received));
    ASSERT_EQ(1u, received.size());
    EXPECT_EQ(MSG_TYPE_ID, received[0].msgTypeId);
    EXPECT_EQ("claimed-data", received[0].payload);
}

TYPED_TEST(RingBufferTest, shouldSkipAbortedClaimAndDeliverWhatFollows)
{
    const std::int32_t index = this->m_ring.tryClaim(MSG_TYPE_ID, 20);
    ASSERT_GT(index, 0);
    ASSERT_TRUE(this->write(MSG_TYPE_ID + 1, "after"));
    this->m_ring.abort(index);

    std::vector<Received> received;
    EXPECT_EQ(1, this->readAll(received));
    ASSERT_EQ(1u, received.size());
    EXPECT_EQ(MSG_TYPE_ID + 1, received[0].msgTypeId);
    EXPECT_EQ("after", received[0].payload);
    EXPECT_EQ(0u, this->m_ring.size());
}

TYPED_TEST(RingBufferTest, shouldThrowWhenClaimIsCommittedTwiceOrIndexIsInvalid)
{
    const std::int32_t index = this->m_ring.tryClaim(MSG_TYPE_ID, 8);
    this->m_ring.commit(index);
    EXPECT_THROW(this->m_ring.commit(index), IllegalStateException);
    EXPECT_THROW(this->m_ring.abort(index), IllegalStateException);
    EXPECT_THROW(this->m_ring.commit(3), IllegalArgumentException);
    EXPECT_THROW(this->m_ring.commit(-2), IllegalArgumentException);
    EXPECT_THROW(this->m_ring.commit(static_cast<std::int32_t>(CAPACITY) + 8), IllegalArgumentException);
}

TYPED_TEST(RingBufferTest, shouldHonourControlledReadActions)
{
    for (std::int32_t typeId = 1; typeId <= 5; ++typeId)
    {
        ASSERT_TRUE(this->write(typeId, "x")); // 16-byte records
    }
    std::vector<std::int32_t> seen;
    std::vector<std::int64_t> headSeen;
    auto& ring = this->m_ring;
    const int first = ring.controlledRead(
        [&](std::int32_t msgTypeId, AtomicBuffer&, std::size_t, std::size_t length)
        {
            EXPECT_EQ(1u, length);
            seen.push_back(msgTypeId);
            headSeen.push_back(ring.consumerPosition());
            switch (msgTypeId)
            {
            case 1: return ControlledReadAction::CONTINUE;
            case 2: return ControlledReadAction::COMMIT;
            default: return ControlledReadAction::ABORT;
            }
        });
    EXPECT_EQ(2, first) << "the aborted message is not counted";
    EXPECT_EQ((std::vector<std::int32_t>{1, 2, 3}), seen);
    EXPECT_EQ((std::vector<std::int64_t>{0, 0, 32}), headSeen) << "COMMIT advances the head at once";
    EXPECT_EQ(32, ring.consumerPosition()) << "the aborted message stays";

    seen.clear();
    const int second = ring.controlledRead(
        [&](std::int32_t msgTypeId, AtomicBuffer&, std::size_t, std::size_t)
        {
            seen.push_back(msgTypeId);
            return ControlledReadAction::BREAK;
        });
    EXPECT_EQ(1, second);
    EXPECT_EQ((std::vector<std::int32_t>{3}), seen) << "aborted message is delivered again";
    EXPECT_EQ(48, ring.consumerPosition());

    seen.clear();
    const int third = ring.controlledRead(
        [&](std::int32_t msgTypeId, AtomicBuffer&, std::size_t, std::size_t)
        {
            seen.push_back(msgTypeId);
            return ControlledReadAction::CONTINUE;
        });
    EXPECT_EQ(2, third);
    EXPECT_EQ((std::vector<std::int32_t>{4, 5}), seen);
    EXPECT_EQ(80, ring.consumerPosition());
    EXPECT_TRUE(this->isZeroed(0, CAPACITY));
}

TYPED_TEST(RingBufferTest, shouldStopAtMessageCountLimit)
{
    for (int i = 0; i < 5; ++i)
    {
        ASSERT_TRUE(this->write(MSG_TYPE_ID, "m"));
    }
    std::vector<Received> received;
    EXPECT_EQ(2, this->readAll(received, 2));
    EXPECT_EQ(32, this->m_ring.consumerPosition());
    EXPECT_EQ(3, this->readAll(received, 10));
    EXPECT_EQ(0, this->readAll(received, 0));
}

TYPED_TEST(RingBufferTest, shouldConsumeMessageWhoseHandlerThrows)
{
    ASSERT_TRUE(this->write(1, "boom"));
    ASSERT_TRUE(this->write(2, "next"));
    EXPECT_THROW(this->m_ring.read([](std::int32_t, AtomicBuffer&, std::size_t, std::size_t)
                                   { throw std::runtime_error("handler failed"); }),
                 std::runtime_error);
    EXPECT_EQ(16, this->m_ring.consumerPosition()) << "the failing message is not delivered again";
    std::vector<Received> received;
    EXPECT_EQ(1, this->readAll(received));
    EXPECT_EQ(2, received.at(0).msgTypeId);
}

TYPED_TEST(RingBufferTest, shouldThrowForTypeIdBelowOne)
{
    EXPECT_THROW((void)this->write(0, "x"), IllegalArgumentException);
    EXPECT_THROW((void)this->write(RecordDescriptor::PADDING_MSG_TYPE_ID, "x"), IllegalArgumentException);
    EXPECT_THROW((void)this->m_ring.tryClaim(0, 4), IllegalArgumentException);
    EXPECT_EQ(0, this->m_ring.producerPosition()) << "nothing claimed";
}

TYPED_TEST(RingBufferTest, shouldThrowForMessageLongerThanMaxMsgLength)
{
    EXPECT_EQ(CAPACITY / 8, this->m_ring.maxMsgLength());
    EXPECT_TRUE(this->write(MSG_TYPE_ID, this->payloadOf(CAPACITY / 8, 'm')));
    EXPECT_THROW((void)this->write(MSG_TYPE_ID, this->payloadOf(CAPACITY / 8 + 1, 'm')), IllegalArgumentException);
    EXPECT_THROW((void)this->m_ring.tryClaim(MSG_TYPE_ID, CAPACITY / 8 + 1), IllegalArgumentException);
}

TYPED_TEST(RingBufferTest, shouldThrowIllegalStateWhenRecordLengthIsCorrupt)
{
    this->m_buffer.putInt32(RecordDescriptor::typeOffset(0), MSG_TYPE_ID);
    this->m_buffer.putInt32(RecordDescriptor::lengthOffset(0), static_cast<std::int32_t>(CAPACITY) + 8);
    std::vector<Received> received;
    EXPECT_THROW(this->readAll(received), IllegalStateException);
    this->m_buffer.putInt32(RecordDescriptor::lengthOffset(0), 4);
    EXPECT_THROW(this->readAll(received), IllegalStateException);
    EXPECT_TRUE(received.empty());
}

TYPED_TEST(RingBufferTest, shouldIssueIncreasingCorrelationIdsAndKeepHeartbeat)
{
    EXPECT_EQ(0, this->m_ring.nextCorrelationId());
    EXPECT_EQ(1, this->m_ring.nextCorrelationId());
    EXPECT_EQ(0, this->m_ring.consumerHeartbeatTime());
    this->m_ring.consumerHeartbeatTime(123456789);
    EXPECT_EQ(123456789, this->m_ring.consumerHeartbeatTime());
    EXPECT_EQ(123456789, this->m_buffer.getInt64(CAPACITY + RingBufferDescriptor::CONSUMER_HEARTBEAT_OFFSET));
    EXPECT_EQ(2, this->m_buffer.getInt64(CAPACITY + RingBufferDescriptor::CORRELATION_COUNTER_OFFSET));
}

TYPED_TEST(RingBufferTest, shouldRejectCapacityThatIsNotAPowerOfTwo)
{
    std::vector<std::uint64_t> memory(2048, 0);
    AtomicBuffer notPowerOfTwo(memory.data(), 1000 + RingBufferDescriptor::TRAILER_LENGTH);
    EXPECT_THROW(TypeParam{notPowerOfTwo}, IllegalArgumentException);
    AtomicBuffer tooShort(memory.data(), RingBufferDescriptor::TRAILER_LENGTH - 1);
    EXPECT_THROW(TypeParam{tooShort}, IllegalArgumentException);
    AtomicBuffer misaligned(reinterpret_cast<std::uint8_t*>(memory.data()) + 4,
                            1024 + RingBufferDescriptor::TRAILER_LENGTH);
    EXPECT_THROW(TypeParam{misaligned}, IllegalArgumentException);
    EXPECT_EQ(768u, RingBufferDescriptor::TRAILER_LENGTH);
}

TEST(OneToOneRingBufferTest, shouldHaveNothingToUnblock)
{
    std::vector<std::uint64_t> memory((1024 + RingBufferDescriptor::TRAILER_LENGTH) / 8, 0);
    OneToOneRingBuffer ring(AtomicBuffer(memory.data(), memory.size() * 8));
    ASSERT_GT(ring.tryClaim(MSG_TYPE_ID, 8), 0);
    EXPECT_FALSE(ring.unblock());
}
