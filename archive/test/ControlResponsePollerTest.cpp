// ControlResponsePoller decoding, filtering and reassembly.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "FakeArchive.hpp"
#include "cox/archive/ControlResponsePoller.hpp"
#include "cox/archive/RecordingSignalPoller.hpp"
#include "cox/transport/Subscription.hpp"

namespace cox::archive::test
{
namespace
{
std::vector<std::uint8_t> controlResponse(std::int64_t controlSessionId, std::int64_t correlationId,
                                          std::int64_t relevantId, codec::ControlResponseCode code,
                                          const std::string& message)
{
    std::vector<std::uint8_t> buffer(128 + message.size());
    codec::MessageHeaderEncoder header;
    codec::ControlResponseEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .controlSessionId(controlSessionId)
        .correlationId(correlationId)
        .relevantId(relevantId)
        .code(code)
        .version(0x010B00)
        .putErrorMessage(message);
    buffer.resize(8 + encoder.encodedLength());
    return buffer;
}

std::vector<std::uint8_t> signalEvent(std::int64_t controlSessionId, codec::RecordingSignal signal)
{
    std::vector<std::uint8_t> buffer(64);
    codec::MessageHeaderEncoder header;
    codec::RecordingSignalEventEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .controlSessionId(controlSessionId)
        .correlationId(8)
        .recordingId(3)
        .subscriptionId(4)
        .position(4096)
        .signal(signal);
    buffer.resize(8 + encoder.encodedLength());
    return buffer;
}

class ControlResponsePollerTest : public ::testing::Test
{
protected:
    ControlResponsePollerTest() : fixture(smallIpcDriverContext())
    {
        subscription = fixture.aeron->addSubscription("aeron:ipc", 20);
        publication = fixture.aeron->addExclusivePublication("aeron:ipc", 20);
        EXPECT_TRUE(fixture.pumpUntil([&] { return publication->isConnected(); }));
    }

    void publish(const std::vector<std::uint8_t>& message)
    {
        ASSERT_GT(publication->offer(message.data(), static_cast<std::int32_t>(message.size())), 0);
    }

    transport::test::InvokerDriverFixture fixture;
    std::shared_ptr<transport::Subscription> subscription;
    std::shared_ptr<transport::ExclusivePublication> publication;
};

TEST_F(ControlResponsePollerTest, shouldExposeFieldsOfErrorResponse)
{
    ControlResponsePoller poller(subscription);
    publish(controlResponse(5, 6, 11, codec::ControlResponseCode::ERROR, "no space"));

    ASSERT_TRUE(fixture.pumpUntil([&] { return poller.poll() > 0 && poller.isPollComplete(); }));
    EXPECT_TRUE(poller.isControlResponse());
    EXPECT_TRUE(poller.isCodeError());
    EXPECT_FALSE(poller.isCodeOk());
    EXPECT_EQ(poller.controlSessionId(), 5);
    EXPECT_EQ(poller.correlationId(), 6);
    EXPECT_EQ(poller.relevantId(), 11);
    EXPECT_EQ(poller.version(), 0x010B00);
    EXPECT_EQ(poller.errorMessage(), "no space");
}

TEST_F(ControlResponsePollerTest, shouldStopAfterEachCompleteMessage)
{
    ControlResponsePoller poller(subscription);
    publish(controlResponse(5, 1, 0, codec::ControlResponseCode::OK, ""));
    publish(signalEvent(5, codec::RecordingSignal::STOP));

    ASSERT_TRUE(fixture.pumpUntil([&] { return poller.poll() > 0; }));
    EXPECT_TRUE(poller.isCodeOk());
    EXPECT_EQ(poller.correlationId(), 1);
    EXPECT_EQ(poller.poll(), 1);
    EXPECT_TRUE(poller.isRecordingSignal());
    EXPECT_EQ(poller.recordingId(), 3);
    EXPECT_EQ(poller.subscriptionId(), 4);
    EXPECT_EQ(poller.position(), 4096);
    EXPECT_EQ(poller.recordingSignal(), codec::RecordingSignal::STOP);
    EXPECT_EQ(poller.poll(), 0);
    EXPECT_FALSE(poller.isPollComplete());
}

TEST_F(ControlResponsePollerTest, shouldSkipOtherSessionsWhenFiltered)
{
    ControlResponsePoller poller(subscription, 10, 5);
    publish(controlResponse(6, 1, 0, codec::ControlResponseCode::OK, ""));
    publish(controlResponse(5, 2, 0, codec::ControlResponseCode::OK, ""));

    ASSERT_TRUE(fixture.pumpUntil([&] { return poller.poll() > 0 && poller.isPollComplete(); }));
    EXPECT_EQ(poller.controlSessionId(), 5);
    EXPECT_EQ(poller.correlationId(), 2);
    EXPECT_EQ(poller.poll(), 0) << "the other session's message was consumed, not left behind";
}

TEST_F(ControlResponsePollerTest, shouldReassembleDescriptorLongerThanOneFrame)
{
    ControlResponsePoller poller(subscription);
    const std::string channel = "aeron:udp?endpoint=localhost:9000|alias=" + std::string(3000, 'a');
    std::vector<std::uint8_t> buffer(8000);
    codec::MessageHeaderEncoder header;
    codec::RecordingDescriptorEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .controlSessionId(5)
        .correlationId(9)
        .recordingId(77)
        .stopPosition(-1)
        .streamId(1001)
        .putStrippedChannel(channel)
        .putOriginalChannel(channel)
        .putSourceIdentity("127.0.0.1:40000");
    buffer.resize(8 + encoder.encodedLength());
    ASSERT_GT(buffer.size(), static_cast<std::size_t>(publication->maxPayloadLength()));
    publish(buffer);

    ASSERT_TRUE(fixture.pumpUntil([&] { return poller.poll() > 0 && poller.isPollComplete(); }));
    ASSERT_TRUE(poller.isRecordingDescriptor());
    EXPECT_EQ(poller.recordingDescriptor().recordingId, 77);
    EXPECT_EQ(poller.recordingDescriptor().streamId, 1001);
    EXPECT_EQ(poller.recordingDescriptor().originalChannel, channel);
    EXPECT_EQ(poller.recordingDescriptor().sourceIdentity, "127.0.0.1:40000");
}

TEST_F(ControlResponsePollerTest, shouldCountTruncatedAndForeignMessagesAsMalformed)
{
    ControlResponsePoller poller(subscription);
    auto message = controlResponse(5, 6, 0, codec::ControlResponseCode::ERROR, "a long error message");

    EXPECT_FALSE(poller.onMessage(message.data(), message.size() - 3));
    message[4] = 102; // schema id
    EXPECT_FALSE(poller.onMessage(message.data(), message.size()));
    EXPECT_EQ(poller.malformedCount(), 2);
    EXPECT_FALSE(poller.isPollComplete());
}

TEST_F(ControlResponsePollerTest, shouldReportOnlySignalsAndResponsesOfItsSession)
{
    RecordingSignalPoller poller(5, subscription);
    publish(signalEvent(6, codec::RecordingSignal::START));
    publish(signalEvent(5, codec::RecordingSignal::EXTEND));

    ASSERT_TRUE(fixture.pumpUntil([&] { return poller.poll() > 0 && poller.isPollComplete(); }));
    EXPECT_TRUE(poller.isRecordingSignal());
    EXPECT_EQ(poller.controlSessionId(), 5);
    EXPECT_EQ(poller.recordingSignal(), codec::RecordingSignal::EXTEND);
}
} // namespace
} // namespace cox::archive::test
