#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "ClientOptions.hpp"
#include "HistoryRunner.hpp"
#include "ServiceTestDoubles.hpp"
#include "cox/examples/KeyValueService.hpp"
#include "cox/sim/HistoryFile.hpp"
#include "cox/transport/Header.hpp"
#include "cox/util/AtomicBuffer.hpp"

using cox::apps::client::ClientOptions;
using cox::apps::client::HistoryRunner;
using cox::apps::client::parseClientOptions;

namespace
{
/// Advances 100 us on every read, so a run of a few simulated seconds takes a few thousand polls.
class SteppingClock final : public cox::util::NanoClock
{
public:
    [[nodiscard]] std::int64_t nanoTime() const noexcept override { return m_nowNs += 100'000; }

private:
    mutable std::int64_t m_nowNs = 1'000'000'000;
};

/// The parts of a cluster a HistoryRunner sees, over a real KeyValueService: offers are applied at once and the
/// replies handed back on the next pollEgress, except those the test tells it to lose.
struct FakeServiceSide
{
    cox::examples::KeyValueService service;
    cox::examples::test::FakeCluster cluster;
    cox::examples::test::FakeClientSession session{1};

    FakeServiceSide() { service.onStart(cluster, nullptr); }
};

class FakeClusterClient final : public cox::cluster::ClusterClient
{
public:
    FakeClusterClient(FakeServiceSide& side, cox::cluster::EgressListener& listener) : m_side(side), m_listener(listener)
    {
    }

    /// Every n-th reply is never delivered (0: none).
    std::int64_t dropReplyEvery = 0;
    /// The offer with this index (0-based) never reaches the service; the next poll reports it lost in a failover.
    std::int64_t loseOfferAt = -1;
    /// After this many offers the session is closed (0: never).
    std::int64_t closeAfter = 0;

    std::int64_t offer(const std::uint8_t* payload, std::int32_t length) noexcept override
    {
        if (m_closed)
        {
            return -1;
        }
        const std::int64_t index = m_offered++;
        if (index == loseOfferAt)
        {
            m_failoverPending = true;
            return 1;
        }
        m_side.session.offers.clear();
        cox::examples::test::deliver(m_side.service, &m_side.session,
                                     std::vector<std::uint8_t>(payload, payload + length));
        if (!m_side.session.offers.empty() && (dropReplyEvery == 0 || (index + 1) % dropReplyEvery != 0))
        {
            m_replies.push_back(m_side.session.offers.back());
        }
        if (closeAfter > 0 && m_offered >= closeAfter)
        {
            m_closed = true;
        }
        return 1;
    }
    std::int64_t offer(std::span<const cox::transport::BufferVector>) noexcept override { return -1; }
    std::int64_t tryClaim(std::int32_t, cox::transport::BufferClaim&) noexcept override { return -1; }
    bool sendKeepAlive() noexcept override { return true; }
    bool sendAdminRequestToTakeASnapshot(std::int64_t) noexcept override { return false; }

    int pollEgress() override
    {
        int work = 0;
        if (m_failoverPending)
        {
            m_failoverPending = false;
            m_listener.onNewLeader(1, 2, 1, "");
            m_listener.onFailoverOutcome(1, loseOfferAt, m_offered - loseOfferAt);
            ++work;
        }
        while (!m_replies.empty())
        {
            std::vector<std::uint8_t> reply = m_replies.front();
            m_replies.pop_front();
            const cox::util::AtomicBuffer buffer(reply.data(), reply.size());
            const cox::transport::Header header(0, 16);
            m_listener.onMessage(1, 0, buffer, 0, static_cast<std::int32_t>(reply.size()), header);
            ++work;
        }
        return work;
    }

    std::int64_t messagesOffered() const noexcept override { return m_offered; }
    std::int64_t clusterSessionId() const noexcept override { return 1; }
    std::int64_t leadershipTermId() const noexcept override { return 1; }
    std::int32_t leaderMemberId() const noexcept override { return 0; }
    bool isClosed() const noexcept override { return m_closed; }
    cox::transport::Publication& ingressPublication() noexcept override { std::abort(); }
    cox::transport::Subscription& egressSubscription() noexcept override { std::abort(); }
    const cox::cluster::ClusterClientContext& context() const noexcept override { return m_context; }
    std::int64_t invalidEgressCount() const noexcept override { return 0; }
    void close() override { m_closed = true; }

private:
    FakeServiceSide& m_side;
    cox::cluster::EgressListener& m_listener;
    cox::cluster::ClusterClientContext m_context;
    std::deque<std::vector<std::uint8_t>> m_replies;
    std::int64_t m_offered = 0;
    bool m_closed = false;
    bool m_failoverPending = false;
};

ClientOptions historyOptions()
{
    ClientOptions options;
    options.keepGoing = true;
    options.clientId = 4;
    options.keys = 5;
    options.seconds = 0.5;
    options.warmupSeconds = 0.0;
    options.rate = 2000;
    options.opTimeoutSeconds = 0.01;
    options.drainTimeoutSeconds = 0.01;
    return options;
}

bool linearizable(const cox::sim::History& history)
{
    for (const cox::sim::CheckResult& result : cox::sim::checkHistory(history))
    {
        if (result.checkName.rfind("C7", 0) == 0)
        {
            return result.passed();
        }
    }
    return false;
}
} // namespace

TEST(ClientHistoryTest, shouldParseTheHistoryOptions)
{
    const ClientOptions options = parseClientOptions({"--ingress", "0=localhost:1", "--egress", "localhost:2",
                                                      "--history", "/tmp/h.txt", "--client-id", "7", "--key-prefix",
                                                      "x", "--op-timeout", "2.5", "--idle-seconds", "3"});
    EXPECT_EQ(options.historyFile, "/tmp/h.txt");
    EXPECT_TRUE(options.keepGoing);
    EXPECT_EQ(options.clientId, 7);
    EXPECT_EQ(options.keyPrefix, "x");
    EXPECT_DOUBLE_EQ(options.opTimeoutSeconds, 2.5);
    EXPECT_DOUBLE_EQ(options.idleSeconds, 3.0);
    EXPECT_THROW((void)parseClientOptions({"--ingress", "0=localhost:1", "--egress", "localhost:2", "--workload",
                                           "echo", "--keep-going"}),
                 cox::util::IllegalArgumentException);
    EXPECT_THROW((void)parseClientOptions({"--ingress", "0=localhost:1", "--egress", "localhost:2", "--client-id", "0"}),
                 cox::util::IllegalArgumentException);
}

TEST(ClientHistoryTest, shouldRecordEveryRequestWithItsAnswerAsALinearizableHistory)
{
    const ClientOptions options = historyOptions();
    SteppingClock clock;
    HistoryRunner runner(options, clock);
    FakeServiceSide side;
    const auto result = runner.run([&] { return std::make_unique<FakeClusterClient>(side, runner); });

    const cox::sim::History& history = runner.history();
    ASSERT_GT(history.operations.size(), 100U);
    EXPECT_EQ(result.operations, static_cast<std::int64_t>(history.operations.size()));
    EXPECT_EQ(result.indeterminate, 0);
    std::int64_t previousSequence = 0;
    int kinds[5] = {};
    int outcomes[5] = {};
    for (const cox::sim::Operation& op : history.operations)
    {
        EXPECT_EQ(op.clientId, 4);
        EXPECT_EQ(op.sequence, previousSequence + 1);
        previousSequence = op.sequence;
        EXPECT_LT(op.invokeNs, op.completeNs);
        ++kinds[static_cast<int>(op.kind)];
        ++outcomes[static_cast<int>(op.outcome)];
    }
    EXPECT_GT(kinds[static_cast<int>(cox::sim::OpKind::GET)], 0);
    EXPECT_GT(kinds[static_cast<int>(cox::sim::OpKind::PUT)], 0);
    EXPECT_GT(kinds[static_cast<int>(cox::sim::OpKind::CAS)], 0);
    EXPECT_GT(kinds[static_cast<int>(cox::sim::OpKind::DELETE)], 0);
    EXPECT_GT(outcomes[static_cast<int>(cox::sim::OpOutcome::OK)], 0);
    EXPECT_GT(outcomes[static_cast<int>(cox::sim::OpOutcome::FAIL)], 0);
    EXPECT_GT(outcomes[static_cast<int>(cox::sim::OpOutcome::NOT_FOUND)], 0);
    EXPECT_TRUE(linearizable(history));

    // The history survives its file form, and a read that lies is caught.
    cox::sim::History reread = cox::sim::parseHistory(cox::sim::formatHistory(history));
    ASSERT_EQ(reread.operations.size(), history.operations.size());
    for (cox::sim::Operation& op : reread.operations)
    {
        if (op.kind == cox::sim::OpKind::GET && op.outcome == cox::sim::OpOutcome::OK)
        {
            op.value = "never-written";
            break;
        }
    }
    EXPECT_FALSE(linearizable(reread));
}

TEST(ClientHistoryTest, shouldRecordUnansweredRequestsAsIndeterminateAndCarryOn)
{
    const ClientOptions options = historyOptions();
    SteppingClock clock;
    HistoryRunner runner(options, clock);
    FakeServiceSide side;
    const auto result = runner.run(
        [&]
        {
            auto client = std::make_unique<FakeClusterClient>(side, runner);
            client->dropReplyEvery = 10;
            return client;
        });
    const cox::sim::History& history = runner.history();
    ASSERT_GT(history.operations.size(), 100U);
    EXPECT_EQ(result.indeterminate, static_cast<std::int64_t>(history.operations.size() / 10));
    for (std::size_t i = 0; i < history.operations.size(); ++i)
    {
        EXPECT_EQ(history.operations[i].isIndeterminate(), (i + 1) % 10 == 0) << "operation " << i;
    }
    EXPECT_TRUE(linearizable(history));
}

TEST(ClientHistoryTest, shouldLeaveRequestsLostInAFailoverIndeterminateAndReconnectAfterTheSessionCloses)
{
    const ClientOptions options = historyOptions();
    SteppingClock clock;
    HistoryRunner runner(options, clock);
    FakeServiceSide side;
    int connects = 0;
    const auto result = runner.run(
        [&]
        {
            auto client = std::make_unique<FakeClusterClient>(side, runner);
            if (connects++ == 0)
            {
                client->loseOfferAt = 20;
                client->closeAfter = 50;
            }
            return client;
        });
    const cox::sim::History& history = runner.history();
    EXPECT_EQ(connects, 2);
    EXPECT_EQ(result.reconnects, 1);
    EXPECT_EQ(result.newLeaders, 1);
    EXPECT_EQ(result.failoverLost, 1);
    ASSERT_GT(history.operations.size(), 60U);
    EXPECT_TRUE(history.operations[20].isIndeterminate());
    EXPECT_FALSE(history.operations[21].isIndeterminate());
    EXPECT_FALSE(history.operations[55].isIndeterminate());
    EXPECT_EQ(history.operations[55].sequence, 56); // numbering continues on the new session
    EXPECT_TRUE(linearizable(history));
}
