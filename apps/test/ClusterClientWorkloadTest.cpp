#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ClientOptions.hpp"
#include "ServiceTestDoubles.hpp"
#include "Workload.hpp"
#include "cox/examples/EchoService.hpp"
#include "cox/examples/KeyValueClient.hpp"
#include "cox/examples/KeyValueService.hpp"
#include "cox/util/Exceptions.hpp"

using cox::apps::client::ClientOptions;
using cox::apps::client::newWorkload;
using cox::apps::client::parseClientOptions;
using cox::apps::client::Workload;
using cox::apps::client::WorkloadKind;
using cox::examples::test::FakeClientSession;
using cox::examples::test::FakeCluster;

namespace
{
const std::vector<std::string> REQUIRED = {"--ingress", "0=localhost:20110,1=localhost:20120", "--egress",
                                           "localhost:20140"};

std::vector<std::string> withRequired(std::vector<std::string> args)
{
    args.insert(args.begin(), REQUIRED.begin(), REQUIRED.end());
    return args;
}

std::string parseError(const std::vector<std::string>& args)
{
    try
    {
        (void)parseClientOptions(args);
    }
    catch (const cox::util::IllegalArgumentException& ex)
    {
        return ex.what();
    }
    return "no error";
}

ClientOptions kvOptions(std::int32_t window, std::int32_t keys, std::int32_t valueSize)
{
    ClientOptions options;
    options.workload = WorkloadKind::KV;
    options.window = window;
    options.keys = keys;
    options.valueSize = valueSize;
    options.seed = 7;
    return options;
}

/// Sends requests from the workload through a real KeyValueService and hands back its replies.
class KeyValueHarness
{
public:
    explicit KeyValueHarness(Workload& workload) : m_workload(workload), m_request(workload.maxRequestLength())
    {
        m_service.onStart(m_cluster, nullptr);
    }

    /// Sends one request; the reply is appended to session.offers.
    void send()
    {
        const std::int32_t length = m_workload.nextRequest(m_nextCorrelationId++, m_request.data());
        cox::examples::test::deliver(m_service, &m_session,
                                     std::vector<std::uint8_t>(m_request.begin(), m_request.begin() + length));
    }

    std::vector<std::vector<std::uint8_t>>& replies() { return m_session.offers; }
    cox::examples::KeyValueService& service() { return m_service; }

private:
    Workload& m_workload;
    std::vector<std::uint8_t> m_request;
    cox::examples::KeyValueService m_service;
    FakeCluster m_cluster;
    FakeClientSession m_session{1};
    std::int64_t m_nextCorrelationId = 1;
};
} // namespace

TEST(ClusterClientWorkloadTest, shouldParseEveryOption)
{
    const ClientOptions options = parseClientOptions(withRequired(
        {"--workload", "echo", "--seconds", "2.5", "--rate", "1000", "--keys", "64", "--value-size", "100",
         "--warmup-seconds", "0", "--window", "16", "--seed", "9", "--connect-timeout", "3", "--drain-timeout", "4"}));
    EXPECT_EQ(options.ingressEndpoints, "0=localhost:20110,1=localhost:20120");
    EXPECT_EQ(options.egressEndpoint, "localhost:20140");
    EXPECT_EQ(options.workload, WorkloadKind::ECHO);
    EXPECT_DOUBLE_EQ(options.seconds, 2.5);
    EXPECT_EQ(options.rate, 1000);
    EXPECT_EQ(options.keys, 64);
    EXPECT_EQ(options.valueSize, 100);
    EXPECT_DOUBLE_EQ(options.warmupSeconds, 0.0);
    EXPECT_EQ(options.window, 16);
    EXPECT_EQ(options.seed, 9U);
    EXPECT_DOUBLE_EQ(options.connectTimeoutSeconds, 3.0);
    EXPECT_DOUBLE_EQ(options.drainTimeoutSeconds, 4.0);
    EXPECT_TRUE(parseClientOptions({"--help"}).help);
}

TEST(ClusterClientWorkloadTest, shouldRejectBadArgumentsNamingTheOption)
{
    EXPECT_EQ(parseError({"--egress", "localhost:1"}), "--ingress is required, e.g. --ingress 0=localhost:20110");
    EXPECT_EQ(parseError({"--ingress", "0=localhost:1"}), "--egress is required, e.g. --egress localhost:20140");
    EXPECT_EQ(parseError(withRequired({"--workload", "ledger"})), "--workload must be kv or echo, not 'ledger'");
    EXPECT_EQ(parseError(withRequired({"--value-size", "5000"})),
              "--value-size needs a whole number in [1, 4096], not '5000'");
    EXPECT_EQ(parseError(withRequired({"--window", "0"})), "--window needs a whole number in [1, 4096], not '0'");
    EXPECT_EQ(parseError(withRequired({"--seconds"})), "--seconds needs a value");
    EXPECT_NE(parseError(withRequired({"--seconds", "ten"})).find("--seconds needs seconds"), std::string::npos);
    EXPECT_EQ(parseError({"--ingress", "localhost:1", "--egress", "localhost:2"}),
              "--ingress needs id=host:port entries separated by commas, not 'localhost:1'");
    EXPECT_NE(parseError({"--ingress", "0=localhost:99999", "--egress", "localhost:2"}).find("port"),
              std::string::npos);
    EXPECT_EQ(parseError(withRequired({"--frobnicate"})), "unknown option '--frobnicate' (see --help)");
}

TEST(ClusterClientWorkloadTest, shouldPredictEveryKeyValueResponseOfTheRealServiceOneAtATime)
{
    // Few keys and one-byte values: keys are reused constantly and short values collide, so every outcome
    // (found, not found, CAS match and mismatch) happens and the model must compare bytes, not stamps.
    const auto workload = newWorkload(kvOptions(1, 8, 1), "s1-k");
    KeyValueHarness harness(*workload);
    for (int i = 0; i < 3000; ++i)
    {
        harness.send();
        ASSERT_EQ(workload->inFlight(), 1U);
        const std::vector<std::uint8_t>& reply = harness.replies().back();
        ASSERT_TRUE(workload->checkResponse(reply.data(), reply.size())) << "request " << i << ": "
                                                                         << workload->lastError();
        ASSERT_EQ(workload->inFlight(), 0U);
    }
    const auto& counts = harness.service().counts();
    EXPECT_GT(counts.gets, 0);
    EXPECT_GT(counts.puts, 0);
    EXPECT_GT(counts.compareAndSets, 0);
    EXPECT_GT(counts.compareAndSetMismatches, 0);
    EXPECT_GT(counts.deletes, 0);
    EXPECT_GT(counts.notFound, 0);
    EXPECT_EQ(counts.invalidRequests, 0);
}

TEST(ClusterClientWorkloadTest, shouldCheckPipelinedKeyValueResponsesInOrderUpToTheWindow)
{
    const auto workload = newWorkload(kvOptions(8, 100, 64), "s2-k");
    KeyValueHarness harness(*workload);
    for (int round = 0; round < 50; ++round)
    {
        const std::size_t first = harness.replies().size();
        for (int i = 0; i < 8; ++i)
        {
            harness.send();
        }
        std::vector<std::uint8_t> buffer(workload->maxRequestLength());
        EXPECT_THROW((void)workload->nextRequest(999'999, buffer.data()), cox::util::IllegalStateException);
        for (std::size_t i = first; i < harness.replies().size(); ++i)
        {
            const auto& reply = harness.replies()[i];
            ASSERT_TRUE(workload->checkResponse(reply.data(), reply.size())) << workload->lastError();
        }
    }
    EXPECT_GT(harness.service().size(), 0U);
}

TEST(ClusterClientWorkloadTest, shouldReportWrongValueOutOfOrderAndUnexpectedResponses)
{
    const auto workload = newWorkload(kvOptions(4, 1, 16), "s3-k");
    KeyValueHarness harness(*workload);
    // Find a Get that returns a value, then corrupt that value's last byte.
    bool corrupted = false;
    for (int i = 0; i < 200 && !corrupted; ++i)
    {
        harness.send();
        std::vector<std::uint8_t> reply = harness.replies().back();
        cox::examples::KeyValueClient::Response response;
        ASSERT_TRUE(cox::examples::KeyValueClient::decodeResponse(reply.data(), reply.size(), response));
        if (response.code == cox::codecs::kv::ResponseCode::OK && response.value.size() == 16)
        {
            reply.back() = reply.back() == 'a' ? 'b' : 'a';
            EXPECT_FALSE(workload->checkResponse(reply.data(), reply.size()));
            EXPECT_NE(workload->lastError().find("returned"), std::string::npos) << workload->lastError();
            corrupted = true;
        }
        else
        {
            ASSERT_TRUE(workload->checkResponse(reply.data(), reply.size())) << workload->lastError();
        }
    }
    ASSERT_TRUE(corrupted);

    harness.send();
    harness.send();
    const auto second = harness.replies().back();
    EXPECT_FALSE(workload->checkResponse(second.data(), second.size())) << "the first response was skipped";
    EXPECT_NE(workload->lastError().find("lost or out of order"), std::string::npos) << workload->lastError();
    const auto extra = harness.replies().back();
    EXPECT_TRUE(workload->checkResponse(extra.data(), extra.size())) << workload->lastError();
    EXPECT_FALSE(workload->checkResponse(extra.data(), extra.size()));
    EXPECT_EQ(workload->lastError(), "kv: a response with no request in flight");
    const std::uint8_t garbage[3] = {1, 2, 3};
    harness.send();
    EXPECT_FALSE(workload->checkResponse(garbage, sizeof(garbage)));
    EXPECT_NE(workload->lastError().find("undecodable"), std::string::npos);
}

TEST(ClusterClientWorkloadTest, shouldAcceptExactEchoesAndRejectAlteredOnes)
{
    ClientOptions options;
    options.workload = WorkloadKind::ECHO;
    options.window = 2;
    const auto workload = newWorkload(options, "");
    ASSERT_EQ(workload->maxRequestLength(), 32U);
    std::vector<std::uint8_t> first(32);
    std::vector<std::uint8_t> second(32);
    ASSERT_EQ(workload->nextRequest(1, first.data()), 32);
    ASSERT_EQ(workload->nextRequest(2, second.data()), 32);
    EXPECT_NE(first, second);

    // The echo service replies with the payload byte for byte.
    cox::examples::EchoService echo;
    FakeCluster cluster;
    FakeClientSession session(5);
    echo.onStart(cluster, nullptr);
    cox::examples::test::deliver(echo, &session, first);
    ASSERT_EQ(session.offers.size(), 1U);
    EXPECT_TRUE(workload->checkResponse(session.offers[0].data(), session.offers[0].size())) << workload->lastError();

    second[31] ^= 1;
    EXPECT_FALSE(workload->checkResponse(second.data(), second.size()));
    EXPECT_NE(workload->lastError().find("correlation id 2"), std::string::npos) << workload->lastError();
    EXPECT_EQ(workload->inFlight(), 0U);
    EXPECT_FALSE(workload->checkResponse(first.data(), first.size()));
}
