// Multi-destination subscriptions (Aeron's MDS, control-mode=manual): one subscription receives on every
// endpoint added to it, and sources of the same session on different destinations feed one image.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "DriverTestSupport.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ExclusivePublication.hpp"

using namespace cox::transport;
using cox::transport::test::InvokerDriverFixture;
using cox::transport::test::testPort;

namespace
{
constexpr std::int32_t STREAM_ID = 4077;
constexpr std::int32_t MESSAGE_LENGTH = 64;
const std::string MDS_CHANNEL = "aeron:udp?control-mode=manual";

std::string destination(int portOffset)
{
    return "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(portOffset));
}

/// Reads every message of a subscription: the session it came from and its 8-byte sequence number.
struct Received
{
    std::vector<std::pair<std::int32_t, std::int64_t>> messages;

    int poll(Subscription& subscription)
    {
        return subscription.poll(
            [this](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                   const Header& header)
            {
                std::int64_t sequence = -1;
                if (length == MESSAGE_LENGTH)
                {
                    std::memcpy(&sequence, buffer.buffer() + offset, sizeof(sequence));
                }
                messages.emplace_back(header.sessionId(), sequence);
            },
            64);
    }

    [[nodiscard]] std::vector<std::int64_t> sequencesOf(std::int32_t sessionId) const
    {
        std::vector<std::int64_t> result;
        for (const auto& [session, sequence] : messages)
        {
            if (session == sessionId)
            {
                result.push_back(sequence);
            }
        }
        return result;
    }
};

std::vector<std::int64_t> range(std::int64_t from, std::int64_t to)
{
    std::vector<std::int64_t> result;
    for (std::int64_t i = from; i < to; ++i)
    {
        result.push_back(i);
    }
    return result;
}

class MultiDestinationSubscriptionTest : public ::testing::Test
{
protected:
    /// Offers messages first..last-1 (sequence numbers) on publication, pumping and polling as it goes.
    void publish(Publication& publication, std::int64_t first, std::int64_t last)
    {
        std::uint8_t message[MESSAGE_LENGTH] = {};
        for (std::int64_t i = first; i < last; ++i)
        {
            std::memcpy(message, &i, sizeof(i));
            ASSERT_TRUE(m_fixture.pumpUntil(
                [&]
                {
                    m_received.poll(*m_subscription);
                    return publication.offer(message, MESSAGE_LENGTH) > 0;
                }));
        }
    }

    bool receiveUntil(std::int32_t sessionId, std::size_t count)
    {
        return m_fixture.pumpUntil(
            [&]
            {
                m_received.poll(*m_subscription);
                return m_received.sequencesOf(sessionId).size() >= count;
            });
    }

    static MediaDriverContext driverContext()
    {
        MediaDriverContext context;
        context.imageLivenessTimeoutNs = 1'000'000'000; // a removed destination's image goes within a second
        return context;
    }

    InvokerDriverFixture m_fixture{driverContext()};
    std::shared_ptr<Subscription> m_subscription;
    Received m_received;
};
} // namespace

TEST_F(MultiDestinationSubscriptionTest, shouldReceiveFromTwoPublicationsOnTwoDestinations)
{
    m_subscription = m_fixture.aeron->addSubscription(MDS_CHANNEL, STREAM_ID);
    m_subscription->addDestination(destination(60));
    m_subscription->addDestination(destination(61));
    auto first = m_fixture.aeron->addPublication(destination(60), STREAM_ID);
    auto second = m_fixture.aeron->addPublication(destination(61), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return m_subscription->imageCount() == 2; }));
    EXPECT_EQ(m_subscription->localSocketAddresses().size(), 2U);

    publish(*first, 0, 100);
    publish(*second, 1000, 1100);
    ASSERT_TRUE(receiveUntil(first->sessionId(), 100));
    ASSERT_TRUE(receiveUntil(second->sessionId(), 100));
    EXPECT_EQ(m_received.sequencesOf(first->sessionId()), range(0, 100));
    EXPECT_EQ(m_received.sequencesOf(second->sessionId()), range(1000, 1100));
}

TEST_F(MultiDestinationSubscriptionTest, shouldStopReceivingFromRemovedDestinationAndAcceptOneAddedWhileRunning)
{
    m_subscription = m_fixture.aeron->addSubscription(MDS_CHANNEL, STREAM_ID);
    m_subscription->addDestination(destination(62));
    auto first = m_fixture.aeron->addPublication(destination(62), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return m_subscription->imageCount() == 1; }));
    publish(*first, 0, 50);
    ASSERT_TRUE(receiveUntil(first->sessionId(), 50));

    // Added while the first one is streaming: the new publication gets an image of its own.
    const std::int64_t correlationId = m_subscription->asyncAddDestination(destination(63));
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return m_subscription->findDestinationResponse(correlationId); }));
    auto second = m_fixture.aeron->addPublication(destination(63), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return m_subscription->imageCount() == 2; }));
    publish(*second, 500, 550);
    ASSERT_TRUE(receiveUntil(second->sessionId(), 50));

    m_subscription->removeDestination(destination(62));
    EXPECT_EQ(m_subscription->localSocketAddresses().size(), 1U);
    // What the first publication sends now reaches no socket: its image goes, the second keeps flowing.
    std::uint8_t message[MESSAGE_LENGTH] = {};
    for (int i = 0; i < 20; ++i)
    {
        static_cast<void>(first->offer(message, MESSAGE_LENGTH));
        m_fixture.pump();
    }
    publish(*second, 550, 600);
    ASSERT_TRUE(receiveUntil(second->sessionId(), 100));
    ASSERT_TRUE(m_fixture.pumpUntil(
        [&]
        {
            m_received.poll(*m_subscription);
            return m_subscription->imageBySessionId(first->sessionId()) == nullptr;
        },
        std::chrono::seconds(20)))
        << "the removed destination's image should time out";
    EXPECT_EQ(m_received.sequencesOf(first->sessionId()), range(0, 50));
    EXPECT_EQ(m_received.sequencesOf(second->sessionId()), range(500, 600));
}

// The replay-merge shape: two publications with the same session id and stream positions, one on each
// destination, feed one image; dropping one destination leaves the other feeding it without a gap.
TEST_F(MultiDestinationSubscriptionTest, shouldMergeOneSessionArrivingOnTwoDestinationsIntoOneImage)
{
    m_subscription = m_fixture.aeron->addSubscription(MDS_CHANNEL, STREAM_ID);
    m_subscription->addDestination(destination(64));
    auto primary = m_fixture.aeron->addExclusivePublication(destination(64) + "|term-length=64k", STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return m_subscription->imageCount() == 1; }));
    publish(*primary, 0, 100);
    ASSERT_TRUE(receiveUntil(primary->sessionId(), 100));

    // A second sender of the same stream, positioned where the first one is now.
    const std::int64_t position = primary->position();
    const std::int32_t termLength = primary->termBufferLength();
    const std::int32_t termId = primary->initialTermId() + static_cast<std::int32_t>(position / termLength);
    const std::string secondaryChannel = destination(65) + "|term-length=64k|session-id=" +
        std::to_string(primary->sessionId()) + "|init-term-id=" + std::to_string(primary->initialTermId()) +
        "|term-id=" + std::to_string(termId) + "|term-offset=" + std::to_string(position % termLength);
    m_subscription->addDestination(destination(65));
    auto secondary = m_fixture.aeron->addExclusivePublication(secondaryChannel, STREAM_ID);
    auto image = m_subscription->imageBySessionId(primary->sessionId());
    ASSERT_NE(image, nullptr);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return image->activeTransportCount() >= 2; }))
        << "the second destination's sender should join the existing image";
    EXPECT_EQ(m_subscription->imageCount(), 1U);

    std::uint8_t message[MESSAGE_LENGTH] = {};
    for (std::int64_t i = 100; i < 200; ++i)
    {
        std::memcpy(message, &i, sizeof(i));
        ASSERT_TRUE(m_fixture.pumpUntil([&] { return primary->offer(message, MESSAGE_LENGTH) > 0; }));
        ASSERT_TRUE(m_fixture.pumpUntil([&] { return secondary->offer(message, MESSAGE_LENGTH) > 0; }));
        m_received.poll(*m_subscription);
    }
    ASSERT_TRUE(receiveUntil(primary->sessionId(), 200));

    // The primary's destination goes; the secondary alone carries on.
    m_subscription->removeDestination(destination(64));
    publish(*secondary, 200, 300);
    ASSERT_TRUE(receiveUntil(primary->sessionId(), 300));
    EXPECT_EQ(m_received.sequencesOf(primary->sessionId()), range(0, 300)) << "each message once, in order";
    EXPECT_EQ(m_subscription->imageCount(), 1U);
}

TEST_F(MultiDestinationSubscriptionTest, shouldRefuseBadDestinations)
{
    m_subscription = m_fixture.aeron->addSubscription(MDS_CHANNEL, STREAM_ID);
    m_subscription->addDestination(destination(66));
    EXPECT_THROW(m_subscription->addDestination(destination(66)), RegistrationException) << "a duplicate";
    EXPECT_THROW(m_subscription->addDestination("aeron:ipc"), RegistrationException) << "not UDP";
    EXPECT_THROW(m_subscription->addDestination("aeron:udp?control-mode=manual"), RegistrationException)
        << "no endpoint";
    EXPECT_THROW(m_subscription->removeDestination(destination(67)), RegistrationException) << "never added";

    auto plain = m_fixture.aeron->addSubscription(destination(68), STREAM_ID);
    EXPECT_THROW(plain->addDestination(destination(69)), RegistrationException) << "not a manual subscription";
    auto ipc = m_fixture.aeron->addSubscription("aeron:ipc", STREAM_ID);
    EXPECT_THROW(ipc->addDestination(destination(69)), RegistrationException) << "IPC has no destinations";

    // A port another socket holds.
    auto other = m_fixture.aeron->addSubscription(destination(70), STREAM_ID);
    EXPECT_THROW(m_subscription->addDestination(destination(70)), RegistrationException) << "port in use";

    EXPECT_THROW(m_fixture.aeron->addSubscription("aeron:udp?control-mode=manual|endpoint=127.0.0.1:" +
                                                      std::to_string(testPort(71)),
                                                  STREAM_ID),
                 RegistrationException)
        << "a manual subscription takes its endpoints as destinations";

    // The subscription still works after all that.
    auto publication = m_fixture.aeron->addPublication(destination(66), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return m_subscription->imageCount() == 1; }));
    publish(*publication, 0, 10);
    ASSERT_TRUE(receiveUntil(publication->sessionId(), 10));
    EXPECT_EQ(m_received.sequencesOf(publication->sessionId()), range(0, 10));
}

TEST_F(MultiDestinationSubscriptionTest, shouldReportBoundPortOfPortZeroDestination)
{
    m_subscription = m_fixture.aeron->addSubscription(MDS_CHANNEL, STREAM_ID);
    m_subscription->addDestination("aeron:udp?endpoint=127.0.0.1:0");
    const std::vector<std::string> addresses = m_subscription->localSocketAddresses();
    ASSERT_EQ(addresses.size(), 1U);
    ASSERT_TRUE(addresses.front().starts_with("127.0.0.1:"));
    EXPECT_NE(addresses.front(), "127.0.0.1:0");

    auto publication = m_fixture.aeron->addPublication("aeron:udp?endpoint=" + addresses.front(), STREAM_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return m_subscription->imageCount() == 1; }));
    publish(*publication, 0, 10);
    ASSERT_TRUE(receiveUntil(publication->sessionId(), 10));

    m_subscription->close();
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return !publication->isConnected(); }, std::chrono::seconds(20)));
}
