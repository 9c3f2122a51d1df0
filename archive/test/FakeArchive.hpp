#pragma once

// A scripted stand-in for the archive server, for client tests: it subscribes to the control request channel
// over a real media driver (INVOKER mode, driven by the test thread), decodes each request with the generated
// decoders, and answers through a handler the test supplies. Responses queue until the response publication is
// connected, so the fake never blocks.

#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../../transport/test/DriverTestSupport.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/codecs/archive/ArchiveCodecs.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/FragmentAssembler.hpp"

namespace cox::archive::test
{
namespace codec = codecs::archive;

inline transport::MediaDriverContext smallIpcDriverContext()
{
    transport::MediaDriverContext context;
    context.ipcTermBufferLength = 64 * 1024;
    context.publicationTermBufferLength = 64 * 1024;
    return context;
}

/// One request as the fake saw it: the common fields, plus the whole message for tests that decode more.
struct Request
{
    std::uint16_t templateId = 0;
    std::int64_t controlSessionId = -1;
    std::int64_t correlationId = -1;
    std::vector<std::uint8_t> bytes;

    template <typename Decoder> Decoder decode() const
    {
        Decoder decoder;
        EXPECT_EQ(decoder.wrapWithHeader(bytes.data(), 0, bytes.size()), codecs::sbe::DecodeError::NONE);
        return decoder;
    }
};

class FakeArchive
{
public:
    static constexpr std::int64_t SESSION_ID = 7001;
    static constexpr std::int64_t ARCHIVE_ID = 4242;

    /// Called for every request after the defaults (connect → OK, archive id → OK) unless it returns true
    /// (handled). Left empty, other requests get no answer.
    using Handler = std::function<bool(FakeArchive& archive, const Request& request)>;

    explicit FakeArchive(transport::Aeron& aeron, std::string channel = "aeron:ipc", std::int32_t streamId = 10)
        : m_aeron(aeron), m_assembler([this](const util::AtomicBuffer& buffer, std::int32_t offset,
                                             std::int32_t length, const transport::Header&)
                                      { onRequest(buffer.buffer() + offset, static_cast<std::size_t>(length)); })
    {
        m_subscription = m_aeron.addSubscription(channel, streamId);
    }

    /// Polls requests and flushes queued responses; the client's archiveInvoker.
    int doWork()
    {
        int work = m_subscription->poll(m_assembler.handler(), 10);
        while (!m_pending.empty() && m_responsePublication && m_responsePublication->isConnected())
        {
            const std::vector<std::uint8_t>& message = m_pending.front();
            if (m_responsePublication->offer(message.data(), static_cast<std::int32_t>(message.size())) < 0)
            {
                break;
            }
            m_pending.pop_front();
            ++work;
        }
        return work;
    }

    Handler handler;
    /// Answer the connect with OK (default), or leave it to the handler.
    bool answerConnect = true;
    std::vector<Request> requests;

    [[nodiscard]] const Request* lastRequest(std::uint16_t templateId) const
    {
        for (auto it = requests.rbegin(); it != requests.rend(); ++it)
        {
            if (it->templateId == templateId)
            {
                return &*it;
            }
        }
        return nullptr;
    }

    void sendResponse(std::int64_t correlationId, std::int64_t relevantId,
                      codec::ControlResponseCode code = codec::ControlResponseCode::OK,
                      const std::string& errorMessage = "", std::int64_t controlSessionId = SESSION_ID)
    {
        std::vector<std::uint8_t> buffer(256 + errorMessage.size());
        codec::MessageHeaderEncoder header;
        codec::ControlResponseEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .controlSessionId(controlSessionId)
            .correlationId(correlationId)
            .relevantId(relevantId)
            .code(code)
            .version((1 << 16) | (11 << 8))
            .putErrorMessage(errorMessage);
        queue(buffer, encoder.encodedLength());
    }

    void sendSignal(std::int64_t correlationId, std::int64_t recordingId, std::int64_t subscriptionId,
                    std::int64_t position, codec::RecordingSignal signal, std::int64_t controlSessionId = SESSION_ID)
    {
        std::vector<std::uint8_t> buffer(128);
        codec::MessageHeaderEncoder header;
        codec::RecordingSignalEventEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .controlSessionId(controlSessionId)
            .correlationId(correlationId)
            .recordingId(recordingId)
            .subscriptionId(subscriptionId)
            .position(position)
            .signal(signal);
        queue(buffer, encoder.encodedLength());
    }

    void sendDescriptor(std::int64_t correlationId, std::int64_t recordingId, const std::string& channel = "aeron:ipc",
                        std::int32_t streamId = 33, std::int64_t controlSessionId = SESSION_ID)
    {
        std::vector<std::uint8_t> buffer(256 + 2 * channel.size());
        codec::MessageHeaderEncoder header;
        codec::RecordingDescriptorEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .controlSessionId(controlSessionId)
            .correlationId(correlationId)
            .recordingId(recordingId)
            .startTimestamp(1000 + recordingId)
            .stopTimestamp(-1)
            .startPosition(0)
            .stopPosition(recordingId * 4096)
            .initialTermId(5)
            .segmentFileLength(128 * 1024 * 1024)
            .termBufferLength(64 * 1024)
            .mtuLength(1408)
            .sessionId(static_cast<std::int32_t>(100 + recordingId))
            .streamId(streamId)
            .putStrippedChannel(channel)
            .putOriginalChannel(channel + "|term-length=64k")
            .putSourceIdentity("aeron:ipc");
        queue(buffer, encoder.encodedLength());
    }

    void sendChallenge(std::int64_t correlationId, const std::string& challenge,
                       std::int64_t controlSessionId = SESSION_ID)
    {
        std::vector<std::uint8_t> buffer(128 + challenge.size());
        codec::MessageHeaderEncoder header;
        codec::ChallengeEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .controlSessionId(controlSessionId)
            .correlationId(correlationId)
            .version((1 << 16) | (11 << 8))
            .putEncodedChallenge(challenge);
        queue(buffer, encoder.encodedLength());
    }

private:
    void queue(std::vector<std::uint8_t>& buffer, std::size_t blockAndVarLength)
    {
        buffer.resize(codec::MessageHeaderEncoder::ENCODED_LENGTH + blockAndVarLength);
        m_pending.push_back(std::move(buffer));
    }

    void onRequest(const std::uint8_t* data, std::size_t length)
    {
        codec::MessageHeaderDecoder header;
        ASSERT_EQ(codec::checkHeader(data, 0, length, header), codecs::sbe::DecodeError::NONE);
        Request request;
        request.templateId = header.templateId();
        request.bytes.assign(data, data + length);
        // Every request but the connects starts with controlSessionId, correlationId.
        if (request.templateId == codec::TemplateId::AUTH_CONNECT_REQUEST)
        {
            auto decoder = request.decode<codec::AuthConnectRequestDecoder>();
            request.correlationId = decoder.correlationId();
            const std::string responseChannel(decoder.responseChannel());
            m_responsePublication = m_aeron.addExclusivePublication(responseChannel, decoder.responseStreamId());
        }
        else if (request.templateId == codec::TemplateId::CLOSE_SESSION_REQUEST)
        {
            request.controlSessionId = request.decode<codec::CloseSessionRequestDecoder>().controlSessionId();
        }
        else
        {
            const std::size_t block = codec::MessageHeaderDecoder::ENCODED_LENGTH;
            std::memcpy(&request.controlSessionId, data + block, sizeof(std::int64_t));
            std::memcpy(&request.correlationId, data + block + 8, sizeof(std::int64_t));
        }
        requests.push_back(request);

        if (handler && handler(*this, request))
        {
            return;
        }
        if (request.templateId == codec::TemplateId::AUTH_CONNECT_REQUEST && answerConnect)
        {
            sendResponse(request.correlationId, SESSION_ID);
        }
        else if (request.templateId == codec::TemplateId::ARCHIVE_ID_REQUEST)
        {
            sendResponse(request.correlationId, ARCHIVE_ID);
        }
    }

    transport::Aeron& m_aeron;
    std::shared_ptr<transport::Subscription> m_subscription;
    std::shared_ptr<transport::ExclusivePublication> m_responsePublication;
    transport::FragmentAssembler<std::function<void(const util::AtomicBuffer&, std::int32_t, std::int32_t,
                                                    const transport::Header&)>>
        m_assembler;
    std::deque<std::vector<std::uint8_t>> m_pending;
};

/// A driver, a client and a fake archive, all driven by the test thread.
class ArchiveClientFixture : public transport::test::InvokerDriverFixture
{
public:
    ArchiveClientFixture() : InvokerDriverFixture(smallIpcDriverContext()), archive(*aeron) {}

    AeronArchiveContext clientContext(std::int64_t messageTimeoutNs = 5'000'000'000)
    {
        AeronArchiveContext context;
        context.aeron = aeron;
        context.messageTimeoutNs = messageTimeoutNs;
        context.archiveInvoker = [this] { return archive.doWork(); };
        context.errorHandler = [this](const std::exception& error)
        {
            errors.push_back(error.what());
            if (const auto* response = dynamic_cast<const ArchiveResponseException*>(&error))
            {
                errorCorrelationIds.push_back(response->correlationId());
                errorCodes.push_back(response->rawErrorCode());
            }
        };
        return context;
    }

    FakeArchive archive;
    std::vector<std::string> errors;
    std::vector<std::int64_t> errorCorrelationIds;
    std::vector<std::int64_t> errorCodes;
};
} // namespace cox::archive::test
