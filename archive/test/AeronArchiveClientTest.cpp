// The blocking client against a scripted fake archive over a real media driver, all on the test thread.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "FakeArchive.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/transport/Subscription.hpp"

namespace cox::archive::test
{
namespace
{
using codec::ControlResponseCode;
using codec::RecordingSignal;
using codec::TemplateId::ARCHIVE_ID_REQUEST;
using codec::TemplateId::AUTH_CONNECT_REQUEST;
using codec::TemplateId::KEEP_ALIVE_REQUEST;

class AeronArchiveClientTest : public ::testing::Test
{
protected:
    std::unique_ptr<AeronArchive> connect(std::int64_t messageTimeoutNs = 5'000'000'000)
    {
        return AeronArchive::connect(fixture.clientContext(messageTimeoutNs));
    }

    /// Answers every request of templateId with OK(relevantId).
    void answer(std::uint16_t templateId, std::int64_t relevantId)
    {
        fixture.archive.handler = [=](FakeArchive& archive, const Request& request)
        {
            if (request.templateId != templateId)
            {
                return false;
            }
            archive.sendResponse(request.correlationId, relevantId);
            return true;
        };
    }

    ArchiveClientFixture fixture;
};

TEST_F(AeronArchiveClientTest, shouldConnectWithAuthConnectThenArchiveIdThenKeepAlive)
{
    auto client = connect();

    EXPECT_EQ(client->controlSessionId(), FakeArchive::SESSION_ID);
    EXPECT_EQ(client->archiveId(), FakeArchive::ARCHIVE_ID);
    ASSERT_TRUE(fixture.pumpUntil(
        [&]
        {
            fixture.archive.doWork();
            return fixture.archive.requests.size() >= 3;
        }));
    const auto& requests = fixture.archive.requests;
    ASSERT_EQ(requests[0].templateId, AUTH_CONNECT_REQUEST);
    auto connectRequest = requests[0].decode<codec::AuthConnectRequestDecoder>();
    EXPECT_EQ(connectRequest.version(), (1 << 16) | (11 << 8));
    EXPECT_EQ(connectRequest.responseStreamId(), 20);
    EXPECT_EQ(connectRequest.responseChannel(), "aeron:ipc");
    EXPECT_EQ(connectRequest.encodedCredentials(), "");
    ASSERT_EQ(requests[1].templateId, ARCHIVE_ID_REQUEST);
    EXPECT_EQ(requests[1].controlSessionId, FakeArchive::SESSION_ID);
    ASSERT_EQ(requests[2].templateId, KEEP_ALIVE_REQUEST);
    EXPECT_EQ(requests[2].controlSessionId, FakeArchive::SESSION_ID);
    EXPECT_EQ(requests[2].correlationId, -1);
}

TEST_F(AeronArchiveClientTest, shouldThrowArchiveExceptionWithCodeWhenConnectIsRefused)
{
    fixture.archive.answerConnect = false;
    fixture.archive.handler = [](FakeArchive& archive, const Request& request)
    {
        if (request.templateId == AUTH_CONNECT_REQUEST)
        {
            archive.sendResponse(request.correlationId, 10, ControlResponseCode::ERROR, "authentication rejected");
        }
        return false;
    };

    try
    {
        static_cast<void>(connect());
        FAIL() << "connect should have been refused";
    }
    catch (const ArchiveResponseException& error)
    {
        EXPECT_EQ(error.errorCode(), ArchiveErrorCode::AUTHENTICATION_REJECTED);
        EXPECT_NE(std::string(error.what()).find("authentication rejected"), std::string::npos) << error.what();
    }
    // The refused session is closed by the client.
    ASSERT_TRUE(fixture.pumpUntil(
        [&]
        {
            fixture.archive.doWork();
            return fixture.archive.lastRequest(codec::TemplateId::CLOSE_SESSION_REQUEST) != nullptr;
        }));
}

TEST_F(AeronArchiveClientTest, shouldAnswerChallengeWithSuppliedCredentials)
{
    fixture.archive.answerConnect = false;
    fixture.archive.handler = [](FakeArchive& archive, const Request& request)
    {
        if (request.templateId == AUTH_CONNECT_REQUEST)
        {
            archive.sendChallenge(request.correlationId, "what is the word?");
            return true;
        }
        if (request.templateId == codec::TemplateId::CHALLENGE_RESPONSE)
        {
            auto decoder = request.decode<codec::ChallengeResponseDecoder>();
            if (decoder.encodedCredentials() == "word:what is the word?")
            {
                archive.sendResponse(request.correlationId, FakeArchive::SESSION_ID);
            }
            return true;
        }
        return false;
    };
    auto context = fixture.clientContext();
    context.credentialsSupplier.encodedCredentials = [] { return std::vector<std::uint8_t>{'i', 'd'}; };
    context.credentialsSupplier.onChallenge = [](const std::vector<std::uint8_t>& challenge)
    {
        const std::string answer = "word:" + std::string(challenge.begin(), challenge.end());
        return std::vector<std::uint8_t>(answer.begin(), answer.end());
    };

    auto client = AeronArchive::connect(context);

    EXPECT_EQ(client->controlSessionId(), FakeArchive::SESSION_ID);
    EXPECT_EQ(client->archiveId(), FakeArchive::ARCHIVE_ID);
    const Request* connectRequest = fixture.archive.lastRequest(AUTH_CONNECT_REQUEST);
    ASSERT_NE(connectRequest, nullptr);
    auto connectDecoder = connectRequest->decode<codec::AuthConnectRequestDecoder>();
    connectDecoder.skipResponseChannel();
    EXPECT_EQ(connectDecoder.encodedCredentials(), "id");
    const Request* challengeResponse = fixture.archive.lastRequest(codec::TemplateId::CHALLENGE_RESPONSE);
    ASSERT_NE(challengeResponse, nullptr);
    EXPECT_EQ(challengeResponse->controlSessionId, FakeArchive::SESSION_ID);
    EXPECT_NE(challengeResponse->correlationId, connectRequest->correlationId);
}

TEST_F(AeronArchiveClientTest, shouldTimeOutConnectWhenArchiveDoesNotAnswer)
{
    fixture.archive.answerConnect = false;

    try
    {
        static_cast<void>(connect(200'000'000));
        FAIL() << "connect should have timed out";
    }
    catch (const ArchiveTimeoutException& error)
    {
        EXPECT_NE(std::string(error.what()).find("archive connect timed out"), std::string::npos) << error.what();
    }
}

TEST_F(AeronArchiveClientTest, shouldConnectAsynchronouslyWithoutBlocking)
{
    auto asyncConnect = AeronArchive::asyncConnect(fixture.clientContext());
    std::unique_ptr<AeronArchive> client;
    int polls = 0;
    ASSERT_TRUE(fixture.pumpUntil(
        [&]
        {
            fixture.archive.doWork();
            ++polls;
            client = asyncConnect->poll();
            return client != nullptr;
        }));
    EXPECT_GT(polls, 1) << "poll() must return before the archive has answered";
    EXPECT_EQ(client->controlSessionId(), FakeArchive::SESSION_ID);
    EXPECT_EQ(client->archiveId(), FakeArchive::ARCHIVE_ID);
}

TEST_F(AeronArchiveClientTest, shouldIgnoreResponsesWithOtherCorrelationIdsOrSessions)
{
    auto client = connect();
    fixture.archive.handler = [](FakeArchive& archive, const Request& request)
    {
        if (request.templateId != codec::TemplateId::RECORDING_POSITION_REQUEST)
        {
            return false;
        }
        archive.sendResponse(request.correlationId + 1000, 1);
        archive.sendResponse(request.correlationId, 2, ControlResponseCode::OK, "", FakeArchive::SESSION_ID + 1);
        archive.sendResponse(request.correlationId, 4096);
        return true;
    };

    EXPECT_EQ(client->getRecordingPosition(3), 4096);
    auto request = fixture.archive.lastRequest(codec::TemplateId::RECORDING_POSITION_REQUEST)
                       ->decode<codec::RecordingPositionRequestDecoder>();
    EXPECT_EQ(request.recordingId(), 3);
    EXPECT_EQ(request.controlSessionId(), FakeArchive::SESSION_ID);
}

TEST_F(AeronArchiveClientTest, shouldTimeOutRequestWithMessageNamingIt)
{
    auto client = connect(300'000'000);

    try
    {
        static_cast<void>(client->getStopPosition(9));
        FAIL() << "getStopPosition should have timed out";
    }
    catch (const ArchiveTimeoutException& error)
    {
        const std::string message = error.what();
        EXPECT_NE(message.find("StopPosition response not received"), std::string::npos) << message;
        EXPECT_NE(message.find("correlationId="), std::string::npos) << message;
    }
}

TEST_F(AeronArchiveClientTest, shouldTellALostControlSessionByTypeWhenAResponseTimesOut)
{
    auto client = connect(300'000'000);

    try
    {
        static_cast<void>(client->getStopPosition(9));
        FAIL() << "getStopPosition should have timed out";
    }
    catch (const ArchiveResponseTimeoutException& error)
    {
        EXPECT_TRUE(isControlSessionLost(error)) << error.what();
    }
}

TEST_F(AeronArchiveClientTest, shouldTellALostControlSessionByCodeWhenTheArchiveSaysTheSessionIsUnknown)
{
    auto client = connect();
    fixture.archive.handler = [](FakeArchive& archive, const Request& request)
    {
        if (request.templateId != codec::TemplateId::START_POSITION_REQUEST)
        {
            return false;
        }
        constexpr auto code = static_cast<std::int64_t>(ArchiveErrorCode::UNKNOWN_CONTROL_SESSION);
        archive.sendResponse(request.correlationId, code, ControlResponseCode::ERROR, "unknown controlSessionId");
        return true;
    };

    try
    {
        static_cast<void>(client->getStartPosition(77));
        FAIL() << "expected an ArchiveResponseException";
    }
    catch (const ArchiveResponseException& error)
    {
        EXPECT_EQ(error.errorCode(), ArchiveErrorCode::UNKNOWN_CONTROL_SESSION);
        EXPECT_TRUE(isControlSessionLost(error)) << error.what();
    }
}

TEST_F(AeronArchiveClientTest, shouldNotTakeOtherArchiveErrorsForALostControlSession)
{
    EXPECT_FALSE(isControlSessionLost(ArchiveResponseException(
        static_cast<std::int64_t>(ArchiveErrorCode::UNKNOWN_RECORDING), "unknown controlSessionId in the text", 1)));
    EXPECT_FALSE(isControlSessionLost(ArchiveException(ArchiveErrorCode::GENERIC, "response not received")));
    EXPECT_FALSE(isControlSessionLost(ArchiveTimeoutException("failed to send StopPosition request")));
    EXPECT_FALSE(isControlSessionLost(std::runtime_error("closed control session")));
}

TEST_F(AeronArchiveClientTest, shouldThrowArchiveExceptionWhenOwnRequestErrs)
{
    auto client = connect();
    fixture.archive.handler = [](FakeArchive& archive, const Request& request)
    {
        if (request.templateId != codec::TemplateId::START_POSITION_REQUEST)
        {
            return false;
        }
        archive.sendResponse(request.correlationId, 5, ControlResponseCode::ERROR, "unknown recording id: 77");
        return true;
    };

    try
    {
        static_cast<void>(client->getStartPosition(77));
        FAIL() << "expected an ArchiveResponseException";
    }
    catch (const ArchiveResponseException& error)
    {
        EXPECT_EQ(error.errorCode(), ArchiveErrorCode::UNKNOWN_RECORDING);
        EXPECT_NE(std::string(error.what()).find("unknown recording id: 77"), std::string::npos);
    }
}

TEST_F(AeronArchiveClientTest, shouldReportErrorsForOtherCorrelationIdsToErrorHandler)
{
    auto client = connect();
    fixture.archive.handler = [](FakeArchive& archive, const Request& request)
    {
        if (request.templateId != codec::TemplateId::MAX_RECORDED_POSITION_REQUEST)
        {
            return false;
        }
        archive.sendResponse(999, 11, ControlResponseCode::ERROR, "out of storage space");
        archive.sendResponse(request.correlationId, 128);
        return true;
    };

    EXPECT_EQ(client->getMaxRecordedPosition(1), 128);
    ASSERT_EQ(fixture.errorCorrelationIds.size(), 1u);
    EXPECT_EQ(fixture.errorCorrelationIds[0], 999);
    EXPECT_EQ(fixture.errorCodes[0], 11);
    EXPECT_NE(fixture.errors[0].find("out of storage space"), std::string::npos);
}

TEST_F(AeronArchiveClientTest, shouldDeliverSignalsToConsumerWhileWaiting)
{
    struct Seen
    {
        std::int64_t correlationId;
        std::int64_t recordingId;
        std::int64_t subscriptionId;
        std::int64_t position;
        RecordingSignal signal;
    };
    std::vector<Seen> signals;
    auto context = fixture.clientContext();
    context.recordingSignalConsumer = [&](std::int64_t, std::int64_t correlationId, std::int64_t recordingId,
                                          std::int64_t subscriptionId, std::int64_t position, RecordingSignal signal)
    { signals.push_back({correlationId, recordingId, subscriptionId, position, signal}); };
    auto client = AeronArchive::connect(context);
    fixture.archive.handler = [](FakeArchive& archive, const Request& request)
    {
        if (request.templateId != codec::TemplateId::START_RECORDING_REQUEST2)
        {
            return false;
        }
        archive.sendSignal(request.correlationId, 12, 77, 0, RecordingSignal::START);
        archive.sendResponse(request.correlationId, 77);
        return true;
    };

    EXPECT_EQ(client->startRecording("aeron:ipc", 33, SourceLocation::REMOTE, true), 77);

    ASSERT_EQ(signals.size(), 1u);
    EXPECT_EQ(signals[0].recordingId, 12);
    EXPECT_EQ(signals[0].subscriptionId, 77);
    EXPECT_EQ(signals[0].signal, RecordingSignal::START);
    auto request = fixture.archive.lastRequest(codec::TemplateId::START_RECORDING_REQUEST2)
                       ->decode<codec::StartRecordingRequest2Decoder>();
    EXPECT_EQ(request.streamId(), 33);
    EXPECT_EQ(request.sourceLocation(), SourceLocation::REMOTE);
    EXPECT_EQ(request.autoStop(), codec::BooleanType::TRUE);
    EXPECT_EQ(request.channel(), "aeron:ipc");
}

TEST_F(AeronArchiveClientTest, shouldStopListingWhenCountReached)
{
    auto client = connect();
    fixture.archive.handler = [](FakeArchive& archive, const Request& request)
    {
        if (request.templateId != codec::TemplateId::LIST_RECORDINGS_REQUEST)
        {
            return false;
        }
        for (std::int64_t id = 4; id < 7; ++id)
        {
            archive.sendDescriptor(request.correlationId, id);
        }
        return true;
    };
    std::vector<RecordingDescriptor> seen;

    const int count = client->listRecordings(4, 3, [&](const RecordingDescriptor& d) { seen.push_back(d); });

    EXPECT_EQ(count, 3);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].recordingId, 4);
    EXPECT_EQ(seen[2].recordingId, 6);
    EXPECT_EQ(seen[2].stopPosition, 6 * 4096);
    EXPECT_EQ(seen[2].sessionId, 106);
    EXPECT_EQ(seen[2].originalChannel, "aeron:ipc|term-length=64k");
    EXPECT_EQ(seen[2].sourceIdentity, "aeron:ipc");
}

TEST_F(AeronArchiveClientTest, shouldStopListingOnRecordingUnknown)
{
    auto client = connect();
    fixture.archive.handler = [](FakeArchive& archive, const Request& request)
    {
        if (request.templateId != codec::TemplateId::LIST_RECORDINGS_FOR_URI_REQUEST)
        {
            return false;
        }
        archive.sendDescriptor(request.correlationId, 1, "aeron:udp?endpoint=localhost:9000", 5);
        archive.sendDescriptor(request.correlationId, 3, "aeron:udp?endpoint=localhost:9000", 5);
        archive.sendResponse(request.correlationId, 4, ControlResponseCode::RECORDING_UNKNOWN);
        return true;
    };
    std::vector<std::int64_t> ids;

    const int count = client->listRecordingsForUri(0, 10, "endpoint=localhost", 5,
                                                   [&](const RecordingDescriptor& d) { ids.push_back(d.recordingId); });

    EXPECT_EQ(count, 2);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 3}));
    auto request = fixture.archive.lastRequest(codec::TemplateId::LIST_RECORDINGS_FOR_URI_REQUEST)
                       ->decode<codec::ListRecordingsForUriRequestDecoder>();
    EXPECT_EQ(request.recordCount(), 10);
    EXPECT_EQ(request.streamId(), 5);
    EXPECT_EQ(request.channel(), "endpoint=localhost");
}

TEST_F(AeronArchiveClientTest, shouldReturnZeroForListRecordingOfUnknownId)
{
    auto client = connect();
    fixture.archive.handler = [](FakeArchive& archive, const Request& request)
    {
        if (request.templateId != codec::TemplateId::LIST_RECORDING_REQUEST)
        {
            return false;
        }
        archive.sendResponse(request.correlationId, 42, ControlResponseCode::RECORDING_UNKNOWN);
        return true;
    };
    int calls = 0;

    EXPECT_EQ(client->listRecording(42, [&](const RecordingDescriptor&) { ++calls; }), 0);
    EXPECT_EQ(calls, 0);
}

TEST_F(AeronArchiveClientTest, shouldReturnFalseFromTryStopRecordingOnUnknownSubscription)
{
    auto client = connect();
    fixture.archive.handler = [](FakeArchive& archive, const Request& request)
    {
        if (request.templateId == codec::TemplateId::STOP_RECORDING_SUBSCRIPTION_REQUEST)
        {
            const auto subscriptionId =
                request.decode<codec::StopRecordingSubscriptionRequestDecoder>().subscriptionId();
            if (subscriptionId == 5)
            {
                archive.sendResponse(request.correlationId, 0);
            }
            else
            {
                archive.sendResponse(request.correlationId, 4, ControlResponseCode::ERROR, "unknown subscription");
            }
            return true;
        }
        if (request.templateId == codec::TemplateId::STOP_RECORDING_BY_IDENTITY_REQUEST)
        {
            const auto recordingId = request.decode<codec::StopRecordingByIdentityRequestDecoder>().recordingId();
            archive.sendResponse(request.correlationId, recordingId == 1 ? 1 : 0);
            return true;
        }
        return false;
    };

    EXPECT_TRUE(client->tryStopRecording(5));
    EXPECT_FALSE(client->tryStopRecording(6));
    EXPECT_TRUE(client->tryStopRecordingByIdentity(1));
    EXPECT_FALSE(client->tryStopRecordingByIdentity(2));
}

TEST_F(AeronArchiveClientTest, shouldSubscribeToReplayWithItsSessionId)
{
    auto client = connect();
    const std::int64_t replaySessionId = (std::int64_t{3} << 32) | 1234;
    answer(codec::TemplateId::REPLAY_REQUEST, replaySessionId);

    auto subscription = client->replay(8, 0, NULL_LENGTH, "aeron:ipc", 44);

    ASSERT_NE(subscription, nullptr);
    EXPECT_EQ(subscription->streamId(), 44);
    EXPECT_NE(subscription->channel().find("session-id=1234"), std::string::npos) << subscription->channel();
    auto request =
        fixture.archive.lastRequest(codec::TemplateId::REPLAY_REQUEST)->decode<codec::ReplayRequestDecoder>();
    EXPECT_EQ(request.recordingId(), 8);
    EXPECT_EQ(request.position(), 0);
    EXPECT_EQ(request.length(), NULL_LENGTH);
    EXPECT_EQ(request.replayStreamId(), 44);
}

TEST_F(AeronArchiveClientTest, shouldRecordPublicationBySessionId)
{
    auto client = connect();
    answer(codec::TemplateId::START_RECORDING_REQUEST2, 55);

    auto publication = client->addRecordedExclusivePublication("aeron:ipc", 61);

    auto request = fixture.archive.lastRequest(codec::TemplateId::START_RECORDING_REQUEST2)
                       ->decode<codec::StartRecordingRequest2Decoder>();
    EXPECT_EQ(request.streamId(), 61);
    EXPECT_EQ(request.sourceLocation(), SourceLocation::LOCAL);
    EXPECT_EQ(std::string(request.channel()), "aeron:ipc?session-id=" + std::to_string(publication->sessionId()));
}

TEST_F(AeronArchiveClientTest, shouldSendCloseSessionOnClose)
{
    auto client = connect();

    client->close();
    client->close();

    ASSERT_TRUE(fixture.pumpUntil(
        [&]
        {
            fixture.archive.doWork();
            return fixture.archive.lastRequest(codec::TemplateId::CLOSE_SESSION_REQUEST) != nullptr;
        }));
    EXPECT_EQ(fixture.archive.lastRequest(codec::TemplateId::CLOSE_SESSION_REQUEST)->controlSessionId,
              FakeArchive::SESSION_ID);
    EXPECT_THROW(static_cast<void>(client->getStopPosition(1)), util::IllegalStateException);
}

TEST_F(AeronArchiveClientTest, shouldPollSignalsAndThrowOnSessionErrorBetweenRequests)
{
    std::vector<RecordingSignal> signals;
    auto context = fixture.clientContext();
    context.recordingSignalConsumer = [&](std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                                          RecordingSignal signal) { signals.push_back(signal); };
    auto client = AeronArchive::connect(context);
    fixture.archive.sendSignal(500, 2, 3, 4096, RecordingSignal::STOP);
    fixture.archive.sendResponse(501, 11, ControlResponseCode::ERROR, "storage space low");

    ASSERT_TRUE(fixture.pumpUntil(
        [&]
        {
            fixture.archive.doWork();
            static_cast<void>(client->pollForRecordingSignals());
            return !signals.empty();
        }));
    EXPECT_EQ(signals[0], RecordingSignal::STOP);
    std::string error;
    ASSERT_TRUE(fixture.pumpUntil(
        [&]
        {
            fixture.archive.doWork();
            error = client->pollForErrorResponse();
            return !error.empty();
        }));
    EXPECT_EQ(error, "storage space low");
}

TEST_F(AeronArchiveClientTest, shouldSendReplicateRequest2WithParams)
{
    auto client = connect();
    answer(codec::TemplateId::REPLICATE_REQUEST2, 31);
    ReplicationParams params;
    params.dstRecordingId = 4;
    params.stopPosition = 8192;
    params.replicationSessionId = 99;
    params.replicationChannel = "aeron:udp?endpoint=localhost:0";
    params.srcResponseChannel = "aeron:udp?endpoint=localhost:9999";

    EXPECT_EQ(client->replicate(12, 10, "aeron:udp?endpoint=leader:8010", params), 31);

    auto request = fixture.archive.lastRequest(codec::TemplateId::REPLICATE_REQUEST2)
                       ->decode<codec::ReplicateRequest2Decoder>();
    EXPECT_EQ(request.srcRecordingId(), 12);
    EXPECT_EQ(request.dstRecordingId(), 4);
    EXPECT_EQ(request.stopPosition(), 8192);
    EXPECT_EQ(request.srcControlStreamId(), 10);
    EXPECT_EQ(request.replicationSessionId(), 99);
    EXPECT_EQ(request.channelTagId(), NULL_VALUE);
    EXPECT_EQ(request.srcControlChannel(), "aeron:udp?endpoint=leader:8010");
    EXPECT_EQ(request.liveDestination(), "");
    EXPECT_EQ(request.replicationChannel(), "aeron:udp?endpoint=localhost:0");
    EXPECT_EQ(request.encodedCredentials(), "");
    EXPECT_EQ(request.srcResponseChannel(), "aeron:udp?endpoint=localhost:9999");
}
} // namespace
} // namespace cox::archive::test
