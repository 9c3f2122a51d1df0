#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <set>
#include <string>

#include "cox/cluster/ClusterCounters.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/CountersDescriptor.hpp"
#include "cox/util/CountersManager.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::cluster;
namespace cd = cox::util::CountersDescriptor;

namespace
{
class ClusterCountersTest : public ::testing::Test
{
protected:
    static constexpr std::int32_t MAX_COUNTERS = 64;

    alignas(64) std::array<std::uint8_t, MAX_COUNTERS * cd::METADATA_LENGTH> m_metadata{};
    alignas(64) std::array<std::uint8_t, MAX_COUNTERS * cd::COUNTER_LENGTH> m_values{};
    cox::util::ManualEpochClock m_clock{0};
    cox::util::CountersManager m_counters{cox::util::AtomicBuffer(m_metadata.data(), m_metadata.size()),
                                          cox::util::AtomicBuffer(m_values.data(), m_values.size()), m_clock, 0};

    std::int32_t keyClusterId(std::int32_t counterId) const
    {
        std::int32_t clusterId = -1;
        std::memcpy(&clusterId, m_counters.getCounterKey(counterId).data() + ClusterCounters::CLUSTER_ID_OFFSET,
                    sizeof(clusterId));
        return clusterId;
    }
};
} // namespace

TEST_F(ClusterCountersTest, shouldUseAeronTypeIds)
{
    EXPECT_EQ(ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID, 200);
    EXPECT_EQ(ClusterCounters::NODE_ROLE_TYPE_ID, 201);
    EXPECT_EQ(ClusterCounters::CONTROL_TOGGLE_TYPE_ID, 202);
    EXPECT_EQ(ClusterCounters::COMMIT_POSITION_TYPE_ID, 203);
    EXPECT_EQ(ClusterCounters::RECOVERY_STATE_TYPE_ID, 204);
    EXPECT_EQ(ClusterCounters::SNAPSHOT_COUNTER_TYPE_ID, 205);
    EXPECT_EQ(ClusterCounters::ELECTION_STATE_TYPE_ID, 207);
    EXPECT_EQ(ClusterCounters::CONSENSUS_MODULE_ERROR_COUNT_TYPE_ID, 212);
    EXPECT_EQ(ClusterCounters::CLUSTER_CLIENT_TIMEOUT_COUNT_TYPE_ID, 213);
    EXPECT_EQ(ClusterCounters::CLUSTERED_SERVICE_ERROR_COUNT_TYPE_ID, 215);
    EXPECT_EQ(ClusterCounters::NODE_CONTROL_TOGGLE_TYPE_ID, 233);
    EXPECT_EQ(ClusterCounters::ELECTION_COUNT_TYPE_ID, 238);
    EXPECT_EQ(ClusterCounters::LEADERSHIP_TERM_ID_TYPE_ID, 239);
}

TEST_F(ClusterCountersTest, shouldNameEnumValuesWithAeronCodes)
{
    EXPECT_EQ(static_cast<int>(ConsensusModuleState::CLOSED), 6);
    EXPECT_EQ(toString(ConsensusModuleState::SUSPENDED), "SUSPENDED");
    EXPECT_EQ(static_cast<int>(Role::LEADER), 2);
    EXPECT_EQ(toString(Role::CANDIDATE), "CANDIDATE");

    const std::array<std::string_view, 18> electionNames = {
        "INIT",
        "CANVASS",
        "NOMINATE",
        "CANDIDATE_BALLOT",
        "FOLLOWER_BALLOT",
        "LEADER_LOG_REPLICATION",
        "LEADER_REPLAY",
        "LEADER_INIT",
        "LEADER_READY",
        "FOLLOWER_LOG_REPLICATION",
        "FOLLOWER_REPLAY",
        "FOLLOWER_CATCHUP_INIT",
        "FOLLOWER_CATCHUP_AWAIT",
        "FOLLOWER_CATCHUP",
        "FOLLOWER_LOG_INIT",
        "FOLLOWER_LOG_AWAIT",
        "FOLLOWER_READY",
        "CLOSED",
    };
    for (std::int64_t code = 0; code < 18; ++code)
    {
        const auto state = electionStateFromCode(code);
        ASSERT_TRUE(state.has_value());
        EXPECT_EQ(static_cast<std::int64_t>(*state), code);
        EXPECT_EQ(toString(*state), electionNames[static_cast<std::size_t>(code)]);
    }
    EXPECT_EQ(static_cast<int>(ElectionState::FOLLOWER_CATCHUP_AWAIT), 12);
    EXPECT_FALSE(electionStateFromCode(18).has_value());
    EXPECT_FALSE(electionStateFromCode(-1).has_value());
    EXPECT_FALSE(roleFromCode(3).has_value());
    EXPECT_EQ(roleFromCode(1), Role::CANDIDATE);
    EXPECT_EQ(consensusModuleStateFromCode(5), ConsensusModuleState::TERMINATING);
    EXPECT_FALSE(consensusModuleStateFromCode(7).has_value());
    EXPECT_EQ(toString(static_cast<ElectionState>(40)), "UNKNOWN");
}

TEST_F(ClusterCountersTest, shouldAllocateWithClusterIdKeyAndLabel)
{
    const std::int32_t id =
        ClusterCounters::allocate(m_counters, "Cluster commit-pos:", ClusterCounters::COMMIT_POSITION_TYPE_ID, 42);
    EXPECT_EQ(m_counters.getCounterTypeId(id), 203);
    EXPECT_EQ(m_counters.getCounterLabel(id), "Cluster commit-pos: - clusterId=42");
    EXPECT_EQ(keyClusterId(id), 42);
}

TEST_F(ClusterCountersTest, shouldFindCounterByTypeAndClusterId)
{
    const std::int32_t role0 =
        ClusterCounters::allocate(m_counters, "Cluster node role", ClusterCounters::NODE_ROLE_TYPE_ID, 0);
    const std::int32_t role1 =
        ClusterCounters::allocate(m_counters, "Cluster node role", ClusterCounters::NODE_ROLE_TYPE_ID, 1);
    const std::int32_t commit1 =
        ClusterCounters::allocate(m_counters, "Cluster commit-pos:", ClusterCounters::COMMIT_POSITION_TYPE_ID, 1);
    EXPECT_EQ(ClusterCounters::find(m_counters, ClusterCounters::NODE_ROLE_TYPE_ID, 0), role0);
    EXPECT_EQ(ClusterCounters::find(m_counters, ClusterCounters::NODE_ROLE_TYPE_ID, 1), role1);
    EXPECT_EQ(ClusterCounters::find(m_counters, ClusterCounters::COMMIT_POSITION_TYPE_ID, 1), commit1);
    EXPECT_EQ(ClusterCounters::find(m_counters, ClusterCounters::COMMIT_POSITION_TYPE_ID, 0),
              ClusterCounters::NULL_COUNTER_ID);
    m_counters.free(role0);
    EXPECT_EQ(ClusterCounters::find(m_counters, ClusterCounters::NODE_ROLE_TYPE_ID, 0),
              ClusterCounters::NULL_COUNTER_ID);
}

TEST_F(ClusterCountersTest, shouldAllocateConsensusModuleCountersWithInitialValues)
{
    ConsensusModuleCounters counters = ConsensusModuleCounters::allocate(m_counters, 3, 1'000'000'000, 500'000'000);
    EXPECT_EQ(m_counters.getCounterTypeId(counters.moduleState.id()), 200);
    EXPECT_EQ(counters.moduleState.get(), static_cast<std::int64_t>(ConsensusModuleState::INIT));
    EXPECT_EQ(counters.nodeRole.get(), static_cast<std::int64_t>(Role::FOLLOWER));
    EXPECT_EQ(counters.electionState.get(), static_cast<std::int64_t>(ElectionState::INIT));
    EXPECT_EQ(counters.leadershipTermId.get(), -1);
    EXPECT_EQ(m_counters.getCounterLabel(counters.moduleState.id()), "Consensus Module state - clusterId=3");
    EXPECT_EQ(m_counters.getCounterLabel(counters.cycleTimeThresholdExceededCount.id()),
              "Cluster work cycle time exceeded count: threshold=1000000000ns - clusterId=3");
    EXPECT_EQ(ClusterCounters::find(m_counters, ClusterCounters::ELECTION_COUNT_TYPE_ID, 3),
              counters.electionCount.id());

    std::set<std::int32_t> typeIds;
    m_counters.forEach(
        [&](const cox::util::CounterMetadata& metadata)
        {
            typeIds.insert(metadata.typeId);
            EXPECT_EQ(keyClusterId(metadata.id), 3);
        });
    EXPECT_EQ(typeIds.size(), 16U);

    counters.electionState.setOrdered(static_cast<std::int64_t>(ElectionState::LEADER_READY));
    EXPECT_EQ(electionStateFromCode(m_counters.getCounterValue(counters.electionState.id())),
              ElectionState::LEADER_READY);

    counters.free(m_counters);
    EXPECT_EQ(counters.moduleState.id(), cd::NULL_COUNTER_ID);
    EXPECT_EQ(ClusterCounters::find(m_counters, ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID, 3),
              ClusterCounters::NULL_COUNTER_ID);
}

TEST_F(ClusterCountersTest, shouldRejectSecondConsensusModuleForSameClusterId)
{
    ConsensusModuleCounters first = ConsensusModuleCounters::allocate(m_counters, 0, 1, 1);
    EXPECT_THROW((void)ConsensusModuleCounters::allocate(m_counters, 0, 1, 1), cox::util::IllegalStateException);
    ConsensusModuleCounters other = ConsensusModuleCounters::allocate(m_counters, 1, 1, 1);
    EXPECT_NE(other.moduleState.id(), first.moduleState.id());
}

TEST_F(ClusterCountersTest, shouldFreePartialAllocationWhenCountersFileIsFull)
{
    for (int i = 0; i < MAX_COUNTERS - 5; ++i)
    {
        (void)m_counters.allocate("filler");
    }
    EXPECT_THROW((void)ConsensusModuleCounters::allocate(m_counters, 0, 1, 1), cox::util::IllegalStateException);
    EXPECT_EQ(m_counters.available(), 5) << "what it allocated is freed (reuse timeout 0)";
}
