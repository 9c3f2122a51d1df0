// One image fed by two senders of the same stream at once (Aeron's image connections), as a follower's
// log image is fed by the leader's live log and by a catch-up replay from the leader's archive: the two
// publications share session id, stream id, initial term id and term length, so equal positions hold
// equal bytes; the rebuilder keeps the first copy and the subscriber sees every message once, in order.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "DriverTestSupport.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/PublicationResult.hpp"

using namespace cox::transport;
using cox::transport::test::InvokerDriverFixture;
using cox::transport::test::testPort;

namespace
{
constexpr std::int32_t STREAM_ID = 4100;
constexpr std::int32_t SESSION_ID = 777'001;
constexpr std::int32_t INITIAL_TERM_ID = 5;
constexpr std::int32_t TERM_LENGTH = 64 * 1024;
constexpr std::int32_t PAYLOAD_LENGTH = 96; // a 128-byte frame: a term holds exactly 512, no padding
constexpr std::int32_t FRAME_LENGTH = 128;

/// The stream's positions: message i always sits at i * FRAME_LENGTH, whichever publication wrote it.
std::string startParams(std::int64_t firstMessage)
{
    const std::int64_t position = firstMessage * FRAME_LENGTH;
    const auto termId = static_cast<std::int32_t>(INITIAL_TERM_ID + position / TERM_LENGTH);
    const auto termOffset = static_cast<std::int32_t>(position % TERM_LENGTH);
    return "|session-id=" + std::to_string(SESSION_ID) + "|init-term-id=" + std::to_string(INITIAL_TERM_ID) +
        "|term-id=" + std::to_string(termId) + "|term-offset=" + std::to_string(termOffset) +
        "|term-length=" + std::to_string(TERM_LENGTH);
}

/// A writer of the stream from some message onwards; offer() sends the next one if the publication takes it.
struct Feed
{
    std::shared_ptr<ExclusivePublication> publication;
    std::int64_t next;

    bool offer(std::int64_t upTo)
    {
        if (next >= upTo)
        {
            return false;
        }
        std::uint8_t message[PAYLOAD_LENGTH] = {};
        std::memcpy(message, &next, sizeof(next));
        std::memset(message + sizeof(next), static_cast<int>(next % 251), PAYLOAD_LENGTH - sizeof(next));
        if (publication->offer(message, PAYLOAD_LENGTH) > 0)
        {
            ++next;
            return true;
        }
        return false;
    }
};

/// Records the message numbers delivered, checking each payload is intact.
struct StreamChecker
{
    std::vector<std::int64_t> received;
    std::int64_t corrupt = 0;

    int poll(Subscription& subscription)
    {
        return subscription.poll(
            [this](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header& header)
            {
                std::int64_t number = -1;
                std::memcpy(&number, buffer.buffer() + offset, sizeof(number));
                bool intact = length == PAYLOAD_LENGTH && header.position() == (number + 1) * FRAME_LENGTH;
                for (std::int32_t i = sizeof(number); intact && i < length; ++i)
                {
                    intact = buffer.buffer()[offset + i] == static_cast<std::uint8_t>(number % 251);
                }
                corrupt += intact ? 0 : 1;
                received.push_back(number);
            },
            64);
    }

    /// Messages first..last-1 exactly once each, in order.
    [[nodiscard]] bool isExactly(std::int64_t first, std::int64_t last) const
    {
        if (static_cast<std::int64_t>(received.size()) != last - first)
        {
            return false;
        }
        for (std::int64_t i = first; i < last; ++i)
        {
            if (received[static_cast<std::size_t>(i - first)] != i)
            {
                return false;
            }
        }
        return true;
    }
};

class MultiSourceImageTest : public ::testing::Test
{
protected:
    std::string subscriptionEndpoint() const { return "127.0.0.1:" + std::to_string(testPort(60)); }

    /// The live publication, like a leader's log: its own send endpoint.
    std::string liveChannel() const { return "aeron:udp?endpoint=" + subscriptionEndpoint(); }

    /// The replay-like publication: the same destination from another local socket (interface=), as an
    /// archive's replay comes from another socket than the live log.
    std::string replayChannel() const { return "aeron:udp?endpoint=" + subscriptionEndpoint() + "|interface=127.0.0.1"; }

    static MediaDriverContext driverContext()
    {
        MediaDriverContext context;
        context.timerIntervalNs = 10'000'000; // a closed publication reaches end of stream promptly
        return context;
    }

    InvokerDriverFixture m_fixture{driverContext()};
};
} // namespace

TEST_F(MultiSourceImageTest, shouldMergeAReplayBehindAndALiveStreamIntoOneGapFreeImage)
{
    auto subscription = m_fixture.aeron->addSubscription("aeron:udp?endpoint=" + subscriptionEndpoint(), STREAM_ID);

    // The replay starts first, from message 0, and forms the image there.
    Feed replay{m_fixture.aeron->addExclusivePublication(replayChannel() + startParams(0), STREAM_ID), 0};
    ASSERT_EQ(replay.publication->sessionId(), SESSION_ID);
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return replay.publication->isConnected() && subscription->imageCount() == 1; }));
    const auto image = subscription->imageBySessionId(SESSION_ID);
    ASSERT_NE(image, nullptr);
    EXPECT_EQ(image->joinPosition(), 0);

    // The live stream is 100 messages ahead of where the replay started.
    constexpr std::int64_t LIVE_START = 100;
    Feed live{m_fixture.aeron->addExclusivePublication(liveChannel() + startParams(LIVE_START), STREAM_ID), LIVE_START};
    ASSERT_EQ(live.publication->sessionId(), SESSION_ID) << "same session on another channel is allowed";
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return live.publication->isConnected(); }))
        << "the image should send SMs to the second source too";
    EXPECT_EQ(subscription->imageCount(), 1u) << "the second source joins the existing image";

    // Both write; the replay's history overlaps the live stream's from message 100 to 1199.
    constexpr std::int64_t REPLAY_END = 1200;
    constexpr std::int64_t LIVE_END = 3000; // several terms past both starts
    StreamChecker receiver;
    ASSERT_TRUE(m_fixture.pumpUntil(
        [&]
        {
            for (int i = 0; i < 8; ++i)
            {
                replay.offer(REPLAY_END);
                live.offer(LIVE_END);
            }
            receiver.poll(*subscription);
            return live.next == LIVE_END && replay.next == REPLAY_END &&
                static_cast<std::int64_t>(receiver.received.size()) >= LIVE_END;
        },
        std::chrono::seconds(30)))
        << "replay at " << replay.next << ", live at " << live.next << ", received " << receiver.received.size();
    EXPECT_TRUE(replay.publication->isConnected());
    EXPECT_TRUE(live.publication->isConnected());
    EXPECT_TRUE(receiver.isExactly(0, LIVE_END)) << "a gap-free, duplicate-free stream from message 0";
    EXPECT_EQ(receiver.corrupt, 0);
    EXPECT_EQ(image->position(), LIVE_END * FRAME_LENGTH);
    EXPECT_GE(replay.publication->position(), REPLAY_END * FRAME_LENGTH) << "flow control let the replay run";
}

TEST_F(MultiSourceImageTest, shouldKeepTheImageGoingOnTheLiveSourceAfterTheReplayCloses)
{
    auto subscription = m_fixture.aeron->addSubscription("aeron:udp?endpoint=" + subscriptionEndpoint(), STREAM_ID);
    Feed replay{m_fixture.aeron->addExclusivePublication(replayChannel() + startParams(0), STREAM_ID), 0};
    ASSERT_TRUE(m_fixture.pumpUntil([&] { return replay.publication->isConnected() && subscription->imageCount() == 1; }));
    const auto image = subscription->imageBySessionId(SESSION_ID);
    ASSERT_NE(image, nullptr);
    constexpr std::int64_t LIVE_START = 50;
    Feed live{m_fixture.aeron->addExclusivePublication(liveChannel() + startParams(LIVE_START), STREAM_ID), LIVE_START};

    // Catch up: the replay runs to where the live stream began, the live stream waits for the subscriber.
    StreamChecker receiver;
    ASSERT_TRUE(m_fixture.pumpUntil(
        [&]
        {
            replay.offer(LIVE_START + 20);
            receiver.poll(*subscription);
            return live.publication->isConnected() && static_cast<std::int64_t>(receiver.received.size()) >= LIVE_START + 20;
        }));

    // The replay ends with end of stream (sent on heartbeats once drained); the image must not end with it.
    replay.publication->close();
    const auto eosSentBy = std::chrono::steady_clock::now() + std::chrono::milliseconds(400);
    m_fixture.pumpUntil(
        [&]
        {
            receiver.poll(*subscription);
            return std::chrono::steady_clock::now() > eosSentBy;
        });
    EXPECT_FALSE(image->isClosed());
    EXPECT_FALSE(image->isEndOfStream());
    constexpr std::int64_t LIVE_END = 2000;
    ASSERT_TRUE(m_fixture.pumpUntil(
        [&]
        {
            for (int i = 0; i < 8; ++i)
            {
                live.offer(LIVE_END);
            }
            receiver.poll(*subscription);
            return static_cast<std::int64_t>(receiver.received.size()) >= LIVE_END;
        },
        std::chrono::seconds(30)))
        << "live at " << live.next << ", received " << receiver.received.size();
    EXPECT_TRUE(receiver.isExactly(0, LIVE_END));
    EXPECT_EQ(receiver.corrupt, 0);
    EXPECT_EQ(subscription->imageCount(), 1u);
    EXPECT_FALSE(image->isClosed());
    EXPECT_FALSE(image->isEndOfStream()) << "one source ending must not end the image";
    EXPECT_TRUE(live.publication->isConnected());
}

TEST_F(MultiSourceImageTest, shouldRefuseASecondPublicationWithTheSameSessionOnTheSameChannel)
{
    auto first = m_fixture.aeron->addExclusivePublication(liveChannel() + startParams(0), STREAM_ID);
    EXPECT_ANY_THROW((void)m_fixture.aeron->addExclusivePublication(liveChannel() + startParams(0), STREAM_ID))
        << "SMs and NAKs for the two could not be told apart";
    auto elsewhere = m_fixture.aeron->addExclusivePublication(replayChannel() + startParams(0), STREAM_ID);
    EXPECT_EQ(elsewhere->sessionId(), first->sessionId());
    auto otherStream = m_fixture.aeron->addExclusivePublication(liveChannel() + startParams(0), STREAM_ID + 1);
    EXPECT_EQ(otherStream->sessionId(), first->sessionId());
}
