#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cox/cluster/ClusterMember.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::cluster;

namespace
{
constexpr std::int64_t TIMEOUT_NS = 10'000;
constexpr std::int64_t NOW_NS = 1'000'000;

std::string memberText(int id)
{
    const std::string host = "node" + std::to_string(id);
    return std::to_string(id) + "," + host + ":20110," + host + ":20220," + host + ":20330," + host + ":0," + host +
           ":8010";
}

/// Members 0..n-1 with the given positions, all heard from just now.
std::vector<ClusterMember> membersAt(const std::vector<std::int64_t>& positions)
{
    std::vector<ClusterMember> members(positions.size());
    for (std::size_t i = 0; i < positions.size(); ++i)
    {
        members[i].id = static_cast<std::int32_t>(i);
        members[i].leadershipTermId = 3;
        members[i].logPosition = positions[i];
        members[i].timeOfLastAppendPositionNs = NOW_NS;
    }
    return members;
}

std::string parseError(const std::string& value)
{
    try
    {
        (void)parseClusterMembers(value);
    }
    catch (const cox::util::IllegalArgumentException& ex)
    {
        return ex.what();
    }
    return "no error";
}
} // namespace

TEST(ClusterMemberTest, shouldParseMembersWithAllEndpointsInOrder)
{
    const std::string value =
        memberText(0) + "|" + memberText(1) + ",node1:9000,node1:9001|" + memberText(2) + ",[::1]:9100";
    const std::vector<ClusterMember> members = parseClusterMembers(value);
    ASSERT_EQ(members.size(), 3U);
    EXPECT_EQ(members[0].id, 0);
    EXPECT_EQ(members[0].ingressEndpoint, "node0:20110");
    EXPECT_EQ(members[0].consensusEndpoint, "node0:20220");
    EXPECT_EQ(members[0].logEndpoint, "node0:20330");
    EXPECT_EQ(members[0].catchupEndpoint, "node0:0");
    EXPECT_EQ(members[0].archiveEndpoint, "node0:8010");
    EXPECT_EQ(members[0].archiveResponseEndpoint, "");
    EXPECT_EQ(members[1].archiveResponseEndpoint, "node1:9000");
    EXPECT_EQ(members[1].egressResponseEndpoint, "node1:9001");
    EXPECT_EQ(members[2].archiveResponseEndpoint, "[::1]:9100");
    EXPECT_EQ(members[1].endpoints, "node1:20110,node1:20220,node1:20330,node1:0,node1:8010,node1:9000,node1:9001");
    EXPECT_EQ(encodeClusterMembers(members), value);
    EXPECT_EQ(ingressEndpoints(members), "0=node0:20110,1=node1:20110,2=node2:20110");
    EXPECT_EQ(members[0].logPosition, ClusterMember::NULL_POSITION);
    EXPECT_EQ(members[0].vote, Vote::NONE);
}

TEST(ClusterMemberTest, shouldGiveNoMembersForEmptyString)
{
    EXPECT_TRUE(parseClusterMembers("").empty());
}

TEST(ClusterMemberTest, shouldRejectMalformedMembersWithPreciseErrors)
{
    EXPECT_EQ(parseError(memberText(0) + "|" + memberText(0)),
              "cluster members: member 2 ('" + memberText(0) + "'): duplicate member id 0");
    EXPECT_EQ(parseError("0,a:1,b:2,c:3,d:0"),
              "cluster members: member 1 ('0,a:1,b:2,c:3,d:0'): missing archive endpoint (expected "
              "id,ingress,consensus,log,catchup,archive[,archiveResponse[,egressResponse]])");
    EXPECT_NE(parseError(memberText(0) + ",a:1,b:2,c:3").find("has 9 fields, at most 8 allowed"), std::string::npos);
    EXPECT_NE(parseError("x,a:1,b:2,c:3,d:0,e:5").find("id 'x' is not a non-negative 32-bit integer"),
              std::string::npos);
    EXPECT_NE(parseError("-1,a:1,b:2,c:3,d:0,e:5").find("id '-1'"), std::string::npos);
    EXPECT_NE(parseError("0,a:1,b,c:3,d:0,e:5").find("consensus endpoint 'b' has no port"), std::string::npos);
    EXPECT_NE(parseError("0,a:1,b:2,c:70000,d:0,e:5").find("log endpoint 'c:70000' has an invalid port"),
              std::string::npos);
    EXPECT_NE(parseError("0,a:0,b:2,c:3,d:0,e:5").find("ingress endpoint 'a:0' has port 0"), std::string::npos);
    EXPECT_NE(parseError("0,:1,b:2,c:3,d:0,e:5").find("ingress endpoint ':1' has no host"), std::string::npos);
    EXPECT_NE(parseError("0,a:1,b:2,c:3,d:0,::1:5").find("bare IPv6"), std::string::npos);
    EXPECT_NE(parseError("0,a:1,b:2,c:3,d:0,h o:5").find("invalid character"), std::string::npos);
    EXPECT_NE(parseError(memberText(0) + "|").find("member 2 (''): is empty"), std::string::npos);
}

TEST(ClusterMemberTest, shouldFindOrRequireMemberById)
{
    const std::vector<ClusterMember> members = parseClusterMembers(memberText(0) + "|" + memberText(4));
    ASSERT_NE(findMember(std::span<const ClusterMember>(members), 4), nullptr);
    EXPECT_EQ(findMember(std::span<const ClusterMember>(members), 4)->ingressEndpoint, "node4:20110");
    EXPECT_EQ(findMember(std::span<const ClusterMember>(members), 1), nullptr);
    EXPECT_EQ(requireMember(members, 0).id, 0);
    try
    {
        (void)requireMember(members, 3);
        FAIL() << "expected an exception";
    }
    catch (const cox::util::IllegalArgumentException& ex)
    {
        EXPECT_STREQ(ex.what(), "member id 3 is not in the cluster members (ids: 0, 4)");
    }
}

TEST(ClusterMemberTest, shouldComputeQuorumThreshold)
{
    EXPECT_EQ(quorumThreshold(1), 1);
    EXPECT_EQ(quorumThreshold(2), 2);
    EXPECT_EQ(quorumThreshold(3), 2);
    EXPECT_EQ(quorumThreshold(4), 3);
    EXPECT_EQ(quorumThreshold(5), 3);
    EXPECT_EQ(quorumThreshold(7), 4);
}

TEST(ClusterMemberTest, shouldComputeQuorumPositionForOneMember)
{
    auto members = membersAt({640});
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 640);
    members[0].timeOfLastAppendPositionNs = NOW_NS - TIMEOUT_NS;
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 0);
}

TEST(ClusterMemberTest, shouldComputeQuorumPositionForTwoMembersAsTheLower)
{
    auto members = membersAt({1024, 512});
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 512);
    members[1].timeOfLastAppendPositionNs = NOW_NS - TIMEOUT_NS - 1;
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 0) << "a 2-node cluster needs both";
}

TEST(ClusterMemberTest, shouldComputeQuorumPositionForThreeMembersAsTheMedian)
{
    auto members = membersAt({300, 100, 200});
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 200);

    // The member at 200 goes stale: the quorum of the remaining active members is {300, 100} -> 100.
    members[2].timeOfLastAppendPositionNs = NOW_NS - TIMEOUT_NS;
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 100);

    // Just inside the timeout it still counts.
    members[2].timeOfLastAppendPositionNs = NOW_NS - TIMEOUT_NS + 1;
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 200);

    // Never heard from counts as stale.
    members[2].timeOfLastAppendPositionNs = ClusterMember::NULL_VALUE;
    members[1].timeOfLastAppendPositionNs = ClusterMember::NULL_VALUE;
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 0);
}

TEST(ClusterMemberTest, shouldNotCountAPositionReportedInAnotherTerm)
{
    // The sim's seed 1904: an old leader canvassed with its uncommitted tail (23040 in an older term) before
    // truncating it; with the new leader at 23040 that made a "quorum" of one position in two different logs.
    auto members = membersAt({23040, 22944, 23040});
    members[2].leadershipTermId = 2;
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 22944);
    members[2].leadershipTermId = 3;
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 23040);
}

TEST(ClusterMemberTest, shouldComputeQuorumPositionForFiveMembersWithStaleMembers)
{
    auto members = membersAt({500, 100, 400, 200, 300});
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 300);

    // A stale member far ahead must not lift the commit: only active members count.
    members[0].timeOfLastAppendPositionNs = 0;
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 200);

    members[2].timeOfLastAppendPositionNs = 0;
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 100);

    members[1].timeOfLastAppendPositionNs = 0;
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 0) << "fewer than a quorum active";
    EXPECT_FALSE(hasActiveQuorum(members, NOW_NS, TIMEOUT_NS));
}

TEST(ClusterMemberTest, shouldHandleEqualAndUnreportedPositionsInQuorumPosition)
{
    auto members = membersAt({700, 700, ClusterMember::NULL_POSITION, 100, 700});
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 700);
    members[4].logPosition = 100;
    EXPECT_EQ(quorumPosition(members, 3, NOW_NS, TIMEOUT_NS), 100);
}

TEST(ClusterMemberTest, shouldDetectActiveQuorumAndQuorumAtPosition)
{
    auto members = membersAt({100, 200, 300});
    EXPECT_TRUE(hasActiveQuorum(members, NOW_NS, TIMEOUT_NS));
    members[0].timeOfLastAppendPositionNs = 0;
    EXPECT_TRUE(hasActiveQuorum(members, NOW_NS, TIMEOUT_NS));
    members[1].timeOfLastAppendPositionNs = 0;
    EXPECT_FALSE(hasActiveQuorum(members, NOW_NS, TIMEOUT_NS));

    members = membersAt({100, 200, 300});
    EXPECT_TRUE(hasQuorumAtPosition(members, 3, 200, NOW_NS, TIMEOUT_NS));
    EXPECT_FALSE(hasQuorumAtPosition(members, 3, 201, NOW_NS, TIMEOUT_NS));
    members[2].leadershipTermId = 4;
    EXPECT_FALSE(hasQuorumAtPosition(members, 3, 200, NOW_NS, TIMEOUT_NS)) << "other term does not count";
}

TEST(ClusterMemberTest, shouldCompareLogByTermThenPosition)
{
    EXPECT_GT(compareLog(2, 0, 1, 1'000), 0);
    EXPECT_LT(compareLog(1, 1'000, 2, 0), 0);
    EXPECT_GT(compareLog(2, 64, 2, 32), 0);
    EXPECT_LT(compareLog(2, 32, 2, 64), 0);
    EXPECT_EQ(compareLog(2, 64, 2, 64), 0);
    static_assert(compareLog(1, 0, 0, 99) > 0);
}

TEST(ClusterMemberTest, shouldBeUnanimousCandidateOnlyWhenNoOneIsAhead)
{
    auto members = membersAt({300, 200, 300});
    EXPECT_TRUE(isUnanimousCandidate(members, members[0], ClusterMember::NULL_MEMBER_ID));
    EXPECT_FALSE(isUnanimousCandidate(members, members[1], ClusterMember::NULL_MEMBER_ID));
    EXPECT_FALSE(isQuorumCandidate(members, members[1]));

    // A member that has not reported yet blocks unanimity but not a quorum.
    members[2].logPosition = ClusterMember::NULL_POSITION;
    EXPECT_FALSE(isUnanimousCandidate(members, members[0], ClusterMember::NULL_MEMBER_ID));
    EXPECT_TRUE(isQuorumCandidate(members, members[0]));
    // ... unless it is the gracefully closed leader, which unanimity leaves out.
    EXPECT_TRUE(isUnanimousCandidate(members, members[0], 2));

    // A higher term beats a longer log.
    members = membersAt({300, 200, 100});
    members[2].leadershipTermId = 4;
    EXPECT_FALSE(isUnanimousCandidate(members, members[0], ClusterMember::NULL_MEMBER_ID));
    EXPECT_TRUE(isQuorumCandidate(members, members[0]));
    EXPECT_TRUE(isUnanimousCandidate(members, members[2], ClusterMember::NULL_MEMBER_ID));
}

TEST(ClusterMemberTest, shouldNeedQuorumForUnanimousCandidateWhenLeaderClosedInTwoNodeCluster)
{
    auto members = membersAt({300, 300});
    EXPECT_TRUE(isUnanimousCandidate(members, members[0], ClusterMember::NULL_MEMBER_ID));
    EXPECT_FALSE(isUnanimousCandidate(members, members[0], 1)) << "one of two is not a quorum";
}

TEST(ClusterMemberTest, shouldCountVotesForUnanimousAndMajorityLeader)
{
    auto members = membersAt({0, 0, 0, 0, 0});
    becomeCandidate(members, 7, 2);
    EXPECT_EQ(members[2].vote, Vote::YES);
    EXPECT_EQ(members[2].candidateTermId, 7);
    EXPECT_TRUE(members[2].isBallotSent);
    EXPECT_EQ(members[0].vote, Vote::NONE);
    EXPECT_EQ(members[0].candidateTermId, ClusterMember::NULL_VALUE);
    EXPECT_FALSE(hasMajorityVote(members, 7));

    members[0].candidateTermId = 7;
    members[0].vote = Vote::YES;
    EXPECT_FALSE(hasMajorityVote(members, 7));
    members[4].candidateTermId = 7;
    members[4].vote = Vote::YES;
    EXPECT_TRUE(hasMajorityVote(members, 7));
    EXPECT_FALSE(isUnanimousLeader(members, 7, ClusterMember::NULL_MEMBER_ID));

    // A NO in this term vetoes the majority; a NO from another term does not.
    members[1].candidateTermId = 6;
    members[1].vote = Vote::NO;
    EXPECT_TRUE(hasMajorityVote(members, 7));
    members[1].candidateTermId = 7;
    EXPECT_FALSE(hasMajorityVote(members, 7));

    for (auto& member : members)
    {
        member.candidateTermId = 7;
        member.vote = Vote::YES;
    }
    EXPECT_TRUE(isUnanimousLeader(members, 7, ClusterMember::NULL_MEMBER_ID));
    members[3].vote = Vote::NONE;
    EXPECT_FALSE(isUnanimousLeader(members, 7, ClusterMember::NULL_MEMBER_ID));
    EXPECT_TRUE(isUnanimousLeader(members, 7, 3));
    EXPECT_FALSE(isUnanimousLeader(members, 8, 3));
}

TEST(ClusterMemberTest, shouldSetLeaderAndResetState)
{
    auto members = membersAt({10, 20, 30});
    setIsLeader(members, 1);
    EXPECT_FALSE(members[0].isLeader);
    EXPECT_TRUE(members[1].isLeader);
    members[1].vote = Vote::YES;
    resetMembers(members);
    EXPECT_FALSE(members[1].isLeader);
    EXPECT_EQ(members[1].vote, Vote::NONE);
    EXPECT_EQ(members[1].logPosition, ClusterMember::NULL_POSITION);
    EXPECT_EQ(members[1].timeOfLastAppendPositionNs, ClusterMember::NULL_VALUE);
    EXPECT_EQ(members[1].id, 1);
}
