// Dynamic multi-destination cast: one publication sends to every subscriber that registers through its
// control address; flow control decides whether the slowest of them holds the publisher back.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "DriverTestSupport.hpp"
#include "cox/transport/PublicationResult.hpp"

using namespace cox::transport;
using cox::transport::test::InvokerDriverFixture;
using cox::transport::test::testPort;

namespace
{
constexpr std::int32_t STREAM_ID = 4004;
constexpr std::int32_t MESSAGE_LENGTH = 1024;

/// Counts the messages of one subscription and checks each carries the next sequence number.
struct SequenceChecker
{
    std::int64_t next = 0;
    std::int64_t errors = 0;

    int poll(Subscription& subscription, int limit)
    {
        return subscription.poll(
            [this](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header&)
            {
                std::int64_t sequence = -1;
                if (length == MESSAGE_LENGTH)
                {
                    std::memcpy(&sequence, buffer.buffer() + offset, sizeof(sequence));
                }
                errors += sequence == next ? 0 : 1;
                ++next;
            },
            limit);
    }
};

class MultiDestinationTest : public ::testing::Test
{
protected:
    void connect(const std::string& publicationParams)
    {
        const std::string control = "127.0.0.1:" + std::to_string(testPort(30));
        m_publication = m_fixture.aeron->addPublication(
            "aeron:udp?control=" + control + "|control-mode=dynamic" + publicationParams, STREAM_ID);
        m_fast = m_fixture.aeron->addSubscription(
            "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(31)) + "|control=" + control, STREAM_ID);
        m_slow = m_fixture.aeron->addSubscription(
            "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(32)) + "|control=" + control, STREAM_ID);
        ASSERT_TRUE(m_fixture.pumpUntil(
            [&] { return m_publication->isConnected() && m_fast->imageCount() == 1 && m_slow->imageCount() == 1; }))
            << "both destinations should join the publication";
    }

    /// Offers the next message; returns the offer's result.
    std::int64_t offerNext()
    {
        std::uint8_t message[MESSAGE_LENGTH] = {};
        std::memcpy(message, &m_sent, sizeof(m_sent));
        const std::int64_t result = m_publication->offer(message, MESSAGE_LENGTH);
        if (result > 0)
        {
            ++m_sent;
        }
        return result;
    }

    InvokerDriverFixture m_fixture;
    std::shared_ptr<Publication> m_publication;
    std::shared_ptr<Subscription> m_fast;
    std::shared_ptr<Subscription> m_slow;
    SequenceChecker m_fastChecker;
    SequenceChecker m_slowChecker;
    std::int64_t m_sent = 0;
};
} // namespace

TEST_F(MultiDestinationTest, shouldDeliverEverythingToEveryDynamicDestination)
{
    connect("");
    constexpr std::int64_t count = 10'000;
    EXPECT_TRUE(m_fixture.pumpUntil(
        [&]
        {
            for (int i = 0; i < 16 && m_sent < count && offerNext() > 0; ++i)
            {
            }
            m_fastChecker.poll(*m_fast, 64);
            m_slowChecker.poll(*m_slow, 64);
            return m_fastChecker.next == count && m_slowChecker.next == count;
        },
        std::chrono::seconds(30)));
    EXPECT_EQ(m_fastChecker.next, count);
    EXPECT_EQ(m_slowChecker.next, count);
    EXPECT_EQ(m_fastChecker.errors, 0);
    EXPECT_EQ(m_slowChecker.errors, 0);
}

TEST_F(MultiDestinationTest, shouldKeepFastDestinationGoingPastAStalledOneWithMaxFlowControl)
{
    connect("");
    // Several terms' worth (4 MiB terms): far more than the stalled destination's window lets through.
    constexpr std::int64_t count = 20'000;
    EXPECT_TRUE(m_fixture.pumpUntil(
        [&]
        {
            for (int i = 0; i < 16 && m_sent < count && offerNext() > 0; ++i)
            {
            }
            m_fastChecker.poll(*m_fast, 64); // the slow subscription is never polled
            return m_fastChecker.next == count;
        },
        std::chrono::seconds(30)))
        << "fast destination received " << m_fastChecker.next << " of " << count;
    EXPECT_EQ(m_fastChecker.errors, 0);
    EXPECT_EQ(m_slowChecker.next, 0);
}

TEST_F(MultiDestinationTest, shouldHoldPublisherBackToTheSlowestDestinationWithMinFlowControl)
{
    connect("|fc=min");
    constexpr std::int64_t count = 20'000;
    std::int64_t backPressured = 0;
    // Run for a while with only the fast destination polling: the publisher must stall.
    m_fixture.pumpUntil(
        [&]
        {
            for (int i = 0; i < 16 && m_sent < count; ++i)
            {
                const std::int64_t result = offerNext();
                if (result < 0)
                {
                    backPressured += result == PublicationResult::BACK_PRESSURED ? 1 : 0;
                    break;
                }
            }
            m_fastChecker.poll(*m_fast, 64);
            return m_sent == count;
        },
        std::chrono::seconds(3));
    EXPECT_GT(backPressured, 0);
    // The slow destination's 128 KiB receiver window plus the 2 MiB publication window bound the stall.
    const std::int64_t sentWhileStalled = m_sent;
    EXPECT_LT(sentWhileStalled * (MESSAGE_LENGTH + 32), 3 * 1024 * 1024) << "publisher was not held back";
    EXPECT_EQ(m_fastChecker.errors, 0);

    // Once the slow destination polls again, everything flows to both.
    EXPECT_TRUE(m_fixture.pumpUntil(
        [&]
        {
            for (int i = 0; i < 16 && m_sent < count && offerNext() > 0; ++i)
            {
            }
            m_fastChecker.poll(*m_fast, 64);
            m_slowChecker.poll(*m_slow, 64);
            return m_fastChecker.next == count && m_slowChecker.next == count;
        },
        std::chrono::seconds(30)));
    EXPECT_EQ(m_slowChecker.errors, 0);
    EXPECT_EQ(m_fastChecker.errors, 0);
}
