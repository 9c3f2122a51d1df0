#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cox/cluster/service/ClusteredService.hpp"

namespace cox::transport
{
class Publication;
}

namespace cox::cluster
{
/// A client session as the consensus module tracks it (Aeron's ClusterSession). On the leader it owns the
/// response publication; followers keep the same record (from the log) without one.
struct ClusterSession
{
    enum class State : std::int8_t
    {
        INIT,
        CONNECTING,
        CONNECTED,
        CHALLENGED,
        AUTHENTICATED,
        REJECTED,
        OPEN,
        CLOSING,
        INVALID,
        CLOSED,
    };

    /// Why a pending session is answered and dropped rather than opened.
    enum class Response : std::int8_t
    {
        NONE,
        REDIRECT,
        ERROR,
        AUTHENTICATION_REJECTED,
    };

    static constexpr std::int32_t MAX_ENCODED_PRINCIPAL_LENGTH = 4 * 1024;

    std::int64_t id = 0;
    std::int64_t correlationId = 0;
    std::int64_t openedLogPosition = -1;
    std::int64_t timeOfLastActivityNs = 0;
    std::int64_t pendingPublicationRegistrationId = -1;
    std::int32_t responseStreamId = 0;
    std::string responseChannel;
    std::vector<std::uint8_t> encodedPrincipal;
    std::vector<std::uint8_t> pendingChallenge;
    std::shared_ptr<transport::Publication> responsePublication;
    State state = State::INIT;
    Response response = Response::NONE;
    std::string responseDetail;
    CloseReason closeReason = CloseReason::CLIENT_ACTION;
    /// This session's messages in this member's log (appended as leader, or read from the log), so a new leader
    /// can tell the client which of its messages survived the failover.
    std::int64_t messagesInLog = 0;
    /// The failover outcome ("messages-in-log=") still has to follow the NewLeaderEvent.
    bool hasLogCountEventPending = false;
    /// The SessionEvent OK still has to reach the client after the open was appended.
    bool hasOpenEventPending = false;
    /// A NewLeaderEvent still has to reach the client.
    bool hasNewLeaderEventPending = false;

    [[nodiscard]] bool isResponsePublicationConnected() const noexcept;
    void closeResponsePublication();
};

[[nodiscard]] const char* toString(ClusterSession::State state) noexcept;
} // namespace cox::cluster
