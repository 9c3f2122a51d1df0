#include "cox/archive/ControlResponsePoller.hpp"

#include <cstring>

#include "cox/codecs/archive/ArchiveCodecs.hpp"
#include "cox/transport/FrameDescriptor.hpp"
#include "cox/transport/Subscription.hpp"

namespace cox::archive
{
namespace codec = codecs::archive;
using transport::ControlledPollAction;
namespace FrameDescriptor = transport::FrameDescriptor;

ControlResponsePoller::ControlResponsePoller(std::shared_ptr<transport::Subscription> subscription,
                                             int fragmentLimit, std::int64_t controlSessionIdFilter)
    : m_subscription(std::move(subscription)),
      m_fragmentLimit(fragmentLimit > 0 ? fragmentLimit : DEFAULT_FRAGMENT_LIMIT),
      m_sessionFilter(controlSessionIdFilter)
{
    if (!m_subscription)
    {
        throw util::IllegalArgumentException("ControlResponsePoller needs a subscription");
    }
}

ControlResponsePoller::~ControlResponsePoller() = default;

bool ControlResponsePoller::isControlResponse() const noexcept
{
    return m_pollComplete && m_templateId == codec::TemplateId::CONTROL_RESPONSE;
}

bool ControlResponsePoller::isRecordingSignal() const noexcept
{
    return m_pollComplete && m_templateId == codec::TemplateId::RECORDING_SIGNAL_EVENT;
}

bool ControlResponsePoller::isRecordingDescriptor() const noexcept
{
    return m_pollComplete && m_templateId == codec::TemplateId::RECORDING_DESCRIPTOR;
}

bool ControlResponsePoller::wasChallenged() const noexcept
{
    return m_pollComplete && m_templateId == codec::TemplateId::CHALLENGE;
}

int ControlResponsePoller::poll()
{
    m_pollComplete = false;
    m_templateId = 0;
    return m_subscription->controlledPoll(
        [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
               const transport::Header& header)
        {
            onFragment(buffer, offset, length, header);
            return m_pollComplete ? ControlledPollAction::BREAK : ControlledPollAction::CONTINUE;
        },
        m_fragmentLimit);
}

void ControlResponsePoller::onFragment(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                       const transport::Header& header)
{
    const std::uint8_t flags = header.flags();
    if ((flags & FrameDescriptor::UNFRAGMENTED) == FrameDescriptor::UNFRAGMENTED)
    {
        onMessage(buffer.buffer() + offset, static_cast<std::size_t>(length));
        return;
    }
    const auto* bytes = buffer.buffer() + offset;
    if ((flags & FrameDescriptor::BEGIN_FRAG_FLAG) != 0)
    {
        m_assembly.assign(bytes, bytes + length);
        m_assemblySessionId = header.sessionId();
        m_assembling = true;
        return;
    }
    // A middle or end fragment without its beginning (joined mid-message, or another image interleaved) cannot
    // be pieced together: drop what was gathered.
    if (!m_assembling || header.sessionId() != m_assemblySessionId)
    {
        m_assembling = false;
        return;
    }
    m_assembly.insert(m_assembly.end(), bytes, bytes + length);
    if ((flags & FrameDescriptor::END_FRAG_FLAG) != 0)
    {
        m_assembling = false;
        onMessage(m_assembly.data(), m_assembly.size());
    }
}

bool ControlResponsePoller::onMessage(const std::uint8_t* message, std::size_t length)
{
    codec::MessageHeaderDecoder header;
    if (codec::checkHeader(message, 0, length, header) != codecs::sbe::DecodeError::NONE)
    {
        ++m_malformedCount;
        return false;
    }
    const std::size_t offset = codec::MessageHeaderDecoder::ENCODED_LENGTH;
    const std::uint16_t blockLength = header.blockLength();
    const std::uint16_t version = header.version();
    const std::uint16_t templateId = header.templateId();

    // Each decoder validates the whole message (block and var data) against length before any field is read.
    auto accept = [&](std::int64_t controlSessionId, std::int64_t correlationId)
    {
        if (m_sessionFilter != NULL_SESSION && controlSessionId != m_sessionFilter)
        {
            return false;
        }
        m_controlSessionId = controlSessionId;
        m_correlationId = correlationId;
        m_templateId = templateId;
        m_pollComplete = true;
        return true;
    };

    switch (templateId)
    {
        case codec::TemplateId::CONTROL_RESPONSE:
        {
            codec::ControlResponseDecoder decoder;
            if (decoder.wrapForDecode(message, offset, blockLength, version, length) != codecs::sbe::DecodeError::NONE)
            {
                break;
            }
            if (accept(decoder.controlSessionId(), decoder.correlationId()))
            {
                m_relevantId = decoder.relevantId();
                m_code = decoder.code();
                m_version = decoder.version();
                m_errorMessage.assign(decoder.errorMessage());
            }
            return m_pollComplete;
        }
        case codec::TemplateId::RECORDING_SIGNAL_EVENT:
        {
            codec::RecordingSignalEventDecoder decoder;
            if (decoder.wrapForDecode(message, offset, blockLength, version, length) != codecs::sbe::DecodeError::NONE)
            {
                break;
            }
            if (accept(decoder.controlSessionId(), decoder.correlationId()))
            {
                m_recordingId = decoder.recordingId();
                m_subscriptionId = decoder.subscriptionId();
                m_position = decoder.position();
                m_recordingSignal = decoder.signal();
            }
            return m_pollComplete;
        }
        case codec::TemplateId::CHALLENGE:
        {
            codec::ChallengeDecoder decoder;
            if (decoder.wrapForDecode(message, offset, blockLength, version, length) != codecs::sbe::DecodeError::NONE)
            {
                break;
            }
            if (accept(decoder.controlSessionId(), decoder.correlationId()))
            {
                const std::string_view challenge = decoder.encodedChallenge();
                m_encodedChallenge.assign(challenge.begin(), challenge.end());
            }
            return m_pollComplete;
        }
        case codec::TemplateId::RECORDING_DESCRIPTOR:
        {
            codec::RecordingDescriptorDecoder decoder;
            if (decoder.wrapForDecode(message, offset, blockLength, version, length) != codecs::sbe::DecodeError::NONE)
            {
                break;
            }
            if (accept(decoder.controlSessionId(), decoder.correlationId()))
            {
                RecordingDescriptor& d = m_descriptor;
                d.controlSessionId = decoder.controlSessionId();
                d.correlationId = decoder.correlationId();
                d.recordingId = decoder.recordingId();
                d.startTimestamp = decoder.startTimestamp();
                d.stopTimestamp = decoder.stopTimestamp();
                d.startPosition = decoder.startPosition();
                d.stopPosition = decoder.stopPosition();
                d.initialTermId = decoder.initialTermId();
                d.segmentFileLength = decoder.segmentFileLength();
                d.termBufferLength = decoder.termBufferLength();
                d.mtuLength = decoder.mtuLength();
                d.sessionId = decoder.sessionId();
                d.streamId = decoder.streamId();
                d.strippedChannel.assign(decoder.strippedChannel());
                d.originalChannel.assign(decoder.originalChannel());
                d.sourceIdentity.assign(decoder.sourceIdentity());
            }
            return m_pollComplete;
        }
        default:
            // Other messages of the schema (e.g. RecordingSubscriptionDescriptor) are not this poller's business.
            return false;
    }
    ++m_malformedCount;
    return false;
}
} // namespace cox::archive
