// ArchiveProxy encodes each request as one whole message on the control request publication.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "FakeArchive.hpp"
#include "cox/archive/ArchiveProxy.hpp"
#include "cox/transport/Subscription.hpp"

namespace cox::archive::test
{
namespace
{
class ArchiveProxyTest : public ::testing::Test
{
protected:
    ArchiveProxyTest() : fixture(smallIpcDriverContext())
    {
        subscription = fixture.aeron->addSubscription("aeron:ipc", 10);
        publication = fixture.aeron->addExclusivePublication("aeron:ipc", 10);
        EXPECT_TRUE(fixture.pumpUntil([&] { return publication->isConnected(); }));
        proxy = std::make_unique<ArchiveProxy>(publication);
    }

    /// The next message on the control stream.
    std::vector<std::uint8_t> receive()
    {
        std::vector<std::uint8_t> message;
        EXPECT_TRUE(fixture.pumpUntil(
            [&]
            {
                return subscription->poll(
                           [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                               const transport::Header&)
                           { message.assign(buffer.buffer() + offset, buffer.buffer() + offset + length); },
                           1) > 0;
            }));
        return message;
    }

    transport::test::InvokerDriverFixture fixture;
    std::shared_ptr<transport::Subscription> subscription;
    std::shared_ptr<transport::ExclusivePublication> publication;
    std::unique_ptr<ArchiveProxy> proxy;
};

void appendLe(std::vector<std::uint8_t>& bytes, std::uint64_t value, int width)
{
    for (int i = 0; i < width; ++i)
    {
        bytes.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    }
}

TEST_F(ArchiveProxyTest, shouldEncodeStartRecordingRequest2AsGoldenBytes)
{
    ASSERT_TRUE(proxy->startRecording("aeron:ipc", 33, SourceLocation::LOCAL, true, 1002, 7001));

    std::vector<std::uint8_t> expected;
    appendLe(expected, 28, 2);   // blockLength
    appendLe(expected, 63, 2);   // templateId StartRecordingRequest2
    appendLe(expected, 101, 2);  // schemaId
    appendLe(expected, 10, 2);   // version
    appendLe(expected, 7001, 8); // controlSessionId
    appendLe(expected, 1002, 8); // correlationId
    appendLe(expected, 33, 4);   // streamId
    appendLe(expected, 0, 4);    // LOCAL
    appendLe(expected, 1, 4);    // autoStop TRUE
    appendLe(expected, 9, 4);
    expected.insert(expected.end(), {'a', 'e', 'r', 'o', 'n', ':', 'i', 'p', 'c'});
    EXPECT_EQ(receive(), expected);
}

TEST_F(ArchiveProxyTest, shouldEncodeAuthConnectWithProtocolVersionAndCredentials)
{
    const std::vector<std::uint8_t> credentials{1, 2, 3};
    ASSERT_TRUE(proxy->tryConnect("aeron:udp?endpoint=localhost:9020", 20, credentials, 55));

    const auto message = receive();
    codec::AuthConnectRequestDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(message.data(), 0, message.size()), codecs::sbe::DecodeError::NONE);
    EXPECT_EQ(decoder.correlationId(), 55);
    EXPECT_EQ(decoder.responseStreamId(), 20);
    EXPECT_EQ(decoder.version(), 0x010B00);
    EXPECT_EQ(decoder.responseChannel(), "aeron:udp?endpoint=localhost:9020");
    EXPECT_EQ(decoder.encodedCredentials(), std::string_view("\x01\x02\x03", 3));
}

TEST_F(ArchiveProxyTest, shouldEncodeBoundedReplayWithNullFileIoAndToken)
{
    ASSERT_TRUE(proxy->boundedReplay(4, 1024, NULL_LENGTH, 17, "aeron:ipc?session-id=5", 44, 9, 7001));

    const auto message = receive();
    codec::BoundedReplayRequestDecoder decoder;
    ASSERT_EQ(decoder.wrapWithHeader(message.data(), 0, message.size()), codecs::sbe::DecodeError::NONE);
    EXPECT_EQ(decoder.controlSessionId(), 7001);
    EXPECT_EQ(decoder.correlationId(), 9);
    EXPECT_EQ(decoder.recordingId(), 4);
    EXPECT_EQ(decoder.position(), 1024);
    EXPECT_EQ(decoder.length(), -1);
    EXPECT_EQ(decoder.limitCounterId(), 17);
    EXPECT_EQ(decoder.replayStreamId(), 44);
    EXPECT_EQ(decoder.fileIoMaxLength(), -1);
    EXPECT_EQ(decoder.replayToken(), -1);
    EXPECT_EQ(decoder.replayChannel(), "aeron:ipc?session-id=5");
}

TEST_F(ArchiveProxyTest, shouldEncodeKeepAliveAndCloseSession)
{
    ASSERT_TRUE(proxy->keepAlive(NULL_VALUE, 7001));
    ASSERT_TRUE(proxy->closeSession(7001));

    const auto keepAlive = receive();
    codec::KeepAliveRequestDecoder keepAliveDecoder;
    ASSERT_EQ(keepAliveDecoder.wrapWithHeader(keepAlive.data(), 0, keepAlive.size()), codecs::sbe::DecodeError::NONE);
    EXPECT_EQ(keepAliveDecoder.controlSessionId(), 7001);
    EXPECT_EQ(keepAliveDecoder.correlationId(), -1);
    const auto close = receive();
    codec::CloseSessionRequestDecoder closeDecoder;
    ASSERT_EQ(closeDecoder.wrapWithHeader(close.data(), 0, close.size()), codecs::sbe::DecodeError::NONE);
    EXPECT_EQ(closeDecoder.controlSessionId(), 7001);
    EXPECT_EQ(close.size(), 8u + 8u);
}

TEST_F(ArchiveProxyTest, shouldEncodeTruncateAndPurgeRequests)
{
    ASSERT_TRUE(proxy->truncateRecording(6, 4096, 11, 7001));
    ASSERT_TRUE(proxy->purgeRecording(6, 12, 7001));

    const auto truncate = receive();
    codec::TruncateRecordingRequestDecoder truncateDecoder;
    ASSERT_EQ(truncateDecoder.wrapWithHeader(truncate.data(), 0, truncate.size()), codecs::sbe::DecodeError::NONE);
    EXPECT_EQ(truncateDecoder.recordingId(), 6);
    EXPECT_EQ(truncateDecoder.position(), 4096);
    EXPECT_EQ(truncateDecoder.correlationId(), 11);
    const auto purge = receive();
    codec::PurgeRecordingRequestDecoder purgeDecoder;
    ASSERT_EQ(purgeDecoder.wrapWithHeader(purge.data(), 0, purge.size()), codecs::sbe::DecodeError::NONE);
    EXPECT_EQ(purgeDecoder.recordingId(), 6);
    EXPECT_EQ(purgeDecoder.correlationId(), 12);
}

TEST_F(ArchiveProxyTest, shouldReturnFalseWhenNoArchiveIsConnected)
{
    auto unconnected = fixture.aeron->addExclusivePublication("aeron:ipc", 99);
    ArchiveProxy unconnectedProxy(unconnected);

    EXPECT_FALSE(unconnectedProxy.keepAlive(1, 2));
}

TEST_F(ArchiveProxyTest, shouldThrowWhenPublicationClosed)
{
    publication->close();

    EXPECT_THROW(static_cast<void>(proxy->keepAlive(1, 2)), ArchiveException);
}
} // namespace
} // namespace cox::archive::test
