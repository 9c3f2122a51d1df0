#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/BroadcastBufferDescriptor.hpp"
#include "cox/util/BroadcastReceiver.hpp"
#include "cox/util/BroadcastTransmitter.hpp"
#include "cox/util/CopyBroadcastReceiver.hpp"
#include "cox/util/RecordDescriptor.hpp"

using namespace cox::util;

namespace
{
constexpr std::size_t CAPACITY = 1024;

class BroadcastTest : public ::testing::Test
{
protected:
    BroadcastTest()
        : m_memory((CAPACITY + BroadcastBufferDescriptor::TRAILER_LENGTH) / sizeof(std::uint64_t), 0),
          m_buffer(m_memory.data(), CAPACITY + BroadcastBufferDescriptor::TRAILER_LENGTH),
          m_transmitter(m_buffer)
    {
    }

    void transmit(std::int32_t msgTypeId, std::string payload)
    {
        AtomicBuffer src(payload.data(), payload.size());
        m_transmitter.transmit(msgTypeId, src, 0, payload.size());
    }

    static std::string current(BroadcastReceiver& receiver)
    {
        std::string payload(receiver.length(), '\0');
        receiver.buffer().getBytes(receiver.offset(), payload.data(), payload.size());
        return payload;
    }

    static std::string numbered(int n) { return "message-" + std::to_string(n) + std::string(40, '.'); }

    std::vector<std::uint64_t> m_memory;
    AtomicBuffer m_buffer;
    BroadcastTransmitter m_transmitter;
};
} // namespace

TEST_F(BroadcastTest, shouldReceiveTransmittedMessagesInOrder)
{
    BroadcastReceiver receiver(m_buffer);
    EXPECT_FALSE(receiver.receiveNext());
    transmit(5, "hello");
    transmit(6, "world, again");

    ASSERT_TRUE(receiver.receiveNext());
    EXPECT_EQ(5, receiver.typeId());
    EXPECT_EQ(5u, receiver.length());
    EXPECT_EQ(RecordDescriptor::HEADER_LENGTH, receiver.offset());
    EXPECT_EQ("hello", current(receiver));
    EXPECT_TRUE(receiver.validate());

    ASSERT_TRUE(receiver.receiveNext());
    EXPECT_EQ(6, receiver.typeId());
    EXPECT_EQ("world, again", current(receiver));
    EXPECT_EQ(16u + RecordDescriptor::HEADER_LENGTH, receiver.offset());
    EXPECT_FALSE(receiver.receiveNext());
    EXPECT_EQ(0, receiver.lappedCount());
}

TEST_F(BroadcastTest, shouldGiveEveryReceiverEveryMessage)
{
    BroadcastReceiver first(m_buffer);
    BroadcastReceiver second(m_buffer);
    transmit(1, "shared");
    ASSERT_TRUE(first.receiveNext());
    ASSERT_TRUE(second.receiveNext());
    EXPECT_EQ("shared", current(first));
    EXPECT_EQ("shared", current(second));
}

TEST_F(BroadcastTest, shouldStartNewReceiverAtLatestMessage)
{
    transmit(1, "old");
    transmit(2, "latest");
    BroadcastReceiver receiver(m_buffer);
    ASSERT_TRUE(receiver.receiveNext());
    EXPECT_EQ(2, receiver.typeId());
    EXPECT_EQ("latest", current(receiver));
    EXPECT_FALSE(receiver.receiveNext());
}

TEST_F(BroadcastTest, shouldSkipPaddingWhenMessageWrapsToStart)
{
    BroadcastReceiver receiver(m_buffer);
    const std::string filler(56, 'f'); // 64-byte records
    for (int i = 0; i < 15; ++i)
    {
        transmit(1, filler);
        ASSERT_TRUE(receiver.receiveNext());
    }
    const std::string wrapped(100, 'w');
    transmit(2, wrapped);
    EXPECT_EQ(RecordDescriptor::PADDING_MSG_TYPE_ID, m_buffer.getInt32(RecordDescriptor::typeOffset(960)));

    ASSERT_TRUE(receiver.receiveNext());
    EXPECT_EQ(2, receiver.typeId());
    EXPECT_EQ(RecordDescriptor::HEADER_LENGTH, receiver.offset());
    EXPECT_EQ(wrapped, current(receiver));
    EXPECT_TRUE(receiver.validate());
    EXPECT_EQ(0, receiver.lappedCount());
}

TEST_F(BroadcastTest, shouldSkipToLatestAndCountWhenLapped)
{
    BroadcastReceiver receiver(m_buffer);
    transmit(1, numbered(0));
    for (int i = 1; i <= 40; ++i) // 64-byte records: 40 of them lap a 1 KiB buffer
    {
        transmit(1, numbered(i));
    }
    ASSERT_TRUE(receiver.receiveNext());
    EXPECT_EQ(1, receiver.lappedCount());
    EXPECT_EQ(numbered(40), current(receiver));
    EXPECT_FALSE(receiver.receiveNext());
}

TEST_F(BroadcastTest, shouldFailValidationWhenMessageIsOverwrittenAfterReceive)
{
    BroadcastReceiver receiver(m_buffer);
    transmit(1, numbered(0));
    ASSERT_TRUE(receiver.receiveNext());
    EXPECT_TRUE(receiver.validate());
    for (int i = 1; i < 16; ++i)
    {
        transmit(1, numbered(i));
    }
    EXPECT_TRUE(receiver.validate()) << "15 more records fill the ring but do not reach it yet";
    transmit(1, numbered(16));
    EXPECT_FALSE(receiver.validate());
}

TEST_F(BroadcastTest, shouldCopyMessageToScratchAndDeliverIt)
{
    BroadcastReceiver receiver(m_buffer);
    CopyBroadcastReceiver copyReceiver(receiver);
    std::vector<std::pair<std::int32_t, std::string>> received;
    auto handler = [&received](std::int32_t msgTypeId, AtomicBuffer& buffer, std::size_t index, std::size_t length)
    {
        EXPECT_NE(buffer.buffer(), nullptr);
        std::string payload(length, '\0');
        buffer.getBytes(index, payload.data(), length);
        received.emplace_back(msgTypeId, payload);
    };

    EXPECT_EQ(0, copyReceiver.receive(handler));
    transmit(3, "copied");
    transmit(4, "odd-length message!");
    EXPECT_EQ(1, copyReceiver.receive(handler));
    EXPECT_EQ(1, copyReceiver.receive(handler));
    EXPECT_EQ(0, copyReceiver.receive(handler));
    ASSERT_EQ(2u, received.size());
    EXPECT_EQ(std::make_pair(3, std::string("copied")), received[0]);
    EXPECT_EQ(std::make_pair(4, std::string("odd-length message!")), received[1]);
}

TEST_F(BroadcastTest, shouldReportLappedFromCopyReceiverThenContinueWithNewMessages)
{
    BroadcastReceiver receiver(m_buffer);
    CopyBroadcastReceiver copyReceiver(receiver);
    std::vector<std::string> received;
    auto handler = [&received](std::int32_t, AtomicBuffer& buffer, std::size_t index, std::size_t length)
    {
        std::string payload(length, '\0');
        buffer.getBytes(index, payload.data(), length);
        received.push_back(payload);
    };

    transmit(1, numbered(0));
    for (int i = 1; i <= 40; ++i)
    {
        transmit(1, numbered(i));
    }
    EXPECT_EQ(CopyBroadcastReceiver::LAPPED, copyReceiver.receive(handler));
    EXPECT_TRUE(received.empty());
    EXPECT_EQ(1, copyReceiver.lappedCount());

    EXPECT_EQ(1, copyReceiver.receive(handler)) << "the newest message is not lost with the lap";
    transmit(1, numbered(41));
    EXPECT_EQ(1, copyReceiver.receive(handler));
    EXPECT_EQ(0, copyReceiver.receive(handler));
    EXPECT_EQ((std::vector<std::string>{numbered(40), numbered(41)}), received);
}

TEST_F(BroadcastTest, shouldThrowForBadTypeIdOrOversizeMessage)
{
    EXPECT_EQ(CAPACITY / 8, m_transmitter.maxMsgLength());
    EXPECT_THROW(transmit(0, "x"), IllegalArgumentException);
    EXPECT_THROW(transmit(RecordDescriptor::PADDING_MSG_TYPE_ID, "x"), IllegalArgumentException);
    EXPECT_THROW(transmit(1, std::string(CAPACITY / 8 + 1, 'x')), IllegalArgumentException);
    EXPECT_NO_THROW(transmit(1, std::string(CAPACITY / 8, 'x')));
}

TEST_F(BroadcastTest, shouldRejectCapacityThatIsNotAPowerOfTwo)
{
    std::vector<std::uint64_t> memory(512, 0);
    AtomicBuffer bad(memory.data(), 1000 + BroadcastBufferDescriptor::TRAILER_LENGTH);
    EXPECT_THROW(BroadcastTransmitter{bad}, IllegalArgumentException);
    EXPECT_THROW(BroadcastReceiver{bad}, IllegalArgumentException);
}
