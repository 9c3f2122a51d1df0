#include "consensus/Adapters.hpp"

#include <span>

#include "consensus/ConsensusModuleAgent.hpp"
#include "cox/codecs/cluster/AdminRequest.hpp"
#include "cox/codecs/cluster/AppendPosition.hpp"
#include "cox/codecs/cluster/CancelTimer.hpp"
#include "cox/codecs/cluster/CanvassPosition.hpp"
#include "cox/codecs/cluster/CatchupPosition.hpp"
#include "cox/codecs/cluster/RequestVote.hpp"
#include "cox/codecs/cluster/SnapshotRecordingQuery.hpp"
#include "cox/codecs/cluster/SnapshotRecordings.hpp"
#include "cox/codecs/cluster/StopCatchup.hpp"
#include "cox/codecs/cluster/TerminationAck.hpp"
#include "cox/codecs/cluster/TerminationPosition.hpp"
#include "cox/codecs/cluster/Vote.hpp"
#include "cox/codecs/cluster/ChallengeResponse.hpp"
#include "cox/codecs/cluster/CloseSession.hpp"
#include "cox/codecs/cluster/ClusterActionRequest.hpp"
#include "cox/codecs/cluster/ClusterSchema.hpp"
#include "cox/codecs/cluster/CommitPosition.hpp"
#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/NewLeadershipTerm.hpp"
#include "cox/codecs/cluster/NewLeadershipTermEvent.hpp"
#include "cox/codecs/cluster/ScheduleTimer.hpp"
#include "cox/codecs/cluster/ServiceAck.hpp"
#include "cox/codecs/cluster/SessionCloseEvent.hpp"
#include "cox/codecs/cluster/SessionCloseRequest.hpp"
#include "cox/codecs/cluster/SessionConnectRequest.hpp"
#include "cox/codecs/cluster/SessionKeepAlive.hpp"
#include "cox/codecs/cluster/SessionMessageHeader.hpp"
#include "cox/codecs/cluster/SessionOpenEvent.hpp"
#include "cox/codecs/cluster/TimerEvent.hpp"

namespace cox::cluster
{
namespace cc = codecs::cluster;
using codecs::sbe::DecodeError;

namespace
{
constexpr std::int32_t SESSION_HEADER_LENGTH = 32;

std::span<const std::uint8_t> bytes(std::string_view view) noexcept
{
    return {reinterpret_cast<const std::uint8_t*>(view.data()), view.size()};
}

template <typename Decoder> bool decode(Decoder& decoder, const std::uint8_t* buffer, std::int32_t length) noexcept
{
    return decoder.wrapWithHeader(buffer, 0, static_cast<std::size_t>(length)) == DecodeError::NONE;
}

/// The template id of a message of this schema, or -1 if the header is not one.
int templateIdOf(const std::uint8_t* buffer, std::int32_t length) noexcept
{
    cc::MessageHeaderDecoder header;
    if (length < 0 || cc::checkHeader(buffer, 0, static_cast<std::size_t>(length), header) != DecodeError::NONE)
    {
        return -1;
    }
    return header.templateId();
}
} // namespace

void IngressAdapter::onMessage(ConsensusModuleAgent& agent, const std::uint8_t* buffer, std::int32_t length)
{
    switch (templateIdOf(buffer, length))
    {
    case cc::SessionMessageHeaderDecoder::TEMPLATE_ID:
    {
        cc::SessionMessageHeaderDecoder d;
        if (!decode(d, buffer, length) || length < SESSION_HEADER_LENGTH)
        {
            break;
        }
        agent.onIngressMessage(d.leadershipTermId(), d.clusterSessionId(), buffer + SESSION_HEADER_LENGTH,
                               length - SESSION_HEADER_LENGTH);
        return;
    }
    case cc::SessionConnectRequestDecoder::TEMPLATE_ID:
    {
        cc::SessionConnectRequestDecoder d;
        if (!decode(d, buffer, length))
        {
            break;
        }
        const std::int64_t correlationId = d.correlationId();
        const std::int32_t responseStreamId = d.responseStreamId();
        const std::int32_t version = d.version();
        const std::string_view channel = d.responseChannel();
        const std::string_view credentials = d.encodedCredentials();
        agent.onSessionConnect(correlationId, responseStreamId, version, channel, bytes(credentials));
        return;
    }
    case cc::SessionCloseRequestDecoder::TEMPLATE_ID:
    {
        cc::SessionCloseRequestDecoder d;
        if (!decode(d, buffer, length))
        {
            break;
        }
        agent.onSessionCloseRequest(d.leadershipTermId(), d.clusterSessionId());
        return;
    }
    case cc::SessionKeepAliveDecoder::TEMPLATE_ID:
    {
        cc::SessionKeepAliveDecoder d;
        if (!decode(d, buffer, length))
        {
            break;
        }
        agent.onSessionKeepAlive(d.leadershipTermId(), d.clusterSessionId());
        return;
    }
    case cc::ChallengeResponseDecoder::TEMPLATE_ID:
    {
        cc::ChallengeResponseDecoder d;
        if (!decode(d, buffer, length))
        {
            break;
        }
        const std::int64_t correlationId = d.correlationId();
        const std::int64_t clusterSessionId = d.clusterSessionId();
        agent.onChallengeResponse(correlationId, clusterSessionId, bytes(d.encodedCredentials()));
        return;
    }
    case cc::AdminRequestDecoder::TEMPLATE_ID:
    {
        cc::AdminRequestDecoder d;
        if (!decode(d, buffer, length))
        {
            break;
        }
        agent.onAdminRequest(d.leadershipTermId(), d.clusterSessionId(), d.correlationId(),
                             static_cast<std::int32_t>(d.requestTypeRaw()));
        return;
    }
    default:
        break;
    }
    agent.onInvalidIngress("malformed or unknown ingress message");
}

void ConsensusAdapter::onMessage(ConsensusModuleAgent& agent, const std::uint8_t* buffer, std::int32_t length)
{
    switch (templateIdOf(buffer, length))
    {
    case cc::CanvassPositionDecoder::TEMPLATE_ID:
    {
        cc::CanvassPositionDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onCanvassPosition(d.logLeadershipTermId(), d.logPosition(), d.leadershipTermId(),
                                    d.followerMemberId());
            return;
        }
        break;
    }
    case cc::NewLeadershipTermDecoder::TEMPLATE_ID:
    {
        cc::NewLeadershipTermDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onNewLeadershipTerm(ConsensusPublisher::NewLeadershipTerm{
                d.logLeadershipTermId(), d.nextLeadershipTermId(), d.nextTermBaseLogPosition(), d.nextLogPosition(),
                d.leadershipTermId(), d.termBaseLogPosition(), d.logPosition(), d.leaderRecordingId(), d.timestamp(),
                d.leaderMemberId(), d.logSessionId(), d.appVersion(), d.isStartup() == cc::BooleanType::TRUE});
            return;
        }
        break;
    }
    case cc::AppendPositionDecoder::TEMPLATE_ID:
    {
        cc::AppendPositionDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onAppendPosition(d.leadershipTermId(), d.logPosition(), d.followerMemberId());
            return;
        }
        break;
    }
    case cc::CommitPositionDecoder::TEMPLATE_ID:
    {
        cc::CommitPositionDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onCommitPosition(d.leadershipTermId(), d.logPosition(), d.leaderMemberId());
            return;
        }
        break;
    }
    case cc::RequestVoteDecoder::TEMPLATE_ID:
    {
        cc::RequestVoteDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onRequestVote(d.logLeadershipTermId(), d.logPosition(), d.candidateTermId(), d.candidateMemberId());
            return;
        }
        break;
    }
    case cc::VoteDecoder::TEMPLATE_ID:
    {
        cc::VoteDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onVote(d.candidateTermId(), d.logLeadershipTermId(), d.logPosition(), d.candidateMemberId(),
                         d.followerMemberId(), d.vote() == cc::BooleanType::TRUE);
            return;
        }
        break;
    }
    case cc::CatchupPositionDecoder::TEMPLATE_ID:
    {
        cc::CatchupPositionDecoder d;
        if (decode(d, buffer, length))
        {
            const std::int64_t leadershipTermId = d.leadershipTermId();
            const std::int64_t logPosition = d.logPosition();
            const std::int32_t followerMemberId = d.followerMemberId();
            agent.onCatchupPosition(leadershipTermId, logPosition, followerMemberId, d.catchupEndpoint());
            return;
        }
        break;
    }
    case cc::StopCatchupDecoder::TEMPLATE_ID:
    {
        cc::StopCatchupDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onStopCatchup(d.leadershipTermId(), d.followerMemberId());
            return;
        }
        break;
    }
    case cc::SnapshotRecordingQueryDecoder::TEMPLATE_ID:
    {
        cc::SnapshotRecordingQueryDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onSnapshotRecordingQuery(d.correlationId(), d.requestMemberId());
            return;
        }
        break;
    }
    case cc::SnapshotRecordingsDecoder::TEMPLATE_ID:
    {
        cc::SnapshotRecordingsDecoder d;
        if (decode(d, buffer, length))
        {
            std::vector<RecoveryPlan::Snapshot> snapshots;
            const std::int64_t correlationId = d.correlationId();
            auto& group = d.snapshots();
            while (group.hasNext())
            {
                group.next();
                snapshots.push_back({group.recordingId(), group.leadershipTermId(), group.termBaseLogPosition(),
                                     group.logPosition(), group.timestamp(), group.serviceId()});
            }
            agent.onSnapshotRecordings(correlationId, snapshots, d.memberEndpoints());
            return;
        }
        break;
    }
    case cc::TerminationPositionDecoder::TEMPLATE_ID:
    {
        cc::TerminationPositionDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onTerminationPosition(d.leadershipTermId(), d.logPosition());
            return;
        }
        break;
    }
    case cc::TerminationAckDecoder::TEMPLATE_ID:
    {
        cc::TerminationAckDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onTerminationAck(d.leadershipTermId(), d.logPosition(), d.memberId());
            return;
        }
        break;
    }
    default:
        // Backup, standby and legacy membership messages are not served.
        return;
    }
    agent.onInvalidIngress("malformed consensus message");
}

void ConsensusModuleAdapter::onMessage(ConsensusModuleAgent& agent, const std::uint8_t* buffer, std::int32_t length)
{
    switch (templateIdOf(buffer, length))
    {
    case cc::SessionMessageHeaderDecoder::TEMPLATE_ID:
    {
        cc::SessionMessageHeaderDecoder d;
        if (decode(d, buffer, length) && length >= SESSION_HEADER_LENGTH)
        {
            agent.onServiceMessage(d.clusterSessionId(), buffer + SESSION_HEADER_LENGTH,
                                   length - SESSION_HEADER_LENGTH);
            return;
        }
        break;
    }
    case cc::ScheduleTimerDecoder::TEMPLATE_ID:
    {
        cc::ScheduleTimerDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onScheduleTimer(d.correlationId(), d.deadline());
            return;
        }
        break;
    }
    case cc::CancelTimerDecoder::TEMPLATE_ID:
    {
        cc::CancelTimerDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onCancelTimer(d.correlationId());
            return;
        }
        break;
    }
    case cc::CloseSessionDecoder::TEMPLATE_ID:
    {
        cc::CloseSessionDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onServiceCloseSession(d.clusterSessionId());
            return;
        }
        break;
    }
    case cc::ServiceAckDecoder::TEMPLATE_ID:
    {
        cc::ServiceAckDecoder d;
        if (decode(d, buffer, length))
        {
            agent.onServiceAck(d.logPosition(), d.timestamp(), d.ackId(), d.relevantId(), d.serviceId());
            return;
        }
        break;
    }
    default:
        // The consensus module's own instructions to services share the control channel; not for us.
        return;
    }
    agent.onInvalidIngress("malformed service control message");
}

void LogAdapter::onMessage(ConsensusModuleAgent& agent, const std::uint8_t* buffer, std::int32_t length,
                           std::int64_t position)
{
    switch (templateIdOf(buffer, length))
    {
    case cc::SessionMessageHeaderDecoder::TEMPLATE_ID:
    {
        cc::SessionMessageHeaderDecoder d;
        if (decode(d, buffer, length))
        {
            agent.observeLogTimestamp(d.timestamp());
            agent.onLogSessionMessage(d.clusterSessionId(), d.timestamp());
            return;
        }
        break;
    }
    case cc::TimerEventDecoder::TEMPLATE_ID:
    {
        cc::TimerEventDecoder d;
        if (decode(d, buffer, length))
        {
            agent.observeLogTimestamp(d.timestamp());
            agent.onLogTimerEvent(d.correlationId());
            return;
        }
        break;
    }
    case cc::SessionOpenEventDecoder::TEMPLATE_ID:
    {
        cc::SessionOpenEventDecoder d;
        if (decode(d, buffer, length))
        {
            const std::int64_t correlationId = d.correlationId();
            const std::int64_t clusterSessionId = d.clusterSessionId();
            const std::int64_t timestamp = d.timestamp();
            const std::int32_t responseStreamId = d.responseStreamId();
            agent.observeLogTimestamp(timestamp);
            agent.onLogSessionOpen(position, correlationId, clusterSessionId, timestamp, responseStreamId,
                                   d.responseChannel());
            return;
        }
        break;
    }
    case cc::SessionCloseEventDecoder::TEMPLATE_ID:
    {
        cc::SessionCloseEventDecoder d;
        if (decode(d, buffer, length))
        {
            agent.observeLogTimestamp(d.timestamp());
            agent.onLogSessionClose(d.clusterSessionId(), static_cast<CloseReason>(d.closeReasonRaw()));
            return;
        }
        break;
    }
    case cc::NewLeadershipTermEventDecoder::TEMPLATE_ID:
    {
        cc::NewLeadershipTermEventDecoder d;
        if (decode(d, buffer, length))
        {
            agent.observeLogTimestamp(d.timestamp());
            agent.onLogNewLeadershipTermEvent(d.leadershipTermId(), d.logPosition(), d.leaderMemberId());
            return;
        }
        break;
    }
    case cc::ClusterActionRequestDecoder::TEMPLATE_ID:
    {
        cc::ClusterActionRequestDecoder d;
        if (decode(d, buffer, length))
        {
            const std::int32_t flags = d.flagsInActingVersion() ? d.flags() : 0;
            agent.observeLogTimestamp(d.timestamp());
            agent.onLogClusterAction(position, d.leadershipTermId(), d.timestamp(),
                                     static_cast<std::int32_t>(d.actionRaw()),
                                     flags == d.flagsNullValue() ? 0 : flags);
            return;
        }
        break;
    }
    default:
        break;
    }
    agent.onInvalidLogEntry("malformed or unknown log entry");
}
} // namespace cox::cluster
