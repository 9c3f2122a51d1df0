// Client sessions on the consensus module: connect, authenticate, open, keep alive, time out and close.
#include <cstdio>
#include <iostream>

#include "consensus/ConsensusModuleAgent.hpp"

#include "cox/cluster/ClusterControl.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/Counter.hpp"
#include "cox/transport/Publication.hpp"

namespace cox::cluster
{
namespace
{
constexpr std::int32_t CLIENT_MAJOR_VERSION_SHIFT = 16;

void increment(transport::Counter& counter) noexcept
{
    counter.setOrdered(counter.get() + 1);
}

/// The authenticator's view of one pending session.
class PendingSessionProxy final : public SessionProxy
{
public:
    explicit PendingSessionProxy(ClusterSession& session) : m_session(session) {}

    [[nodiscard]] std::int64_t sessionId() const noexcept override { return m_session.id; }

    bool challenge(std::span<const std::uint8_t> encodedChallenge) override
    {
        m_session.pendingChallenge.assign(encodedChallenge.begin(), encodedChallenge.end());
        m_session.state = ClusterSession::State::CHALLENGED;
        return true;
    }

    bool authenticate(std::span<const std::uint8_t> encodedPrincipal) override
    {
        if (encodedPrincipal.size() > static_cast<std::size_t>(ClusterSession::MAX_ENCODED_PRINCIPAL_LENGTH))
        {
            m_session.state = ClusterSession::State::REJECTED;
            return false;
        }
        m_session.encodedPrincipal.assign(encodedPrincipal.begin(), encodedPrincipal.end());
        m_session.state = ClusterSession::State::AUTHENTICATED;
        return true;
    }

    void reject() override { m_session.state = ClusterSession::State::REJECTED; }

private:
    ClusterSession& m_session;
};
} // namespace

ClusterSession* ConsensusModuleAgent::findOpenSession(std::int64_t clusterSessionId) noexcept
{
    auto it = m_sessions.find(clusterSessionId);
    return it == m_sessions.end() ? nullptr : it->second.get();
}

ClusterSession* ConsensusModuleAgent::findPendingSession(std::int64_t clusterSessionId) noexcept
{
    for (auto& session : m_pendingSessions)
    {
        if (session->id == clusterSessionId)
        {
            return session.get();
        }
    }
    return nullptr;
}

void ConsensusModuleAgent::onSessionConnect(std::int64_t correlationId, std::int32_t responseStreamId,
                                            std::int32_t version, std::string_view responseChannel,
                                            std::span<const std::uint8_t> credentials)
{
    auto session = std::make_unique<ClusterSession>();
    session->id = m_nextSessionId;
    session->correlationId = correlationId;
    session->responseStreamId = responseStreamId;
    session->responseChannel = std::string(responseChannel);
    session->timeOfLastActivityNs = m_nowNs;
    session->state = ClusterSession::State::CONNECTING;

    try
    {
        // Refuse a response channel the transport cannot parse before it gets near the driver.
        static_cast<void>(transport::ChannelUri::parse(responseChannel));
    }
    catch (const std::exception& e)
    {
        increment(*m_invalidRequestCounter);
        std::cerr << "consensus-module: connect request with an invalid response channel dropped: " << e.what()
                  << std::endl;
        return;
    }

    if (m_role != Role::LEADER || m_election != nullptr)
    {
        if (m_leaderMember != nullptr && m_leaderMember != m_thisMember)
        {
            rejectSession(std::move(session), ClusterSession::Response::REDIRECT, m_ingressEndpoints);
        }
        else
        {
            rejectSession(std::move(session), ClusterSession::Response::ERROR, "no leader yet: retry");
        }
        return;
    }
    if ((version >> CLIENT_MAJOR_VERSION_SHIFT) != (ClusterClientContext::PROTOCOL_SEMANTIC_VERSION >> CLIENT_MAJOR_VERSION_SHIFT))
    {
        rejectSession(std::move(session), ClusterSession::Response::ERROR,
                      "invalid client version " + std::to_string(version >> 16) + "." +
                          std::to_string((version >> 8) & 0xFF) + "." + std::to_string(version & 0xFF) +
                          ", cluster is 0.3.0");
        return;
    }
    if (static_cast<std::int32_t>(m_sessions.size() + m_pendingSessions.size()) >= m_config.maxConcurrentSessions)
    {
        rejectSession(std::move(session), ClusterSession::Response::ERROR,
                      "concurrent session limit: " + std::to_string(m_config.maxConcurrentSessions));
        return;
    }
    ++m_nextSessionId;
    session->pendingPublicationRegistrationId =
        m_aeron->asyncAddPublication(session->responseChannel, session->responseStreamId);
    m_authenticator->onConnectRequest(session->id, credentials, m_context.epochClock->time());
    m_pendingSessions.push_back(std::move(session));
}

void ConsensusModuleAgent::rejectSession(std::unique_ptr<ClusterSession> session, ClusterSession::Response response,
                                         std::string detail)
{
    session->state = ClusterSession::State::REJECTED;
    session->response = response;
    session->responseDetail = std::move(detail);
    if (session->pendingPublicationRegistrationId < 0 && !session->responsePublication)
    {
        session->pendingPublicationRegistrationId =
            m_aeron->asyncAddPublication(session->responseChannel, session->responseStreamId);
    }
    if (response == ClusterSession::Response::ERROR)
    {
        increment(*m_invalidRequestCounter);
    }
    m_rejectedSessions.push_back(std::move(session));
}

int ConsensusModuleAgent::processRejectedSessions(std::int64_t nowNs)
{
    int work = 0;
    for (std::size_t i = 0; i < m_rejectedSessions.size();)
    {
        ClusterSession& session = *m_rejectedSessions[i];
        bool done = false;
        try
        {
            if (!session.responsePublication && session.pendingPublicationRegistrationId >= 0)
            {
                session.responsePublication = m_aeron->findPublication(session.pendingPublicationRegistrationId);
            }
        }
        catch (const std::exception& e)
        {
            std::cerr << "consensus-module: cannot answer a client on " << session.responseChannel << ": " << e.what()
                      << std::endl;
            done = true;
        }
        if (!done && session.isResponsePublicationConnected())
        {
            EventCode code = EventCode::ERROR;
            if (session.response == ClusterSession::Response::REDIRECT)
            {
                code = EventCode::REDIRECT;
            }
            else if (session.response == ClusterSession::Response::AUTHENTICATION_REJECTED)
            {
                code = EventCode::AUTHENTICATION_REJECTED;
            }
            const std::int32_t leaderId = m_leaderMember ? m_leaderMember->id : ClusterMember::NULL_MEMBER_ID;
            done = m_egressPublisher.sendEvent(*session.responsePublication, session.id, session.correlationId,
                                               m_leadershipTermId, leaderId, code, session.responseDetail);
        }
        if (!done && nowNs - session.timeOfLastActivityNs > m_sessionTimeoutNs)
        {
            done = true;
        }
        if (done)
        {
            session.closeResponsePublication();
            m_rejectedSessions.erase(m_rejectedSessions.begin() + static_cast<std::ptrdiff_t>(i));
            ++work;
        }
        else
        {
            ++i;
        }
    }
    return work;
}

int ConsensusModuleAgent::processPendingSessions(std::int64_t nowNs)
{
    int work = 0;
    const std::int64_t nowMs = m_context.epochClock->time();
    for (std::size_t i = 0; i < m_pendingSessions.size();)
    {
        ClusterSession& session = *m_pendingSessions[i];
        bool remove = false;
        try
        {
            if (!session.responsePublication)
            {
                session.responsePublication = m_aeron->findPublication(session.pendingPublicationRegistrationId);
            }
        }
        catch (const std::exception& e)
        {
            std::cerr << "consensus-module: session " << session.id << ": response channel refused: " << e.what()
                      << std::endl;
            increment(*m_invalidRequestCounter);
            remove = true;
        }

        if (!remove && session.isResponsePublicationConnected())
        {
            PendingSessionProxy proxy(session);
            if (session.state == ClusterSession::State::CONNECTING)
            {
                session.state = ClusterSession::State::CONNECTED;
                m_authenticator->onConnectedSession(proxy, nowMs);
                ++work;
            }
            else if (session.state == ClusterSession::State::CONNECTED)
            {
                m_authenticator->onConnectedSession(proxy, nowMs);
            }
            else if (session.state == ClusterSession::State::CHALLENGED)
            {
                if (!session.pendingChallenge.empty())
                {
                    if (m_egressPublisher.sendChallenge(*session.responsePublication, session.id,
                                                        session.correlationId, session.pendingChallenge))
                    {
                        session.pendingChallenge.clear();
                        ++work;
                    }
                }
                else
                {
                    m_authenticator->onChallengedSession(proxy, nowMs);
                }
            }

            if (session.state == ClusterSession::State::AUTHENTICATED)
            {
                const std::int64_t now = clusterTime(nowNs);
                const std::int64_t position = m_logPublisher.appendSessionOpen(
                    m_leadershipTermId, session.correlationId, session.id, now, session.responseStreamId,
                    session.responseChannel, session.encodedPrincipal);
                if (position > 0)
                {
                    session.state = ClusterSession::State::OPEN;
                    session.openedLogPosition = position;
                    session.timeOfLastActivityNs = nowNs;
                    session.hasOpenEventPending = true;
                    m_sessions[session.id] = std::move(m_pendingSessions[i]);
                    m_pendingSessions.erase(m_pendingSessions.begin() + static_cast<std::ptrdiff_t>(i));
                    ++work;
                    continue;
                }
            }
            else if (session.state == ClusterSession::State::REJECTED)
            {
                auto rejected = std::move(m_pendingSessions[i]);
                m_pendingSessions.erase(m_pendingSessions.begin() + static_cast<std::ptrdiff_t>(i));
                rejectSession(std::move(rejected), ClusterSession::Response::AUTHENTICATION_REJECTED,
                              "authentication rejected");
                ++work;
                continue;
            }
        }

        if (!remove && nowNs - session.timeOfLastActivityNs > m_sessionTimeoutNs)
        {
            increment(*m_timedOutClientCounter);
            remove = true;
        }
        if (remove)
        {
            session.closeResponsePublication();
            m_pendingSessions.erase(m_pendingSessions.begin() + static_cast<std::ptrdiff_t>(i));
            ++work;
        }
        else
        {
            ++i;
        }
    }
    return work;
}

int ConsensusModuleAgent::sendPendingSessionEvents()
{
    int work = 0;
    for (auto& [id, session] : m_sessions)
    {
        if (!session->responsePublication)
        {
            continue;
        }
        if (session->hasOpenEventPending &&
            m_egressPublisher.sendEvent(*session->responsePublication, session->id, session->correlationId,
                                        m_leadershipTermId, m_thisMember->id, EventCode::OK, ""))
        {
            session->hasOpenEventPending = false;
            ++work;
        }
        if (session->hasNewLeaderEventPending &&
            m_egressPublisher.newLeader(*session->responsePublication, session->id, m_leadershipTermId,
                                        m_thisMember->id, m_ingressEndpoints))
        {
            session->hasNewLeaderEventPending = false;
            session->hasLogCountEventPending = true;
            ++work;
        }
        if (session->hasLogCountEventPending && !session->hasNewLeaderEventPending)
        {
            char detail[48];
            const int length = std::snprintf(detail, sizeof(detail), "%.*s%lld",
                                             static_cast<int>(MESSAGES_IN_LOG_DETAIL_PREFIX.size()),
                                             MESSAGES_IN_LOG_DETAIL_PREFIX.data(),
                                             static_cast<long long>(session->messagesInLog));
            if (m_egressPublisher.sendEvent(*session->responsePublication, session->id, -1, m_leadershipTermId,
                                            m_thisMember->id, EventCode::OK,
                                            std::string_view(detail, static_cast<std::size_t>(length))))
            {
                session->hasLogCountEventPending = false;
                ++work;
            }
        }
    }
    return work;
}

void ConsensusModuleAgent::notifyNewLeader()
{
    for (auto& [id, session] : m_sessions)
    {
        if (!session->responsePublication && m_role == Role::LEADER)
        {
            // Sessions known from the log: this leader answers them from now on.
            session->pendingPublicationRegistrationId =
                m_aeron->asyncAddPublication(session->responseChannel, session->responseStreamId);
        }
        session->hasNewLeaderEventPending = true;
        session->timeOfLastActivityNs = m_nowNs;
    }
}

bool ConsensusModuleAgent::appendSessionClose(ClusterSession& session, CloseReason reason, std::int64_t nowNs)
{
    const std::int64_t position =
        m_logPublisher.appendSessionClose(m_leadershipTermId, session.id, clusterTime(nowNs), reason);
    if (position > 0)
    {
        session.closeReason = reason;
        session.state = ClusterSession::State::CLOSED;
        return true;
    }
    return false;
}

int ConsensusModuleAgent::checkSessions(std::int64_t nowNs)
{
    int work = 0;
    for (auto it = m_sessions.begin(); it != m_sessions.end();)
    {
        ClusterSession& session = *it->second;
        if (!session.responsePublication && session.pendingPublicationRegistrationId >= 0)
        {
            try
            {
                session.responsePublication = m_aeron->findPublication(session.pendingPublicationRegistrationId);
            }
            catch (const std::exception&)
            {
                session.pendingPublicationRegistrationId = -1;
            }
        }
        const bool timedOut = nowNs - session.timeOfLastActivityNs > m_sessionTimeoutNs;
        const bool closing = session.state == ClusterSession::State::CLOSING;
        if ((timedOut || closing) && session.state != ClusterSession::State::CLOSED)
        {
            const CloseReason reason = closing ? session.closeReason : CloseReason::TIMEOUT;
            if (appendSessionClose(session, reason, nowNs))
            {
                if (session.responsePublication)
                {
                    m_egressPublisher.sendEvent(*session.responsePublication, session.id, session.correlationId,
                                                m_leadershipTermId, m_thisMember->id, EventCode::CLOSED,
                                                reason == CloseReason::TIMEOUT ? "session inactive"
                                                                                : toString(reason));
                }
                if (reason == CloseReason::TIMEOUT)
                {
                    increment(*m_timedOutClientCounter);
                }
                session.closeResponsePublication();
                it = m_sessions.erase(it);
                ++work;
                continue;
            }
        }
        ++it;
    }
    return work;
}

void ConsensusModuleAgent::onIngressMessage(std::int64_t leadershipTermId, std::int64_t clusterSessionId,
                                            const std::uint8_t* payload, std::int32_t payloadLength)
{
    // As Aeron, a message sent in another term is dropped: the client sent it to an earlier leader (this member,
    // say, before a pause), gave it up and may have sent its retry since; appending it now would put it after that
    // retry (seed 206). The client sends again once it hears of this term.
    if (m_role != Role::LEADER || m_election != nullptr || leadershipTermId != m_leadershipTermId)
    {
        return;
    }
    ClusterSession* session = findOpenSession(clusterSessionId);
    if (session == nullptr || session->state != ClusterSession::State::OPEN)
    {
        increment(*m_invalidRequestCounter);
        if (session != nullptr && session->responsePublication)
        {
            m_egressPublisher.sendEvent(*session->responsePublication, session->id, session->correlationId,
                                        m_leadershipTermId, m_thisMember->id, EventCode::ERROR,
                                        "message on a session that is not open");
        }
        return;
    }
    const auto& publication = m_logPublisher.publication();
    if (payloadLength + LogPublisher::SESSION_HEADER_LENGTH > publication->maxMessageLength())
    {
        increment(*m_invalidRequestCounter);
        if (session->responsePublication)
        {
            m_egressPublisher.sendEvent(*session->responsePublication, session->id, session->correlationId,
                                        m_leadershipTermId, m_thisMember->id, EventCode::ERROR,
                                        "message of " + std::to_string(payloadLength) +
                                            " bytes exceeds the log's maximum of " +
                                            std::to_string(publication->maxMessageLength() -
                                                           LogPublisher::SESSION_HEADER_LENGTH));
        }
        return;
    }
    std::int64_t position = transport::PublicationResult::ADMIN_ACTION;
    for (int attempt = 0; attempt < 3 && position == transport::PublicationResult::ADMIN_ACTION; ++attempt)
    {
        position = m_logPublisher.appendMessage(m_leadershipTermId, clusterSessionId, clusterTime(m_nowNs), payload,
                                                payloadLength);
    }
    if (position > 0)
    {
        session->timeOfLastActivityNs = m_nowNs;
        ++session->messagesInLog;
        m_uncommittedSessionMessages.emplace_back(position, clusterSessionId);
    }
    else
    {
        // pollIngress checked the window first, so this is a closed log or a fault: count it, the client sees no
        // reply and its request times out rather than being applied twice.
        increment(*m_errorCounter);
        std::cerr << "consensus-module: log append failed: " << transport::PublicationResult::name(position)
                  << std::endl;
    }
}

void ConsensusModuleAgent::onSessionCloseRequest(std::int64_t leadershipTermId, std::int64_t clusterSessionId)
{
    static_cast<void>(leadershipTermId);
    if (m_role != Role::LEADER)
    {
        return;
    }
    ClusterSession* session = findOpenSession(clusterSessionId);
    if (session == nullptr)
    {
        increment(*m_invalidRequestCounter);
        return;
    }
    session->state = ClusterSession::State::CLOSING;
    session->closeReason = CloseReason::CLIENT_ACTION;
}

void ConsensusModuleAgent::onServiceCloseSession(std::int64_t clusterSessionId)
{
    ClusterSession* session = findOpenSession(clusterSessionId);
    if (session == nullptr || m_role != Role::LEADER)
    {
        // Followers hear of the close through the log the leader writes.
        return;
    }
    if (session->state == ClusterSession::State::OPEN)
    {
        session->state = ClusterSession::State::CLOSING;
        session->closeReason = CloseReason::SERVICE_ACTION;
    }
}

void ConsensusModuleAgent::onSessionKeepAlive(std::int64_t leadershipTermId, std::int64_t clusterSessionId)
{
    static_cast<void>(leadershipTermId);
    if (ClusterSession* session = findOpenSession(clusterSessionId))
    {
        session->timeOfLastActivityNs = m_nowNs;
    }
    else
    {
        increment(*m_invalidRequestCounter);
    }
}

void ConsensusModuleAgent::onChallengeResponse(std::int64_t correlationId, std::int64_t clusterSessionId,
                                               std::span<const std::uint8_t> credentials)
{
    ClusterSession* session = findPendingSession(clusterSessionId);
    if (session == nullptr || session->state != ClusterSession::State::CHALLENGED)
    {
        increment(*m_invalidRequestCounter);
        return;
    }
    // The client answers under a new correlation id and waits for the session event carrying it (as Aeron).
    session->correlationId = correlationId;
    session->timeOfLastActivityNs = m_nowNs;
    m_authenticator->onChallengeResponse(clusterSessionId, credentials, m_context.epochClock->time());
}

void ConsensusModuleAgent::onAdminRequest(std::int64_t leadershipTermId, std::int64_t clusterSessionId,
                                          std::int64_t correlationId, std::int32_t requestType)
{
    ClusterSession* session = findOpenSession(clusterSessionId);
    if (session == nullptr || !session->responsePublication || m_role != Role::LEADER ||
        leadershipTermId != m_leadershipTermId)
    {
        increment(*m_invalidRequestCounter);
        return;
    }
    const auto type = static_cast<AdminRequestType>(requestType);
    const auto respond = [&](AdminResponseCode code, const char* message)
    {
        m_egressPublisher.sendAdminResponse(*session->responsePublication, session->id, correlationId, type, code,
                                            message);
    };
    if (type != AdminRequestType::SNAPSHOT)
    {
        respond(AdminResponseCode::ERROR, "unknown admin request type");
        return;
    }
    if (!m_context.authorisationService ||
        !m_context.authorisationService(session->id, session->encodedPrincipal, requestType))
    {
        respond(AdminResponseCode::UNAUTHORISED_ACCESS, "admin requests are not authorised for this session");
        return;
    }
    // As Aeron: OK means the snapshot was submitted (the toggle set), not that it is done.
    if (m_controlToggleCounter->compareAndSet(static_cast<std::int64_t>(ToggleState::NEUTRAL),
                                              static_cast<std::int64_t>(ToggleState::SNAPSHOT)))
    {
        respond(AdminResponseCode::OK, "snapshot submitted");
    }
    else
    {
        respond(AdminResponseCode::ERROR, "another cluster action is in progress");
    }
}
} // namespace cox::cluster
