// A follower's catch-up, end to end on one thread: a leader-like publication is recorded by the
// archive; a late subscriber is fed a replay of the recording that carries the live stream's session
// id (so positions and bytes line up) and follows the recording as it grows; the live stream is then
// added as a second source of the same image and the replay stopped. The subscriber must see every
// message once, in order, from the start of the recording.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <unistd.h>
#include <vector>

#include "ArchiveTestSupport.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"

using namespace cox;
using namespace cox::archive;
using codecs::archive::RecordingSignal;

namespace
{
constexpr std::int32_t STREAM_ID = 4200;
constexpr std::int32_t PAYLOAD_LENGTH = 96;

int portFor(int offset)
{
    return 21000 + static_cast<int>(::getpid() % 12000) * 3 % 24000 + offset;
}

class ReplayMergeTest : public ::testing::Test, protected test::ArchiveHarness
{
protected:
    void SetUp() override
    {
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        driverContext.timerIntervalNs = 10'000'000;
        ArchiveContext context;
        context.threadingMode = ArchiveThreadingMode::INVOKER;
        context.segmentFileLength = 64 * 1024;
        AeronArchiveContext clientContext;
        clientContext.recordingSignalConsumer =
            [this](std::int64_t, std::int64_t, std::int64_t recordingId, std::int64_t, std::int64_t, RecordingSignal signal)
        {
            if (signal == RecordingSignal::START)
            {
                m_recordingId = recordingId;
            }
        };
        launchHarness(driverContext, context, clientContext);
    }

    void TearDown() override { closeHarness(); }

    /// A merge over UDP can take longer than the harness's default wait on a loaded machine.
    bool pumpUntil(const std::function<bool()>& condition)
    {
        return ArchiveHarness::pumpUntil(condition, std::chrono::seconds(20));
    }

    /// Offers message `next` (its number, then a pattern from it) if the publication takes it.
    bool offerNext(transport::Publication& publication)
    {
        std::uint8_t message[PAYLOAD_LENGTH];
        std::memcpy(message, &m_nextMessage, sizeof(m_nextMessage));
        std::memset(message + sizeof(m_nextMessage), static_cast<int>(m_nextMessage % 251),
                    PAYLOAD_LENGTH - sizeof(m_nextMessage));
        if (publication.offer(message, PAYLOAD_LENGTH) > 0)
        {
            ++m_nextMessage;
            return true;
        }
        return false;
    }

    /// Polls the subscription, recording message numbers and counting damaged payloads.
    void poll(transport::Subscription& subscription)
    {
        subscription.poll(
            [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const transport::Header&)
            {
                std::int64_t number = -1;
                std::memcpy(&number, buffer.buffer() + offset, sizeof(number));
                bool intact = length == PAYLOAD_LENGTH;
                for (std::int32_t i = sizeof(number); intact && i < length; ++i)
                {
                    intact = buffer.buffer()[offset + i] == static_cast<std::uint8_t>(number % 251);
                }
                m_corrupt += intact ? 0 : 1;
                m_received.push_back(number);
            },
            64);
    }

    std::int64_t m_recordingId = -1;
    std::int64_t m_nextMessage = 0;
    std::vector<std::int64_t> m_received;
    std::int64_t m_corrupt = 0;
};
} // namespace

TEST_F(ReplayMergeTest, shouldCatchUpALateSubscriberFromAFixedSessionReplayMergedWithTheLiveStream)
{
    // The leader's log: manual MDC (destinations added by hand), recorded locally through a spy.
    const std::string control = "127.0.0.1:" + std::to_string(portFor(0));
    const std::string liveChannel = "aeron:udp?control=" + control + "|control-mode=manual|term-length=64k";
    auto live = m_aeron->addExclusivePublication(liveChannel, STREAM_ID);
    m_client->startRecording(liveChannel, STREAM_ID, SourceLocation::LOCAL);
    ASSERT_TRUE(pumpUntil([&] { return m_recordingId >= 0; }));

    // An up-to-date follower keeps the live stream flowing while the late one is absent.
    const std::string earlyEndpoint = "127.0.0.1:" + std::to_string(portFor(1));
    auto early = m_aeron->addSubscription("aeron:udp?endpoint=" + earlyEndpoint, STREAM_ID);
    live->addDestination("aeron:udp?endpoint=" + earlyEndpoint);
    ASSERT_TRUE(pumpUntil([&] { return live->isConnected(); }));
    constexpr std::int64_t BEFORE_JOIN = 1500; // ~3 terms of 64 KiB before the late follower appears
    ASSERT_TRUE(pumpUntil(
        [&]
        {
            offerNext(*live);
            early->poll([](auto&&...) {}, 64);
            return m_nextMessage == BEFORE_JOIN;
        }));

    // The late follower: the replay with the live session id forms its image at position 0.
    const std::string lateEndpoint = "127.0.0.1:" + std::to_string(portFor(2));
    auto late = m_aeron->addSubscription("aeron:udp?endpoint=" + lateEndpoint, STREAM_ID);
    const std::int64_t replaySessionId = m_client->startReplay(
        m_recordingId, 0, std::numeric_limits<std::int64_t>::max(),
        "aeron:udp?endpoint=" + lateEndpoint + "|session-id=" + std::to_string(live->sessionId()), STREAM_ID);
    EXPECT_EQ(static_cast<std::int32_t>(replaySessionId), live->sessionId());
    ASSERT_TRUE(pumpUntil([&] { return late->imageCount() == 1; }));
    const auto image = late->imageBySessionId(live->sessionId());
    ASSERT_NE(image, nullptr) << "the replay image carries the live session id";
    EXPECT_EQ(image->joinPosition(), 0);
    EXPECT_EQ(image->initialTermId(), live->initialTermId());
    EXPECT_EQ(image->termBufferLength(), live->termBufferLength());

    // The live stream keeps going; the replay follows the growing recording (length INT64_MAX).
    constexpr std::int64_t BEFORE_LIVE_ADDED = 3000;
    ASSERT_TRUE(pumpUntil(
        [&]
        {
            if (m_nextMessage < BEFORE_LIVE_ADDED)
            {
                offerNext(*live);
            }
            early->poll([](auto&&...) {}, 64);
            poll(*late);
            return static_cast<std::int64_t>(m_received.size()) >= BEFORE_LIVE_ADDED - 50;
        }))
        << "late follower received " << m_received.size() << " while the live stream was at " << m_nextMessage;

    // Near the live position: add the live destination, then stop the replay.
    live->addDestination("aeron:udp?endpoint=" + lateEndpoint);
    constexpr std::int64_t BEFORE_REPLAY_STOPPED = 3300;
    ASSERT_TRUE(pumpUntil(
        [&]
        {
            if (m_nextMessage < BEFORE_REPLAY_STOPPED)
            {
                offerNext(*live);
            }
            early->poll([](auto&&...) {}, 64);
            poll(*late);
            return static_cast<std::int64_t>(m_received.size()) >= BEFORE_REPLAY_STOPPED;
        }));
    m_client->stopReplay(replaySessionId);

    constexpr std::int64_t END = 6000;
    ASSERT_TRUE(pumpUntil(
        [&]
        {
            if (m_nextMessage < END)
            {
                offerNext(*live);
            }
            early->poll([](auto&&...) {}, 64);
            poll(*late);
            return static_cast<std::int64_t>(m_received.size()) >= END;
        }))
        << "late follower received " << m_received.size() << " of " << END << " after the replay stopped";

    ASSERT_EQ(static_cast<std::int64_t>(m_received.size()), END);
    for (std::int64_t i = 0; i < END; ++i)
    {
        ASSERT_EQ(m_received[static_cast<std::size_t>(i)], i) << "every message once, in order";
    }
    EXPECT_EQ(m_corrupt, 0);
    EXPECT_EQ(late->imageCount(), 1u) << "one image throughout";
    EXPECT_FALSE(image->isClosed());
}
