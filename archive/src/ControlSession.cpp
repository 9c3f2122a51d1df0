#include "ControlSession.hpp"

#include "cox/archive/RecordingDescriptor.hpp"
#include "cox/transport/PublicationResult.hpp"

namespace cox::archive
{
namespace ac = codecs::archive;

namespace
{
/// Aeron Archive control protocol 1.11.0, packed (major << 16) | (minor << 8) | patch.
constexpr std::int32_t PROTOCOL_VERSION = (1 << 16) | (11 << 8);
constexpr std::int64_t RESEND_INTERVAL_NS = 200'000'000;
constexpr std::size_t SCRATCH_LENGTH = 8192;
constexpr std::int64_t AUTHENTICATION_REJECTED = 10;
} // namespace

ControlSession::ControlSession(
    std::int64_t controlSessionId,
    std::int64_t connectCorrelationId,
    std::int64_t responsePublicationRegistrationId,
    std::string responseChannel,
    std::int32_t responseStreamId,
    bool isVersionValid,
    std::int64_t connectTimeoutNs,
    std::int64_t livenessIntervalNs,
    std::int64_t nowNs)
    : m_controlSessionId(controlSessionId),
      m_connectCorrelationId(connectCorrelationId),
      m_responsePublicationRegistrationId(responsePublicationRegistrationId),
      m_responseChannel(std::move(responseChannel)),
      m_responseStreamId(responseStreamId),
      m_isVersionValid(isVersionValid),
      m_connectTimeoutNs(connectTimeoutNs),
      m_livenessIntervalNs(livenessIntervalNs),
      m_activityDeadlineNs(nowNs + connectTimeoutNs),
      m_nowNs(nowNs),
      m_scratch(SCRATCH_LENGTH)
{
}

int ControlSession::doWorkConnected(std::int64_t nowNs)
{
    m_nowNs = nowNs;
    int workCount = drainQueue(nowNs);
    switch (m_state)
    {
        case State::CONNECTED:
        case State::AUTHENTICATED:
            // Resend the connect OK until the client's first request (its keepalive) arrives.
            if (m_publication->isConnected() && nowNs >= m_nextResendNs)
            {
                sendOk(m_connectCorrelationId, m_controlSessionId);
                m_state = State::AUTHENTICATED;
                m_nextResendNs = nowNs + RESEND_INTERVAL_NS;
                ++workCount;
            }
            if (nowNs > m_activityDeadlineNs)
            {
                m_state = State::INACTIVE;
            }
            break;
        case State::REJECTED:
            if (nowNs >= m_nextResendNs && m_publication->isConnected())
            {
                sendError(m_connectCorrelationId, AUTHENTICATION_REJECTED, "invalid client version");
                m_nextResendNs = nowNs + RESEND_INTERVAL_NS;
            }
            if (nowNs > m_activityDeadlineNs)
            {
                m_state = State::INACTIVE;
            }
            break;
        case State::ACTIVE:
            if (!m_publication->isConnected() || nowNs > m_activityDeadlineNs)
            {
                m_state = State::INACTIVE; // the client went away, or we could not reach it for the timeout
            }
            else if (nowNs >= m_nextLivenessNs)
            {
                // Liveness OK, as Aeron: lets the client see the archive is alive while it idles.
                sendResponse(-1, -1, ac::ControlResponseCode::OK, {});
                m_nextLivenessNs = nowNs + m_livenessIntervalNs;
            }
            break;
        case State::INACTIVE:
            close();
            ++workCount;
            break;
        case State::INIT:
        case State::DONE:
            break;
    }
    return workCount;
}

bool ControlSession::onRequest(std::int64_t nowNs)
{
    if (m_state == State::AUTHENTICATED)
    {
        m_state = State::ACTIVE;
        m_nextLivenessNs = nowNs + m_livenessIntervalNs;
    }
    if (m_state == State::ACTIVE)
    {
        m_activityDeadlineNs = nowNs + m_connectTimeoutNs;
    }
    return m_state == State::ACTIVE;
}

void ControlSession::close()
{
    if (m_publication)
    {
        m_publication->close();
        m_publication.reset();
    }
    m_queue.clear();
    m_state = State::DONE;
}

void ControlSession::sendOk(std::int64_t correlationId, std::int64_t relevantId)
{
    sendResponse(correlationId, relevantId, ac::ControlResponseCode::OK, {});
}

void ControlSession::sendError(std::int64_t correlationId, std::int64_t relevantId, std::string_view message)
{
    sendResponse(correlationId, relevantId, ac::ControlResponseCode::ERROR, message);
}

void ControlSession::sendRecordingUnknown(std::int64_t correlationId, std::int64_t recordingId)
{
    sendResponse(correlationId, recordingId, ac::ControlResponseCode::RECORDING_UNKNOWN, {});
}

void ControlSession::sendSubscriptionUnknown(std::int64_t correlationId, std::int64_t relevantId)
{
    sendResponse(correlationId, relevantId, ac::ControlResponseCode::SUBSCRIPTION_UNKNOWN, {});
}

void ControlSession::sendResponse(
    std::int64_t correlationId, std::int64_t relevantId, ac::ControlResponseCode code, std::string_view message)
{
    ac::MessageHeaderEncoder header;
    ac::ControlResponseEncoder encoder;
    const std::string_view text = message.substr(0, std::min<std::size_t>(message.size(), m_scratch.size() / 2));
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .controlSessionId(m_controlSessionId)
        .correlationId(correlationId)
        .relevantId(relevantId)
        .code(code)
        .version(PROTOCOL_VERSION)
        .putErrorMessage(text);
    send(ac::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

void ControlSession::sendDescriptor(std::int64_t correlationId, const RecordingDescriptor& descriptor)
{
    ac::MessageHeaderEncoder header;
    ac::RecordingDescriptorEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .controlSessionId(m_controlSessionId)
        .correlationId(correlationId)
        .recordingId(descriptor.recordingId)
        .startTimestamp(descriptor.startTimestamp)
        .stopTimestamp(descriptor.stopTimestamp)
        .startPosition(descriptor.startPosition)
        .stopPosition(descriptor.stopPosition)
        .initialTermId(descriptor.initialTermId)
        .segmentFileLength(descriptor.segmentFileLength)
        .termBufferLength(descriptor.termBufferLength)
        .mtuLength(descriptor.mtuLength)
        .sessionId(descriptor.sessionId)
        .streamId(descriptor.streamId)
        .putStrippedChannel(descriptor.strippedChannel)
        .putOriginalChannel(descriptor.originalChannel)
        .putSourceIdentity(descriptor.sourceIdentity);
    send(ac::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

void ControlSession::sendSignal(
    std::int64_t correlationId,
    std::int64_t recordingId,
    std::int64_t subscriptionId,
    std::int64_t position,
    ac::RecordingSignal signal)
{
    ac::MessageHeaderEncoder header;
    ac::RecordingSignalEventEncoder encoder;
    encoder.wrapAndApplyHeader(m_scratch.data(), 0, m_scratch.size(), header)
        .controlSessionId(m_controlSessionId)
        .correlationId(correlationId)
        .recordingId(recordingId)
        .subscriptionId(subscriptionId)
        .position(position)
        .signal(signal);
    send(ac::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
}

void ControlSession::send(std::size_t length)
{
    if (!m_publication || m_state == State::DONE)
    {
        return;
    }
    if (m_queue.empty())
    {
        // Three tries, as Aeron, before the message waits its turn in the queue.
        for (int attempt = 0; attempt < 3; ++attempt)
        {
            if (m_publication->offer(m_scratch.data(), static_cast<std::int32_t>(length)) > 0)
            {
                m_activityDeadlineNs = m_nowNs + m_connectTimeoutNs;
                return;
            }
        }
    }
    m_queue.emplace_back(m_scratch.begin(), m_scratch.begin() + static_cast<std::ptrdiff_t>(length));
}

int ControlSession::drainQueue(std::int64_t nowNs)
{
    int sent = 0;
    while (!m_queue.empty() && m_publication)
    {
        const auto& message = m_queue.front();
        if (m_publication->offer(message.data(), static_cast<std::int32_t>(message.size())) <= 0)
        {
            break;
        }
        m_queue.pop_front();
        m_activityDeadlineNs = nowNs + m_connectTimeoutNs;
        ++sent;
    }
    return sent;
}
} // namespace cox::archive
