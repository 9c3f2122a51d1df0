// Messages stamped with a leadership term other than the member's own: a leader drops such ingress, and a follower
// takes only its own term's commit positions as signs of a live leader, entering an election on a newer term's.
// Each was found by the simulator (seeds 206, 882 and 996); these tests inject the stale or foreign message directly.
#include <algorithm>
#include <array>
#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ClusterTestSupport.hpp"
#include "cox/codecs/cluster/ClusterCodecs.hpp"
#include "cox/transport/ExclusivePublication.hpp"

using namespace std::chrono_literals;

namespace cox::cluster::test
{
namespace
{
namespace cc = codecs::cluster;

constexpr std::int32_t CONSENSUS_STREAM_ID = 108;

bool received(TestService& service, const std::string& payload)
{
    return std::find(service.payloads.begin(), service.payloads.end(), payload) != service.payloads.end();
}

/// Offers payload on the client's ingress publication behind a session header stamped with leadershipTermId, as a
/// client that last heard of that term would.
bool offerInTerm(TestCluster& cluster, ClusterClient& client, std::int64_t leadershipTermId,
                 const std::string& payload)
{
    std::array<std::uint8_t, 256> buffer{};
    cc::MessageHeaderEncoder header;
    cc::SessionMessageHeaderEncoder encoder;
    encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
        .leadershipTermId(leadershipTermId)
        .clusterSessionId(client.clusterSessionId())
        .timestamp(0);
    const auto headerLength = static_cast<std::size_t>(ClusterClient::SESSION_HEADER_LENGTH);
    std::copy(payload.begin(), payload.end(), buffer.begin() + static_cast<std::ptrdiff_t>(headerLength));
    const auto length = static_cast<std::int32_t>(headerLength + payload.size());
    return cluster.awaitCondition([&] { return client.ingressPublication().offer(buffer.data(), length) > 0; }, 10s,
                                  "the ingress publication to take the message");
}

/// Stands in for a leader on the consensus channel of members: sends them CommitPosition messages.
class CommitPositionSender
{
public:
    CommitPositionSender(TestCluster& cluster, std::initializer_list<int> members)
    {
        for (const int member : members)
        {
            const std::string channel =
                "aeron:udp?endpoint=localhost:" + std::to_string(cluster.basePort() + member * 10 + 1);
            m_publications.push_back(cluster.clientAeron().addExclusivePublication(channel, CONSENSUS_STREAM_ID));
        }
    }

    /// Offers to every member whose consensus subscription has connected; the number that took it.
    int send(std::int64_t leadershipTermId, std::int64_t logPosition, std::int32_t leaderMemberId)
    {
        std::array<std::uint8_t, 64> buffer{};
        cc::MessageHeaderEncoder header;
        cc::CommitPositionEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .leadershipTermId(leadershipTermId)
            .logPosition(logPosition)
            .leaderMemberId(leaderMemberId);
        const auto length =
            static_cast<std::int32_t>(cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
        int sent = 0;
        for (const auto& publication : m_publications)
        {
            sent += publication->offer(buffer.data(), length) > 0 ? 1 : 0;
        }
        return sent;
    }

    [[nodiscard]] int memberCount() const noexcept { return static_cast<int>(m_publications.size()); }

private:
    std::vector<std::shared_ptr<transport::ExclusivePublication>> m_publications;
};

std::int64_t electionCount(TestCluster& cluster, int member)
{
    return cluster.counter(member, ClusterCounters::ELECTION_COUNT_TYPE_ID);
}

std::int64_t leadershipTermId(TestCluster& cluster, int member)
{
    return cluster.counter(member, ClusterCounters::LEADERSHIP_TERM_ID_TYPE_ID);
}
} // namespace

TEST(ClusterLeadershipTermCheckTest, shouldDropIngressMessageStampedWithAnotherTermThanTheLeaders)
{
    TestCluster::Options options;
    options.portOffset = 1310;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    const std::int64_t term = client->leadershipTermId();
    ASSERT_EQ(term, leadershipTermId(cluster, 0));

    ASSERT_TRUE(offerInTerm(cluster, *client, term - 1, "from-an-earlier-term"));
    ASSERT_TRUE(offerInTerm(cluster, *client, term + 1, "from-a-later-term"));
    ASSERT_TRUE(offerInTerm(cluster, *client, term, "from-this-term"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return received(cluster.service(0), "from-this-term"); }, 10s,
                                       "the message of the leader's own term"));
    cluster.pollFor(200ms);

    EXPECT_FALSE(received(cluster.service(0), "from-an-earlier-term"));
    EXPECT_FALSE(received(cluster.service(0), "from-a-later-term"));
    EXPECT_EQ(1U, cluster.service(0).payloads.size());
}

TEST(ClusterLeadershipTermCheckTest, shouldEnterAnElectionWhenAFollowerHearsACommitPositionFromANewerTerm)
{
    TestCluster::Options options;
    options.memberCount = 3;
    options.portOffset = 1340;
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    ASSERT_TRUE(cluster.awaitCondition([&] { return cluster.role(1) == Role::FOLLOWER; }, 20s, "member 1 to follow"));
    cluster.pollFor(200ms);
    const std::int64_t term = leadershipTermId(cluster, 1);
    const std::int64_t electionsBefore = electionCount(cluster, 1);
    CommitPositionSender sender(cluster, {1});

    // Its own term's commit position changes nothing.
    ASSERT_TRUE(cluster.awaitCondition([&] { return sender.send(term, 0, 0) == 1; }, 10s, "a same-term commit"));
    cluster.pollFor(300ms);
    ASSERT_EQ(electionsBefore, electionCount(cluster, 1)) << "a same-term commit position started an election";

    ASSERT_TRUE(cluster.awaitCondition([&] { return sender.send(term + 1, 0, 0) == 1; }, 10s, "a newer-term commit"));
    EXPECT_TRUE(cluster.awaitCondition([&] { return electionCount(cluster, 1) > electionsBefore; }, 5s,
                                       "member 1 to enter an election"));
}

TEST(ClusterLeadershipTermCheckTest, shouldNotTakeACommitPositionFromAnotherTermAsTheLeaderBeingAlive)
{
    TestCluster cluster(automatic(3, 1370));
    cluster.startAll();
    const int leader = cluster.awaitAnyLeader();
    ASSERT_GE(leader, 0);
    const std::int64_t term = leadershipTermId(cluster, leader);
    std::vector<int> followers;
    for (int member = 0; member < 3; ++member)
    {
        if (member != leader)
        {
            followers.push_back(member);
        }
    }
    CommitPositionSender sender(cluster, {followers[0], followers[1]});
    ASSERT_TRUE(cluster.awaitCondition([&] { return sender.send(term - 1, 0, leader) == 2; }, 10s,
                                       "both followers to hear the sender"));

    // The leader stops; all the followers hear is an earlier term's commit positions, often enough that they
    // would keep a leader alive if they counted.
    cluster.pause(leader);
    int newLeader = -1;
    auto lastSent = std::chrono::steady_clock::now();
    const bool elected = cluster.awaitCondition(
        [&]
        {
            if (std::chrono::steady_clock::now() - lastSent > 50ms)
            {
                static_cast<void>(sender.send(term - 1, 0, leader));
                lastSent = std::chrono::steady_clock::now();
            }
            newLeader = cluster.findLeader(leader);
            return newLeader >= 0;
        },
        5s, "a new leader while the old one is paused");
    EXPECT_TRUE(elected) << "the followers took the other term's commit positions for a live leader";
    if (elected)
    {
        EXPECT_GT(leadershipTermId(cluster, newLeader), term);
    }
    cluster.resume(leader);
}
} // namespace cox::cluster::test
