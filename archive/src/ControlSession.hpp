#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cox/codecs/archive/ArchiveCodecs.hpp"
#include "cox/transport/ExclusivePublication.hpp"

namespace cox::archive
{
struct RecordingDescriptor;

/// One client's session with the archive (Aeron's ControlSession): its response publication, its
/// state from connect to close, and the encoding of everything sent to it (responses, recording
/// descriptors, recording signals). Responses go out in order; when the publication is back
/// pressured they queue and are retried, and a session that cannot send for the connect timeout
/// becomes inactive. Conductor thread only.
class ControlSession
{
public:
    enum class State
    {
        INIT,          ///< waiting for the response publication
        CONNECTED,     ///< publication exists; the connect OK is being sent
        AUTHENTICATED, ///< OK sent; waiting for the first request to activate
        ACTIVE,
        REJECTED,      ///< bad client version: ERROR is being sent until the deadline
        INACTIVE,
        DONE,
    };

    ControlSession(
        std::int64_t controlSessionId,
        std::int64_t connectCorrelationId,
        std::int64_t responsePublicationRegistrationId,
        std::string responseChannel,
        std::int32_t responseStreamId,
        bool isVersionValid,
        std::int64_t connectTimeoutNs,
        std::int64_t livenessIntervalNs,
        std::int64_t nowNs);

    /// Advances the state machine; findPublication resolves the async response publication.
    template <typename FindPublication>
    int doWork(std::int64_t nowNs, FindPublication&& findPublication)
    {
        if (m_state == State::INIT)
        {
            if (auto publication = findPublication(m_responsePublicationRegistrationId))
            {
                m_publication = std::move(publication);
                m_state = m_isVersionValid ? State::CONNECTED : State::REJECTED;
                m_activityDeadlineNs = nowNs + m_connectTimeoutNs;
            }
            else if (nowNs > m_activityDeadlineNs)
            {
                m_state = State::INACTIVE;
            }
            return 1;
        }
        return doWorkConnected(nowNs);
    }

    /// Any request but connect: the first one activates an authenticated session (Aeron's rule).
    /// Returns false if the session may not take requests (not active).
    bool onRequest(std::int64_t nowNs);
    /// The archive did not run for stallNs (the process was stopped): the client could not keep the session alive
    /// meanwhile, so its deadline moves on by as much.
    void onConductorStall(std::int64_t stallNs) noexcept { m_activityDeadlineNs += stallNs; }
    void abort() noexcept { m_state = State::INACTIVE; }

    // ---- responses (queued if the publication is back pressured) ----
    void sendOk(std::int64_t correlationId, std::int64_t relevantId);
    void sendError(std::int64_t correlationId, std::int64_t relevantId, std::string_view message);
    void sendRecordingUnknown(std::int64_t correlationId, std::int64_t recordingId);
    void sendSubscriptionUnknown(std::int64_t correlationId, std::int64_t relevantId);
    void sendDescriptor(std::int64_t correlationId, const RecordingDescriptor& descriptor);
    void sendSignal(
        std::int64_t correlationId,
        std::int64_t recordingId,
        std::int64_t subscriptionId,
        std::int64_t position,
        codecs::archive::RecordingSignal signal);

    [[nodiscard]] State state() const noexcept { return m_state; }
    [[nodiscard]] bool isDone() const noexcept { return m_state == State::DONE; }
    [[nodiscard]] std::int64_t controlSessionId() const noexcept { return m_controlSessionId; }
    void close();

private:
    int doWorkConnected(std::int64_t nowNs);
    void sendResponse(std::int64_t correlationId, std::int64_t relevantId, codecs::archive::ControlResponseCode code,
                      std::string_view message);
    /// Offers the encoded message in m_scratch[0, length), or queues it behind earlier ones.
    void send(std::size_t length);
    int drainQueue(std::int64_t nowNs);

    std::int64_t m_controlSessionId;
    std::int64_t m_connectCorrelationId;
    std::int64_t m_responsePublicationRegistrationId;
    std::string m_responseChannel;
    std::int32_t m_responseStreamId;
    bool m_isVersionValid;
    std::int64_t m_connectTimeoutNs;
    std::int64_t m_livenessIntervalNs;
    std::int64_t m_activityDeadlineNs;
    std::int64_t m_nextResendNs = 0;
    std::int64_t m_nextLivenessNs = 0;
    std::int64_t m_nowNs = 0;
    State m_state = State::INIT;
    std::shared_ptr<transport::ExclusivePublication> m_publication;
    std::vector<std::uint8_t> m_scratch;
    std::deque<std::vector<std::uint8_t>> m_queue;
};
} // namespace cox::archive
