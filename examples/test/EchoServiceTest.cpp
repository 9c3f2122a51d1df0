#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "ServiceTestDoubles.hpp"
#include "cox/examples/EchoService.hpp"
#include "cox/transport/PublicationResult.hpp"

namespace
{
using cox::examples::EchoService;
using cox::examples::test::bytesOf;
using cox::examples::test::deliver;
using cox::examples::test::FakeClientSession;
using cox::examples::test::FakeCluster;
using cox::examples::test::SnapshotStream;
using cox::transport::PublicationResult;

std::vector<std::uint8_t> everyByteValue()
{
    std::vector<std::uint8_t> payload;
    for (int i = 0; i < 3 * 256; ++i)
    {
        payload.push_back(static_cast<std::uint8_t>(255 - i % 256));
    }
    return payload;
}

class EchoServiceTest : public ::testing::Test
{
protected:
    void SetUp() override { m_service.onStart(m_cluster, nullptr); }

    FakeCluster m_cluster;
    FakeClientSession m_alice{1};
    FakeClientSession m_bob{2};
    EchoService m_service;
};

TEST_F(EchoServiceTest, shouldEchoThePayloadBytesExactly)
{
    const std::vector<std::uint8_t> payload = everyByteValue();

    deliver(m_service, &m_alice, payload);

    ASSERT_EQ(1U, m_alice.offers.size());
    EXPECT_EQ(payload, m_alice.offers[0]);
}

TEST_F(EchoServiceTest, shouldEchoAnEmptyMessage)
{
    deliver(m_service, &m_alice, {});

    ASSERT_EQ(1U, m_alice.offers.size());
    EXPECT_TRUE(m_alice.offers[0].empty());
    EXPECT_EQ(1, m_service.messageCount());
    EXPECT_EQ(0, m_service.byteCount());
}

TEST_F(EchoServiceTest, shouldReplyOnlyToTheSessionThatSent)
{
    deliver(m_service, &m_alice, bytesOf("from alice"));
    deliver(m_service, &m_bob, bytesOf("from bob"));
    deliver(m_service, &m_alice, bytesOf("alice again"));

    ASSERT_EQ(2U, m_alice.offers.size());
    ASSERT_EQ(1U, m_bob.offers.size());
    EXPECT_EQ(bytesOf("from alice"), m_alice.offers[0]);
    EXPECT_EQ(bytesOf("alice again"), m_alice.offers[1]);
    EXPECT_EQ(bytesOf("from bob"), m_bob.offers[0]);
}

TEST_F(EchoServiceTest, shouldCountMessagesBytesAndSessions)
{
    cox::examples::test::FakeClientSession& session = m_alice;
    m_service.onSessionOpen(session, 10);
    deliver(m_service, &session, bytesOf("12345"));
    deliver(m_service, &session, bytesOf("123"));
    m_service.onSessionClose(session, 20, cox::cluster::CloseReason::CLIENT_ACTION);

    EXPECT_EQ(2, m_service.messageCount());
    EXPECT_EQ(8, m_service.byteCount());
    EXPECT_EQ(1, m_service.sessionsOpened());
    EXPECT_EQ(1, m_service.sessionsClosed());
}

TEST_F(EchoServiceTest, shouldCountButNotEchoInterServiceMessages)
{
    deliver(m_service, nullptr, bytesOf("to all services"));

    EXPECT_EQ(1, m_service.interServiceMessageCount());
    EXPECT_EQ(0, m_service.messageCount());
    EXPECT_EQ(0, m_alice.offerCalls);
}

TEST_F(EchoServiceTest, shouldRetryTheEchoWhenBackPressuredAndDropItWhenTheClientIsGone)
{
    m_alice.scriptedResults = {PublicationResult::BACK_PRESSURED, PublicationResult::BACK_PRESSURED};
    deliver(m_service, &m_alice, bytesOf("slow reader"));
    EXPECT_EQ(2, m_cluster.idle.idles);
    ASSERT_EQ(1U, m_alice.offers.size());
    EXPECT_EQ(bytesOf("slow reader"), m_alice.offers[0]);

    m_alice.scriptedResults = {PublicationResult::CLOSED};
    deliver(m_service, &m_alice, bytesOf("gone"));
    EXPECT_EQ(1U, m_alice.offers.size());
    EXPECT_EQ(1, m_service.droppedReplies());
    EXPECT_EQ(2, m_service.messageCount()) << "the state does not depend on whether the leader could reply";
}

std::uint64_t hashAfter(const std::vector<std::vector<std::uint8_t>>& messages)
{
    FakeCluster cluster;
    FakeClientSession session(1);
    EchoService service;
    service.onStart(cluster, nullptr);
    for (const auto& message : messages)
    {
        deliver(service, &session, message);
    }
    return service.stateHash();
}

TEST(EchoServiceStateHashTest, shouldBeEqualForTheSameMessagesAndDifferOtherwise)
{
    const std::vector<std::vector<std::uint8_t>> messages = {bytesOf("one"), bytesOf("two"), everyByteValue()};

    EXPECT_EQ(hashAfter(messages), hashAfter(messages));
    EXPECT_NE(hashAfter({}), hashAfter(messages));
    // Same counts of messages and bytes, different content.
    EXPECT_NE(hashAfter({bytesOf("abc")}), hashAfter({bytesOf("abd")}));
    // Same bytes, split differently.
    EXPECT_NE(hashAfter({bytesOf("ab"), bytesOf("c")}), hashAfter({bytesOf("a"), bytesOf("bc")}));
}

TEST(EchoServiceSnapshotTest, shouldRestoreTheSameStateFromItsSnapshot)
{
    SnapshotStream stream;
    FakeCluster cluster;
    FakeClientSession session(1);
    EchoService original;
    original.onStart(cluster, nullptr);
    original.onSessionOpen(session, 1);
    deliver(original, &session, everyByteValue());
    deliver(original, &session, bytesOf("hello"));
    deliver(original, nullptr, bytesOf("inter-service"));
    original.onTakeSnapshot(*stream.publication);

    EchoService restored;
    restored.onStart(cluster, &stream.image());

    EXPECT_EQ(original.stateHash(), restored.stateHash());
    EXPECT_EQ(2, restored.messageCount());
    EXPECT_EQ(1, restored.interServiceMessageCount());
    EXPECT_EQ(1, restored.sessionsOpened());

    // The digest carries on from where the snapshot left it.
    deliver(original, &session, bytesOf("after"));
    deliver(restored, &session, bytesOf("after"));
    EXPECT_EQ(original.stateHash(), restored.stateHash());
}

TEST(EchoServiceSnapshotTest, shouldRefuseASnapshotThatIsNotAnEchoSnapshot)
{
    SnapshotStream stream;
    const std::vector<std::uint8_t> wrong(56, 0x11);
    ASSERT_GT(stream.publication->offer(wrong.data(), static_cast<std::int32_t>(wrong.size())), 0);

    FakeCluster cluster;
    EchoService restored;
    EXPECT_THROW(restored.onStart(cluster, &stream.image()), cox::util::IllegalStateException);
}
} // namespace
