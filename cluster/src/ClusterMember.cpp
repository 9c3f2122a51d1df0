#include "cox/cluster/ClusterMember.hpp"

#include <array>
#include <charconv>

#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace
{
constexpr std::size_t MIN_ATTRIBUTES = 6;
constexpr std::size_t MAX_ATTRIBUTES = 8;
constexpr std::array<std::string_view, MAX_ATTRIBUTES> ATTRIBUTE_NAMES = {
    "id",
    "ingress endpoint",
    "consensus endpoint",
    "log endpoint",
    "catchup endpoint",
    "archive endpoint",
    "archive response endpoint",
    "egress response endpoint",
};

std::vector<std::string_view> split(std::string_view text, char separator)
{
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true)
    {
        const std::size_t end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos)
        {
            return parts;
        }
        start = end + 1;
    }
}

bool isHostNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_';
}

bool isIpv6Char(char c)
{
    return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' || c == '.' ||
           c == '%';
}

/// Why endpoint is not host:port, or empty if it is.
std::string checkEndpoint(std::string_view endpoint, bool allowPortZero)
{
    const std::size_t colon = endpoint.rfind(':');
    if (endpoint.empty())
    {
        return "is empty";
    }
    if (colon == std::string_view::npos)
    {
        return "has no port (expected host:port)";
    }
    const std::string_view host = endpoint.substr(0, colon);
    const std::string_view port = endpoint.substr(colon + 1);
    if (host.empty())
    {
        return "has no host (expected host:port)";
    }
    if (host.front() == '[')
    {
        if (host.size() < 3 || host.back() != ']')
        {
            return "has a malformed [IPv6] host";
        }
        for (const char c : host.substr(1, host.size() - 2))
        {
            if (!isIpv6Char(c))
            {
                return "has a malformed [IPv6] host";
            }
        }
    }
    else
    {
        for (const char c : host)
        {
            if (!isHostNameChar(c))
            {
                return c == ':' ? "has a bare IPv6 host (write it as [addr]:port)"
                                : "has an invalid character in its host";
            }
        }
    }
    std::int32_t portValue = -1;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), portValue);
    if (port.empty() || error != std::errc() || end != port.data() + port.size() || port.front() == '+' ||
        portValue < 0 || portValue > 65535)
    {
        return "has an invalid port (expected 0-65535)";
    }
    if (portValue == 0 && !allowPortZero)
    {
        return "has port 0, which only the catchup and response endpoints may use";
    }
    return {};
}

[[noreturn]] void failMember(std::size_t index, std::string_view memberText, const std::string& reason)
{
    throw util::IllegalArgumentException("cluster members: member " + std::to_string(index + 1) + " ('" +
                                         std::string(memberText) + "'): " + reason);
}

ClusterMember parseMember(std::size_t index, std::string_view memberText)
{
    if (memberText.empty())
    {
        failMember(index, memberText, "is empty (a stray '|'?)");
    }
    const std::vector<std::string_view> attributes = split(memberText, ',');
    if (attributes.size() < MIN_ATTRIBUTES)
    {
        failMember(index, memberText,
                   "missing " + std::string(ATTRIBUTE_NAMES[attributes.size()]) +
                       " (expected id,ingress,consensus,log,catchup,archive[,archiveResponse[,egressResponse]])");
    }
    if (attributes.size() > MAX_ATTRIBUTES)
    {
        failMember(index, memberText,
                   "has " + std::to_string(attributes.size()) + " fields, at most " + std::to_string(MAX_ATTRIBUTES) +
                       " allowed");
    }

    ClusterMember member;
    const std::string_view idText = attributes[0];
    const auto [end, error] = std::from_chars(idText.data(), idText.data() + idText.size(), member.id);
    if (idText.empty() || error != std::errc() || end != idText.data() + idText.size() || member.id < 0)
    {
        failMember(index, memberText, "id '" + std::string(idText) + "' is not a non-negative 32-bit integer");
    }

    std::array<std::string*, MAX_ATTRIBUTES> fields = {
        nullptr,
        &member.ingressEndpoint,
        &member.consensusEndpoint,
        &member.logEndpoint,
        &member.catchupEndpoint,
        &member.archiveEndpoint,
        &member.archiveResponseEndpoint,
        &member.egressResponseEndpoint,
    };
    for (std::size_t i = 1; i < attributes.size(); ++i)
    {
        // Catchup and response endpoints are receive-side controls where an ephemeral port is normal.
        const bool allowPortZero = i == 4 || i >= 6;
        const std::string reason = checkEndpoint(attributes[i], allowPortZero);
        if (!reason.empty())
        {
            failMember(index, memberText,
                       std::string(ATTRIBUTE_NAMES[i]) + " '" + std::string(attributes[i]) + "' " + reason);
        }
        *fields[i] = std::string(attributes[i]);
    }
    member.endpoints = std::string(memberText.substr(idText.size() + 1));
    return member;
}
} // namespace

void ClusterMember::reset() noexcept
{
    leadershipTermId = NULL_VALUE;
    logPosition = NULL_POSITION;
    candidateTermId = NULL_VALUE;
    timeOfLastAppendPositionNs = NULL_VALUE;
    catchupReplaySessionId = NULL_VALUE;
    catchupReplayCorrelationId = NULL_VALUE;
    catchupLiveAddedPosition = NULL_POSITION;
    catchupProgressPosition = NULL_POSITION;
    timeOfLastCatchupProgressNs = NULL_VALUE;
    vote = Vote::NONE;
    isBallotSent = false;
    isLeader = false;
}

bool ClusterMember::isActive(std::int64_t nowNs, std::int64_t timeoutNs) const noexcept
{
    // Aeron treats the initial value like any other timestamp; here "never heard" is never active, so a fresh
    // member cannot count towards a quorum just because the clock starts near zero (as the simulator's does).
    return timeOfLastAppendPositionNs != NULL_VALUE && nowNs - timeOfLastAppendPositionNs < timeoutNs;
}

bool ClusterMember::willVoteFor(const ClusterMember& candidate) const noexcept
{
    return logPosition != NULL_POSITION && compareLog(*this, candidate) <= 0;
}

bool ClusterMember::hasReachedPosition(std::int64_t termId, std::int64_t position, std::int64_t nowNs,
                                       std::int64_t timeoutNs) const noexcept
{
    return isActive(nowNs, timeoutNs) && leadershipTermId == termId && logPosition >= position;
}

std::vector<ClusterMember> parseClusterMembers(std::string_view value)
{
    std::vector<ClusterMember> members;
    if (value.empty())
    {
        return members;
    }
    const std::vector<std::string_view> memberTexts = split(value, '|');
    members.reserve(memberTexts.size());
    for (std::size_t i = 0; i < memberTexts.size(); ++i)
    {
        ClusterMember member = parseMember(i, memberTexts[i]);
        for (const ClusterMember& earlier : members)
        {
            if (earlier.id == member.id)
            {
                failMember(i, memberTexts[i], "duplicate member id " + std::to_string(member.id));
            }
        }
        members.push_back(std::move(member));
    }
    return members;
}

std::string encodeClusterMembers(std::span<const ClusterMember> members)
{
    std::string result;
    for (const ClusterMember& member : members)
    {
        if (!result.empty())
        {
            result += '|';
        }
        result += std::to_string(member.id);
        result += ',';
        result += member.endpoints;
    }
    return result;
}

std::string ingressEndpoints(std::span<const ClusterMember> members)
{
    std::string result;
    for (const ClusterMember& member : members)
    {
        if (!result.empty())
        {
            result += ',';
        }
        result += std::to_string(member.id);
        result += '=';
        result += member.ingressEndpoint;
    }
    return result;
}

ClusterMember* findMember(std::span<ClusterMember> members, std::int32_t memberId) noexcept
{
    for (ClusterMember& member : members)
    {
        if (member.id == memberId)
        {
            return &member;
        }
    }
    return nullptr;
}

const ClusterMember* findMember(std::span<const ClusterMember> members, std::int32_t memberId) noexcept
{
    for (const ClusterMember& member : members)
    {
        if (member.id == memberId)
        {
            return &member;
        }
    }
    return nullptr;
}

const ClusterMember& requireMember(std::span<const ClusterMember> members, std::int32_t memberId)
{
    if (const ClusterMember* member = findMember(members, memberId))
    {
        return *member;
    }
    std::string ids;
    for (const ClusterMember& member : members)
    {
        ids += (ids.empty() ? "" : ", ") + std::to_string(member.id);
    }
    throw util::IllegalArgumentException("member id " + std::to_string(memberId) +
                                         " is not in the cluster members (ids: " + (ids.empty() ? "none" : ids) + ")");
}

std::int64_t quorumPosition(std::span<const ClusterMember> members, std::int64_t leadershipTermId, std::int64_t nowNs,
                            std::int64_t timeoutNs) noexcept
{
#ifdef COX_NEGATIVE_CONTROL_COMMIT_WITHOUT_QUORUM
    // Deliberately wrong (COX_NEGATIVE_CONTROL builds only): the leader alone is a "quorum".
    const std::int32_t threshold = 1;
#else
    const std::int32_t threshold = quorumThreshold(static_cast<std::int32_t>(members.size()));
#endif
    const auto counts = [&](const ClusterMember& member)
    { return member.leadershipTermId == leadershipTermId && member.isActive(nowNs, timeoutNs); };
    // The q-th highest counted position is the largest p that at least q counted members have reached.
    std::int64_t result = 0;
    for (const ClusterMember& candidate : members)
    {
        if (!counts(candidate) || candidate.logPosition <= result)
        {
            continue;
        }
        std::int32_t reached = 0;
        for (const ClusterMember& member : members)
        {
            if (counts(member) && member.logPosition >= candidate.logPosition)
            {
                ++reached;
            }
        }
        if (reached >= threshold)
        {
            result = candidate.logPosition;
        }
    }
    return result;
}

bool hasActiveQuorum(std::span<const ClusterMember> members, std::int64_t nowNs, std::int64_t timeoutNs) noexcept
{
    std::int32_t active = 0;
    for (const ClusterMember& member : members)
    {
        if (member.isActive(nowNs, timeoutNs))
        {
            ++active;
        }
    }
    return active >= quorumThreshold(static_cast<std::int32_t>(members.size()));
}

bool hasQuorumAtPosition(std::span<const ClusterMember> members, std::int64_t leadershipTermId, std::int64_t position,
                         std::int64_t nowNs, std::int64_t timeoutNs) noexcept
{
    std::int32_t reached = 0;
    for (const ClusterMember& member : members)
    {
        if (member.hasReachedPosition(leadershipTermId, position, nowNs, timeoutNs))
        {
            ++reached;
        }
    }
    return reached >= quorumThreshold(static_cast<std::int32_t>(members.size()));
}

bool isUnanimousCandidate(std::span<const ClusterMember> members, const ClusterMember& candidate,
                          std::int32_t gracefulClosedLeaderId) noexcept
{
    std::int32_t possibleVotes = 0;
    for (const ClusterMember& member : members)
    {
        if (member.id == gracefulClosedLeaderId)
        {
            continue;
        }
        if (!member.willVoteFor(candidate))
        {
            return false;
        }
        ++possibleVotes;
    }
    return possibleVotes >= quorumThreshold(static_cast<std::int32_t>(members.size()));
}

bool isQuorumCandidate(std::span<const ClusterMember> members, const ClusterMember& candidate) noexcept
{
    std::int32_t possibleVotes = 0;
    for (const ClusterMember& member : members)
    {
        if (member.willVoteFor(candidate))
        {
            ++possibleVotes;
        }
    }
    return possibleVotes >= quorumThreshold(static_cast<std::int32_t>(members.size()));
}

bool isUnanimousLeader(std::span<const ClusterMember> members, std::int64_t candidateTermId,
                       std::int32_t gracefulClosedLeaderId) noexcept
{
    std::int32_t votes = 0;
    for (const ClusterMember& member : members)
    {
        if (member.id == gracefulClosedLeaderId)
        {
            continue;
        }
        if (member.candidateTermId != candidateTermId || member.vote != Vote::YES)
        {
            return false;
        }
        ++votes;
    }
    return votes >= quorumThreshold(static_cast<std::int32_t>(members.size()));
}

bool hasMajorityVote(std::span<const ClusterMember> members, std::int64_t candidateTermId) noexcept
{
    std::int32_t votes = 0;
    for (const ClusterMember& member : members)
    {
        if (member.candidateTermId != candidateTermId)
        {
            continue;
        }
        if (member.vote == Vote::NO)
        {
            return false;
        }
        if (member.vote == Vote::YES)
        {
            ++votes;
        }
    }
    return votes >= quorumThreshold(static_cast<std::int32_t>(members.size()));
}

int compareLog(const ClusterMember& lhs, const ClusterMember& rhs) noexcept
{
    return compareLog(lhs.leadershipTermId, lhs.logPosition, rhs.leadershipTermId, rhs.logPosition);
}

void becomeCandidate(std::span<ClusterMember> members, std::int64_t candidateTermId,
                     std::int32_t candidateMemberId) noexcept
{
    for (ClusterMember& member : members)
    {
        const bool isCandidate = member.id == candidateMemberId;
        member.vote = isCandidate ? Vote::YES : Vote::NONE;
        member.candidateTermId = isCandidate ? candidateTermId : ClusterMember::NULL_VALUE;
        member.isBallotSent = isCandidate;
    }
}

void setIsLeader(std::span<ClusterMember> members, std::int32_t leaderMemberId) noexcept
{
    for (ClusterMember& member : members)
    {
        member.isLeader = member.id == leaderMemberId;
    }
}

void resetMembers(std::span<ClusterMember> members) noexcept
{
    for (ClusterMember& member : members)
    {
        member.reset();
    }
}
} // namespace cox::cluster
