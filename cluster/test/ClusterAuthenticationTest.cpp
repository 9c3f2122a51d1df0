#include <chrono>
#include <map>

#include <gtest/gtest.h>

#include "ClusterTestSupport.hpp"

using namespace std::chrono_literals;

namespace cox::cluster::test
{
namespace
{
std::vector<std::uint8_t> bytesOf(std::string_view text)
{
    return {text.begin(), text.end()};
}

/// Lets "let-me-in" straight in, challenges "challenge-me" (answer "proof"), rejects anything else.
class ChallengingAuthenticator final : public Authenticator
{
public:
    void onConnectRequest(std::int64_t sessionId, std::span<const std::uint8_t> credentials, std::int64_t) override
    {
        m_credentials[sessionId] = std::string(credentials.begin(), credentials.end());
    }

    void onConnectedSession(SessionProxy& proxy, std::int64_t) override
    {
        const std::string& credentials = m_credentials[proxy.sessionId()];
        if (credentials == "let-me-in")
        {
            proxy.authenticate(bytesOf("alice"));
        }
        else if (credentials == "challenge-me")
        {
            proxy.challenge(bytesOf("prove it"));
        }
        else
        {
            proxy.reject();
        }
    }

    void onChallengedSession(SessionProxy& proxy, std::int64_t) override
    {
        auto it = m_responses.find(proxy.sessionId());
        if (it == m_responses.end())
        {
            return;
        }
        if (it->second == "proof")
        {
            proxy.authenticate(bytesOf("bob"));
        }
        else
        {
            proxy.reject();
        }
    }

    void onChallengeResponse(std::int64_t sessionId, std::span<const std::uint8_t> credentials, std::int64_t) override
    {
        m_responses[sessionId] = std::string(credentials.begin(), credentials.end());
    }

private:
    std::map<std::int64_t, std::string> m_credentials;
    std::map<std::int64_t, std::string> m_responses;
};

CredentialsSupplier credentials(std::string initial, std::string answer)
{
    CredentialsSupplier supplier;
    supplier.encodedCredentials = [initial] { return bytesOf(initial); };
    supplier.onChallenge = [answer](std::span<const std::uint8_t>) { return bytesOf(answer); };
    return supplier;
}

TestCluster::Options authenticated(int portOffset)
{
    TestCluster::Options options;
    options.portOffset = portOffset;
    options.authenticatorSupplier = [] { return std::make_unique<ChallengingAuthenticator>(); };
    return options;
}

std::string connectError(TestCluster& cluster, CredentialsSupplier supplier, int egressOffset)
{
    ClusterClientContext context;
    context.aeron = std::shared_ptr<transport::Aeron>(&cluster.clientAeron(), [](transport::Aeron*) {});
    context.ingressEndpoints = cluster.ingressEndpoints();
    context.egressChannel = "aeron:udp?endpoint=localhost:" + std::to_string(cluster.basePort() + egressOffset);
    context.credentialsSupplier = std::move(supplier);
    RecordingEgressListener listener;
    context.egressListener = &listener;
    auto connect = ClusterClient::asyncConnect(context);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline)
    {
        try
        {
            if (connect->poll())
            {
                return "connected";
            }
        }
        catch (const AuthenticationException& e)
        {
            return std::string("rejected: ") + e.what();
        }
        cluster.poll();
    }
    return "timeout";
}
} // namespace

TEST(ClusterAuthenticationTest, shouldOpenSessionWithPrincipalAfterChallengeResponse)
{
    TestCluster cluster(authenticated(700));
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener direct;
    ASSERT_NE(nullptr, cluster.connectClient(direct, credentials("let-me-in", "")));
    RecordingEgressListener challenged;
    ClusterClient* client = cluster.connectClient(challenged, credentials("challenge-me", "proof"));
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(cluster.offer(*client, "echo:authenticated"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return challenged.messages.size() == 1; }, 10s, "echo"));
    EXPECT_EQ(2, cluster.service(0).sessionsOpened);
}

TEST(ClusterAuthenticationTest, shouldRejectWrongCredentialsAndWrongChallengeResponse)
{
    TestCluster cluster(authenticated(720));
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    EXPECT_EQ(0u, connectError(cluster, credentials("guess", ""), 230).find("rejected"));
    EXPECT_EQ(0u, connectError(cluster, credentials("challenge-me", "wrong"), 231).find("rejected"));
    EXPECT_EQ(0, cluster.service(0).sessionsOpened);
}

TEST(ClusterAuthenticationTest, shouldAnswerOversizeMessageWithErrorAndKeepSession)
{
    TestCluster::Options options;
    options.portOffset = 740;
    options.logTermLength = "64k"; // the log takes messages up to 8 KiB
    TestCluster cluster(options);
    cluster.startAll();
    ASSERT_TRUE(cluster.awaitLeader(0));
    RecordingEgressListener listener;
    ClusterClient* client = cluster.connectClient(listener);
    ASSERT_NE(nullptr, client);
    ASSERT_TRUE(cluster.offer(*client, "echo:" + std::string(20'000, 'x')));
    ASSERT_TRUE(cluster.awaitCondition([&] { return !listener.events.empty(); }, 10s, "an error event"));
    EXPECT_EQ(EventCode::ERROR, listener.events.back().first);
    EXPECT_NE(std::string::npos, listener.events.back().second.find("exceeds the log's maximum"));
    EXPECT_EQ(0, cluster.service(0).messageCount);
    ASSERT_TRUE(cluster.offer(*client, "echo:small"));
    ASSERT_TRUE(cluster.awaitCondition([&] { return listener.messages.size() == 1; }, 10s, "echo after the refusal"));
}
} // namespace cox::cluster::test
