// Acts 2 and 3 of the demo, short, against a real media driver on its own thread (shared mode), with the
// act's publisher on another: the TSan build runs these.
#include <gtest/gtest.h>

#include <sstream>

#include "RecordReplayAct.hpp"
#include "ReliableUdpAct.hpp"
#include "TempDirectory.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/MediaDriver.hpp"

using namespace cox::apps::demo;
using cox::apps::test::TempDirectory;

namespace
{
class DemoActsConcurrentTest : public ::testing::Test
{
protected:
    void launch(double lossRate)
    {
        cox::transport::MediaDriverContext context;
        context.threadingMode = cox::transport::ThreadingMode::SHARED;
        context.receiveDataLossRate = lossRate;
        context.receiveDataLossSeed = 7;
        m_driver = cox::transport::MediaDriver::launch(context);
        cox::transport::AeronContext clientContext;
        clientContext.aeronDirectoryName = m_driver->aeronDirectoryName();
        m_aeron = cox::transport::Aeron::connect(clientContext);
    }

    void TearDown() override
    {
        if (m_aeron)
        {
            m_aeron->close();
        }
        if (m_driver)
        {
            m_driver->close();
        }
    }

    RecordReplayConfig archiveConfig(std::int64_t messages) const
    {
        RecordReplayConfig config;
        config.messages = messages;
        config.archiveDir = m_dir.path() + "/archive";
        config.aeronDirectoryName = m_driver->aeronDirectoryName();
        config.segmentFileLength = 1024 * 1024;
        return config;
    }

    TempDirectory m_dir;
    std::unique_ptr<cox::transport::MediaDriver> m_driver;
    std::shared_ptr<cox::transport::Aeron> m_aeron;
};
} // namespace

TEST_F(DemoActsConcurrentTest, shouldDeliverEveryMessageInOrderOverUdpWithFivePercentLoss)
{
    launch(0.05);
    ReliableUdpConfig config;
    config.messages = 3'000;
    config.progressIntervalSeconds = 0.0;
    std::ostringstream out;
    const ReliableUdpResult result = runReliableUdpAct(*m_aeron, config, out);

    EXPECT_TRUE(result.failure.empty()) << result.failure;
    EXPECT_EQ(result.sent, 3'000);
    EXPECT_EQ(result.received, 3'000);
    EXPECT_EQ(result.inOrder, 3'000);
    EXPECT_EQ(result.duplicates + result.gaps + result.corrupt, 0);
    EXPECT_GT(result.fragmentedMessages, 50) << "about 5% of the messages are larger than one frame";
    EXPECT_GT(result.publicationPosition, result.bytes) << "each frame adds a 32-byte header";
    EXPECT_EQ(result.counter("snd-pos"), result.publicationPosition);
    EXPECT_EQ(result.counter("rcv-pos"), result.publicationPosition);
    EXPECT_EQ(result.counter("sub-pos"), result.publicationPosition);
    EXPECT_TRUE(result.passed()) << out.str() << formatReliableUdpSummary(result);
    EXPECT_NE(out.str().find("aeron:udp?endpoint=127.0.0.1:"), std::string::npos) << out.str();
}

TEST_F(DemoActsConcurrentTest, shouldFailRatherThanHangWhenEveryDatagramIsLost)
{
    launch(1.0);
    ReliableUdpConfig config;
    config.messages = 100;
    config.progressIntervalSeconds = 0.0;
    config.stallTimeoutSeconds = 0.5;
    std::ostringstream out;
    const ReliableUdpResult result = runReliableUdpAct(*m_aeron, config, out);

    EXPECT_FALSE(result.passed());
    EXPECT_EQ(result.received, 0);
    EXPECT_NE(result.failure.find("no message arrived"), std::string::npos) << result.failure;
}

TEST_F(DemoActsConcurrentTest, shouldRecordReplayBothHalvesAndVerifyTheArchive)
{
    launch(0.0);
    const RecordReplayConfig config = archiveConfig(4'000);
    std::ostringstream out;
    const RecordReplayResult result = runRecordReplayAct(m_aeron, config, out);

    EXPECT_TRUE(result.failure.empty()) << result.failure << "\n" << out.str();
    EXPECT_EQ(result.published, 4'000);
    EXPECT_EQ(result.descriptor.recordingId, result.recordingId);
    EXPECT_EQ(result.descriptor.startPosition, 0);
    EXPECT_EQ(result.descriptor.stopPosition, result.endPosition);
    EXPECT_EQ(result.descriptor.streamId, config.streamId);
    EXPECT_FALSE(result.segmentFiles.empty());
    EXPECT_EQ(result.segmentFiles.front(), std::to_string(result.recordingId) + "-0.rec");

    EXPECT_EQ(result.fullReplay.received, 4'000);
    EXPECT_EQ(result.fullReplay.errors, 0);
    EXPECT_GT(result.halfPosition, 0);
    EXPECT_LT(result.halfPosition, result.endPosition);
    EXPECT_EQ(result.secondHalfReplay.firstIndex, 2'000);
    EXPECT_EQ(result.secondHalfReplay.received, 2'000);
    EXPECT_EQ(result.secondHalfReplay.errors, 0);
    EXPECT_TRUE(result.verified);
    ASSERT_EQ(result.verification.size(), 1u);
    EXPECT_EQ(result.verification.front(), "recording " + std::to_string(result.recordingId) + ": OK");
    EXPECT_TRUE(result.passed()) << out.str();
}

// Known archive bug, kept here as its reproduction: ReplaySession re-offers each recorded frame with tryClaim
// and skips PAD frames, trusting the replay publication to pad at the same place. A fragmented message that
// did not fit at the end of a term was padded whole by the original TermAppender, but its first fragment fits
// on its own, so the replay puts it at the term's end, splits the message across terms (the assembler drops
// it) and shifts every later position. Enable once replay preserves the recorded layout.
TEST_F(DemoActsConcurrentTest, shouldReplayFragmentedMessagesAcrossTermEnds)
{
    launch(0.0);
    RecordReplayConfig config = archiveConfig(50'000);
    config.maxMessageLength = 4096;
    config.stallTimeoutSeconds = 2.0;
    std::ostringstream out;
    const RecordReplayResult result = runRecordReplayAct(m_aeron, config, out);
    EXPECT_EQ(result.fullReplay.received, 50'000);
    EXPECT_EQ(result.fullReplay.errors, 0);
    EXPECT_TRUE(result.passed()) << out.str();
}
