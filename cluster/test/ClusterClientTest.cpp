// The cluster client against a scripted consensus module: real media driver (invoker mode, loopback UDP),
// real codecs, one thread. Each FakeMember is what a consensus module shows a client: an ingress
// subscription on its endpoint and a publication back to the client's egress channel.

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../../transport/test/DriverTestSupport.hpp"
#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/codecs/cluster/ClusterCodecs.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/PublicationResult.hpp"

namespace cox::cluster
{
namespace
{
namespace codec = codecs::cluster;
using codecs::sbe::DecodeError;
using transport::PublicationResult;
using transport::test::InvokerDriverFixture;
using transport::test::testPort;

constexpr std::int32_t INGRESS_STREAM_ID = 101;
constexpr std::int32_t EGRESS_STREAM_ID = 102;

std::string endpointOf(int port)
{
    return "localhost:" + std::to_string(port);
}

std::string bytesToString(std::span<const std::uint8_t> bytes)
{
    return std::string(bytes.begin(), bytes.end());
}

std::vector<std::uint8_t> toBytes(std::string_view text)
{
    return std::vector<std::uint8_t>(text.begin(), text.end());
}

/// How a member answers a SessionConnectRequest.
enum class Script
{
    SILENT,
    ACCEPT,
    REDIRECT,
    CHALLENGE,
    ERROR,
    REJECT,
};

struct ConnectRequest
{
    std::int64_t correlationId = 0;
    std::int32_t responseStreamId = 0;
    std::int32_t version = 0;
    std::string responseChannel;
    std::string credentials;
};

class FakeMember
{
public:
    FakeMember(InvokerDriverFixture& fixture, std::int32_t memberId, int port)
        : m_fixture(fixture),
          id(memberId),
          endpoint(endpointOf(port)),
          m_subscription(fixture.aeron->addSubscription("aeron:udp?endpoint=" + endpoint, INGRESS_STREAM_ID))
    {
    }

    ~FakeMember()
    {
        if (!m_fixture.aeron->isClosed())
        {
            m_subscription->close();
            if (m_egress)
            {
                m_egress->close();
            }
        }
    }

    /// Reads ingress; answers connect requests and challenge responses as scripted.
    int poll()
    {
        return m_subscription->poll(
            [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const transport::Header&)
            { onMessage(buffer.buffer() + offset, static_cast<std::size_t>(length)); },
            10);
    }

    void sendSessionEvent(std::int64_t correlationId, std::int64_t clusterSessionId, std::int32_t leaderId,
                          codec::EventCode code, std::string_view detail)
    {
        std::vector<std::uint8_t> buffer(128 + detail.size());
        codec::MessageHeaderEncoder header;
        codec::SessionEventEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .clusterSessionId(clusterSessionId)
            .correlationId(correlationId)
            .leadershipTermId(termId)
            .leaderMemberId(leaderId)
            .code(code)
            .version(ClusterClientContext::PROTOCOL_SEMANTIC_VERSION)
            .putDetail(detail);
        buffer.resize(header.encodedLength() + encoder.encodedLength());
        sendRaw(buffer);
    }

    void sendSessionMessage(std::int64_t clusterSessionId, std::int64_t timestamp, std::string_view payload)
    {
        std::vector<std::uint8_t> buffer(ClusterClient::SESSION_HEADER_LENGTH + payload.size());
        codec::MessageHeaderEncoder header;
        codec::SessionMessageHeaderEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .leadershipTermId(termId)
            .clusterSessionId(clusterSessionId)
            .timestamp(timestamp);
        std::memcpy(buffer.data() + ClusterClient::SESSION_HEADER_LENGTH, payload.data(), payload.size());
        sendRaw(buffer);
    }

    void sendNewLeader(std::int64_t clusterSessionId, std::int64_t newTermId, std::int32_t leaderId,
                       std::string_view ingressEndpoints)
    {
        std::vector<std::uint8_t> buffer(64 + ingressEndpoints.size());
        codec::MessageHeaderEncoder header;
        codec::NewLeaderEventEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .leadershipTermId(newTermId)
            .clusterSessionId(clusterSessionId)
            .leaderMemberId(leaderId)
            .putIngressEndpoints(ingressEndpoints);
        buffer.resize(header.encodedLength() + encoder.encodedLength());
        sendRaw(buffer);
    }

    void sendAdminResponse(std::int64_t clusterSessionId, std::int64_t correlationId, std::string_view message,
                           std::string_view payload)
    {
        std::vector<std::uint8_t> buffer(64 + message.size() + payload.size());
        codec::MessageHeaderEncoder header;
        codec::AdminResponseEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .clusterSessionId(clusterSessionId)
            .correlationId(correlationId)
            .requestType(codec::AdminRequestType::SNAPSHOT)
            .responseCode(codec::AdminResponseCode::OK)
            .putMessage(message)
            .putPayload(payload);
        buffer.resize(header.encodedLength() + encoder.encodedLength());
        sendRaw(buffer);
    }

    void sendRaw(const std::vector<std::uint8_t>& message)
    {
        ASSERT_TRUE(m_egress) << "no connect request yet, so no egress";
        std::int64_t result = 0;
        ASSERT_TRUE(m_fixture.pumpUntil(
            [&]
            {
                result = m_egress->offer(message.data(), static_cast<std::int32_t>(message.size()));
                return result > 0;
            }))
            << PublicationResult::name(result);
    }

    InvokerDriverFixture& m_fixture;
    const std::int32_t id;
    const std::string endpoint;
    Script script = Script::ACCEPT;
    std::int64_t sessionId = 42;
    std::int64_t termId = 7;
    /// Who this member says leads, and the endpoints it lists, for REDIRECT.
    std::int32_t redirectLeaderId = 0;
    std::string redirectEndpoints;
    std::string challenge = "abc";

    std::vector<ConnectRequest> connectRequests;
    std::vector<std::string> challengeResponses;
    /// Every ingress message, whole, as received.
    std::vector<std::vector<std::uint8_t>> received;

private:
    void onMessage(const std::uint8_t* message, std::size_t length)
    {
        received.emplace_back(message, message + length);
        codec::MessageHeaderDecoder header;
        ASSERT_EQ(DecodeError::NONE, codec::checkHeader(message, 0, length, header));
        if (header.templateId() == codec::TemplateId::SESSION_CONNECT_REQUEST)
        {
            codec::SessionConnectRequestDecoder decoder;
            ASSERT_EQ(DecodeError::NONE, decoder.wrapWithHeader(message, 0, length));
            ConnectRequest request;
            request.correlationId = decoder.correlationId();
            request.responseStreamId = decoder.responseStreamId();
            request.version = decoder.version();
            request.responseChannel = std::string(decoder.responseChannel());
            request.credentials = std::string(decoder.encodedCredentials());
            connectRequests.push_back(request);
            if (!m_egress)
            {
                m_egress = m_fixture.aeron->addExclusivePublication(request.responseChannel, request.responseStreamId);
            }
            answerConnect(request.correlationId);
        }
        else if (header.templateId() == codec::TemplateId::CHALLENGE_RESPONSE)
        {
            codec::ChallengeResponseDecoder decoder;
            ASSERT_EQ(DecodeError::NONE, decoder.wrapWithHeader(message, 0, length));
            ASSERT_EQ(sessionId, decoder.clusterSessionId());
            challengeResponses.emplace_back(decoder.encodedCredentials());
            sendSessionEvent(decoder.correlationId(), sessionId, id, codec::EventCode::OK, "");
        }
    }

    void answerConnect(std::int64_t correlationId)
    {
        switch (script)
        {
            case Script::SILENT:
                break;
            case Script::ACCEPT:
                sendSessionEvent(correlationId, sessionId, id, codec::EventCode::OK, "");
                break;
            case Script::REDIRECT:
                sendSessionEvent(correlationId, -1, redirectLeaderId, codec::EventCode::REDIRECT, redirectEndpoints);
                break;
            case Script::CHALLENGE:
            {
                std::vector<std::uint8_t> buffer(64 + challenge.size());
                codec::MessageHeaderEncoder header;
                codec::ChallengeEncoder encoder;
                encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
                    .correlationId(correlationId)
                    .clusterSessionId(sessionId)
                    .putEncodedChallenge(challenge);
                buffer.resize(header.encodedLength() + encoder.encodedLength());
                sendRaw(buffer);
                break;
            }
            case Script::ERROR:
                sendSessionEvent(correlationId, -1, id, codec::EventCode::ERROR, "concurrent session limit");
                break;
            case Script::REJECT:
                sendSessionEvent(correlationId, -1, id, codec::EventCode::AUTHENTICATION_REJECTED,
                                 "bad password");
                break;
        }
    }

    std::shared_ptr<transport::Subscription> m_subscription;
    std::shared_ptr<transport::ExclusivePublication> m_egress;
};

class RecordingListener final : public EgressListener
{
public:
    struct Message
    {
        std::int64_t clusterSessionId;
        std::int64_t timestamp;
        std::string payload;
    };
    struct SessionEvent
    {
        std::int64_t correlationId;
        std::int64_t clusterSessionId;
        EventCode code;
        std::string detail;
    };
    struct NewLeader
    {
        std::int64_t leadershipTermId;
        std::int32_t leaderMemberId;
        std::string ingressEndpoints;
    };
    struct AdminResponse
    {
        std::int64_t correlationId;
        AdminResponseCode code;
        std::string message;
        std::string payload;
    };

    void onMessage(std::int64_t clusterSessionId, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                   std::int32_t offset, std::int32_t length, const transport::Header&) override
    {
        messages.push_back(Message{clusterSessionId, timestamp,
                                   std::string(reinterpret_cast<const char*>(buffer.buffer() + offset),
                                               static_cast<std::size_t>(length))});
    }

    void onSessionEvent(std::int64_t correlationId, std::int64_t clusterSessionId, std::int64_t, std::int32_t,
                        EventCode code, std::string_view detail) override
    {
        sessionEvents.push_back(SessionEvent{correlationId, clusterSessionId, code, std::string(detail)});
    }

    void onNewLeader(std::int64_t, std::int64_t leadershipTermId, std::int32_t leaderMemberId,
                     std::string_view ingressEndpoints) override
    {
        newLeaders.push_back(NewLeader{leadershipTermId, leaderMemberId, std::string(ingressEndpoints)});
    }

    void onAdminResponse(std::int64_t, std::int64_t correlationId, AdminRequestType, AdminResponseCode code,
                         std::string_view message, std::span<const std::uint8_t> payload) override
    {
        adminResponses.push_back(AdminResponse{correlationId, code, std::string(message), bytesToString(payload)});
    }

    std::vector<Message> messages;
    std::vector<SessionEvent> sessionEvents;
    std::vector<NewLeader> newLeaders;
    std::vector<AdminResponse> adminResponses;
};

class ClusterClientTest : public ::testing::Test
{
protected:
    ClusterClientContext clientContext(const std::string& ingressEndpoints)
    {
        ClusterClientContext context;
        context.aeron = fixture.aeron;
        context.ingressEndpoints = ingressEndpoints;
        context.egressChannel = "aeron:udp?endpoint=" + endpointOf(egressPort);
        context.egressListener = &listener;
        context.messageTimeoutNs = 10'000'000'000;
        context.idleStrategy = "yielding";
        return context;
    }

    std::string endpointsOf(std::initializer_list<std::pair<int, int>> ports)
    {
        std::string text;
        for (const auto& [id, port] : ports)
        {
            text += (text.empty() ? "" : ",") + std::to_string(id) + "=" + endpointOf(port);
        }
        return text;
    }

    /// Polls the connect and the members until condition holds (or the client is connected when none is given).
    bool runConnect(AsyncClusterConnect& connect, const std::function<bool()>& condition = {})
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline)
        {
            if (!client)
            {
                client = connect.poll();
            }
            pollMembers();
            if (condition ? condition() : client != nullptr)
            {
                return true;
            }
        }
        return false;
    }

    /// Polls egress and the members until condition holds.
    bool runClient(const std::function<bool()>& condition)
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline)
        {
            static_cast<void>(client->pollEgress());
            fixture.pump();
            pollMembers();
            if (condition())
            {
                return true;
            }
        }
        return false;
    }

    void pollMembers()
    {
        for (FakeMember* member : members)
        {
            member->poll();
        }
    }

    FakeMember& addMember(std::int32_t memberId, int port)
    {
        owned.push_back(std::make_unique<FakeMember>(fixture, memberId, port));
        members.push_back(owned.back().get());
        return *owned.back();
    }

    /// A client connected to member 0, the leader (session 42, term 7).
    FakeMember& connectToLeader(const std::string& ingressEndpoints = {})
    {
        FakeMember& leader = addMember(0, memberPorts[0]);
        auto connect = ClusterClient::asyncConnect(
            clientContext(ingressEndpoints.empty() ? endpointsOf({{0, memberPorts[0]}}) : ingressEndpoints));
        EXPECT_TRUE(runConnect(*connect));
        return leader;
    }

    /// The ingress messages of a member after the connect request, decoded header first.
    static codec::MessageHeaderDecoder headerOf(const std::vector<std::uint8_t>& message)
    {
        codec::MessageHeaderDecoder header;
        EXPECT_EQ(DecodeError::NONE, codec::checkHeader(message.data(), 0, message.size(), header));
        return header;
    }

    static void expectSessionMessage(const std::vector<std::uint8_t>& message, std::int64_t termId,
                                     std::int64_t sessionId, std::string_view payload)
    {
        ASSERT_EQ(ClusterClient::SESSION_HEADER_LENGTH + payload.size(), message.size());
        codec::SessionMessageHeaderDecoder decoder;
        ASSERT_EQ(DecodeError::NONE, decoder.wrapWithHeader(message.data(), 0, message.size()));
        const codec::MessageHeaderDecoder header = headerOf(message);
        EXPECT_EQ(24, header.blockLength());
        EXPECT_EQ(codec::TemplateId::SESSION_MESSAGE_HEADER, header.templateId());
        EXPECT_EQ(codec::SCHEMA_ID, header.schemaId());
        EXPECT_EQ(codec::SCHEMA_VERSION, header.version());
        EXPECT_EQ(termId, decoder.leadershipTermId());
        EXPECT_EQ(sessionId, decoder.clusterSessionId());
        EXPECT_EQ(0, decoder.timestamp());
        EXPECT_EQ(payload, std::string(reinterpret_cast<const char*>(message.data()) +
                                           ClusterClient::SESSION_HEADER_LENGTH,
                                       payload.size()));
    }

    template <typename Exception> std::string expectConnectFailure(AsyncClusterConnect& connect)
    {
        try
        {
            runConnect(connect);
        }
        catch (const Exception& error)
        {
            return error.what();
        }
        ADD_FAILURE() << "connect did not throw the expected exception";
        return {};
    }

    InvokerDriverFixture fixture;
    const int egressPort = testPort(0);
    const std::array<int, 4> memberPorts{testPort(1), testPort(2), testPort(3), testPort(4)};
    RecordingListener listener;
    std::vector<std::unique_ptr<FakeMember>> owned;
    std::vector<FakeMember*> members;
    std::unique_ptr<ClusterClient> client;
};

TEST_F(ClusterClientTest, shouldConnectWhenLeaderAnswersOk)
{
    FakeMember& leader = addMember(0, memberPorts[0]);
    leader.sessionId = 1234;
    leader.termId = 9;
    auto connect = ClusterClient::asyncConnect(clientContext(endpointsOf({{0, memberPorts[0]}})));
    EXPECT_EQ(AsyncClusterConnect::Step::CREATE_EGRESS_SUBSCRIPTION, connect->step());

    ASSERT_TRUE(runConnect(*connect));

    EXPECT_EQ(AsyncClusterConnect::Step::DONE, connect->step());
    EXPECT_EQ(1234, client->clusterSessionId());
    EXPECT_EQ(9, client->leadershipTermId());
    EXPECT_EQ(0, client->leaderMemberId());
    EXPECT_FALSE(client->isClosed());
    ASSERT_EQ(1U, leader.connectRequests.size());
    const ConnectRequest& request = leader.connectRequests[0];
    EXPECT_EQ(EGRESS_STREAM_ID, request.responseStreamId);
    EXPECT_EQ(ClusterClientContext::PROTOCOL_SEMANTIC_VERSION, request.version);
    EXPECT_EQ((0 << 16) | (3 << 8), request.version);
    EXPECT_EQ("aeron:udp?endpoint=" + endpointOf(egressPort), request.responseChannel);
    EXPECT_EQ("", request.credentials);
    EXPECT_NE(std::string::npos, client->ingressPublication().channel().find(endpointOf(memberPorts[0])));
}

TEST_F(ClusterClientTest, shouldConnectWithBlockingConnectWhenMembersAreDrivenByInvoker)
{
    // The blocking connect cannot run the fake member, so the member is driven from the driver invoker hook.
    FakeMember& leader = addMember(0, memberPorts[0]);
    ClusterClientContext context = clientContext(endpointsOf({{0, memberPorts[0]}}));
    transport::AeronContext aeronContext;
    aeronContext.aeronDirectoryName = fixture.driver->aeronDirectoryName();
    aeronContext.useConductorAgentInvoker = true;
    transport::MediaDriver* driver = fixture.driver.get();
    transport::Aeron* memberAeron = fixture.aeron.get();
    bool inMember = false;
    aeronContext.driverInvoker = [driver, memberAeron, &leader, &inMember]
    {
        int work = driver->doWork() + memberAeron->conductorAgentInvoker().invoke();
        // The member's own adds drive this hook too; it must not re-enter its poll.
        if (!inMember)
        {
            inMember = true;
            work += leader.poll();
            inMember = false;
        }
        return work;
    };
    context.aeron = transport::Aeron::connect(aeronContext);

    client = ClusterClient::connect(context);

    EXPECT_EQ(42, client->clusterSessionId());
    EXPECT_EQ(1U, leader.connectRequests.size());
    client->close();
    context.aeron->close();
}

TEST_F(ClusterClientTest, shouldFollowRedirectToLeaderAtEndpointGivenInDetail)
{
    FakeMember& follower = addMember(0, memberPorts[0]);
    follower.script = Script::REDIRECT;
    follower.redirectLeaderId = 1;
    // The leader listens at an endpoint the context did not list: the REDIRECT's detail is what counts.
    follower.redirectEndpoints = endpointsOf({{0, memberPorts[0]}, {1, memberPorts[2]}});
    auto connect =
        ClusterClient::asyncConnect(clientContext(endpointsOf({{0, memberPorts[0]}, {1, memberPorts[1]}})));

    ASSERT_TRUE(runConnect(*connect, [&] { return !follower.connectRequests.empty(); }));
    FakeMember& leader = addMember(1, memberPorts[2]);
    leader.sessionId = 55;
    leader.termId = 3;
    ASSERT_TRUE(runConnect(*connect));

    EXPECT_EQ(1U, follower.connectRequests.size());
    ASSERT_EQ(1U, leader.connectRequests.size());
    EXPECT_NE(follower.connectRequests[0].correlationId, leader.connectRequests[0].correlationId);
    EXPECT_EQ(55, client->clusterSessionId());
    EXPECT_EQ(3, client->leadershipTermId());
    EXPECT_EQ(1, client->leaderMemberId());
    EXPECT_NE(std::string::npos, client->ingressPublication().channel().find(endpointOf(memberPorts[2])));
}

TEST_F(ClusterClientTest, shouldAnswerChallengeWithSuppliedCredentials)
{
    FakeMember& leader = addMember(0, memberPorts[0]);
    leader.script = Script::CHALLENGE;
    leader.challenge = "nonce-1";
    ClusterClientContext context = clientContext(endpointsOf({{0, memberPorts[0]}}));
    std::string seenChallenge;
    context.credentialsSupplier.encodedCredentials = [] { return toBytes("alice"); };
    context.credentialsSupplier.onChallenge = [&](std::span<const std::uint8_t> challenge)
    {
        seenChallenge = bytesToString(challenge);
        return toBytes("answer:" + seenChallenge);
    };
    auto connect = ClusterClient::asyncConnect(context);

    ASSERT_TRUE(runConnect(*connect));

    ASSERT_EQ(1U, leader.connectRequests.size());
    EXPECT_EQ("alice", leader.connectRequests[0].credentials);
    EXPECT_EQ("nonce-1", seenChallenge);
    ASSERT_EQ(1U, leader.challengeResponses.size());
    EXPECT_EQ("answer:nonce-1", leader.challengeResponses[0]);
    EXPECT_EQ(42, client->clusterSessionId());
}

TEST_F(ClusterClientTest, shouldThrowClusterExceptionWithDetailWhenClusterAnswersError)
{
    FakeMember& leader = addMember(0, memberPorts[0]);
    leader.script = Script::ERROR;
    auto connect = ClusterClient::asyncConnect(clientContext(endpointsOf({{0, memberPorts[0]}})));

    // Not an AuthenticationException: ERROR is the plain cluster failure.
    try
    {
        runConnect(*connect);
        FAIL() << "no exception";
    }
    catch (const AuthenticationException&)
    {
        FAIL() << "ERROR reported as an authentication failure";
    }
    catch (const ClusterException& error)
    {
        EXPECT_NE(std::string::npos, std::string(error.what()).find("concurrent session limit")) << error.what();
    }
    EXPECT_THROW(static_cast<void>(connect->poll()), util::IllegalStateException);
}

TEST_F(ClusterClientTest, shouldThrowAuthenticationExceptionWhenRejected)
{
    FakeMember& leader = addMember(0, memberPorts[0]);
    leader.script = Script::REJECT;
    auto connect = ClusterClient::asyncConnect(clientContext(endpointsOf({{0, memberPorts[0]}})));

    const std::string message = expectConnectFailure<AuthenticationException>(*connect);

    EXPECT_NE(std::string::npos, message.find("bad password")) << message;
}

TEST_F(ClusterClientTest, shouldTimeOutNamingEndpointsWhenNobodyAnswers)
{
    auto clock = std::make_shared<util::ManualNanoClock>(1'000);
    ClusterClientContext context = clientContext(endpointsOf({{0, memberPorts[0]}, {1, memberPorts[1]}}));
    context.nanoClock = clock;
    context.messageTimeoutNs = 1'000'000;
    auto connect = ClusterClient::asyncConnect(context);
    for (int i = 0; i < 50; ++i)
    {
        ASSERT_EQ(nullptr, connect->poll());
        fixture.pump();
    }
    EXPECT_EQ(AsyncClusterConnect::Step::AWAIT_PUBLICATION_CONNECTED, connect->step());

    clock.get()->advance(1'000'001);

    try
    {
        static_cast<void>(connect->poll());
        FAIL() << "no timeout";
    }
    catch (const ClusterTimeoutException& error)
    {
        const std::string message = error.what();
        EXPECT_NE(std::string::npos, message.find("0=" + endpointOf(memberPorts[0]))) << message;
        EXPECT_NE(std::string::npos, message.find("1=" + endpointOf(memberPorts[1]))) << message;
    }
}

TEST_F(ClusterClientTest, shouldTimeOutBlockingConnectWhenLeaderIsSilent)
{
    FakeMember& leader = addMember(0, memberPorts[0]);
    leader.script = Script::SILENT;
    ClusterClientContext context = clientContext(endpointsOf({{0, memberPorts[0]}}));
    context.messageTimeoutNs = 300'000'000;
    // The member never answers, so nothing needs to drive it: its subscription alone connects the publication.
    const auto start = std::chrono::steady_clock::now();

    EXPECT_THROW(static_cast<void>(ClusterClient::connect(context)), ClusterTimeoutException);

    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

TEST_F(ClusterClientTest, shouldRefuseMissingEgressChannelOrEndpointWithoutPort)
{
    ClusterClientContext context = clientContext(endpointsOf({{0, memberPorts[0]}}));
    context.egressChannel.clear();
    try
    {
        static_cast<void>(ClusterClient::asyncConnect(context));
        FAIL() << "no exception";
    }
    catch (const util::IllegalArgumentException& error)
    {
        EXPECT_NE(std::string::npos, std::string(error.what()).find("egressChannel is required"));
    }

    context.egressChannel = "aeron:udp?endpoint=localhost";
    EXPECT_THROW(static_cast<void>(ClusterClient::asyncConnect(context)), util::IllegalArgumentException);

    context.egressChannel = "aeron:udp?endpoint=" + endpointOf(egressPort);
    context.ingressEndpoints = "0=localhost:1,zero";
    EXPECT_THROW(static_cast<void>(ClusterClient::asyncConnect(context)), util::IllegalArgumentException);
}

TEST_F(ClusterClientTest, shouldPrependSessionHeaderToOfferGatheredOfferAndClaim)
{
    FakeMember& leader = connectToLeader();
    ASSERT_TRUE(client);
    const std::size_t before = leader.received.size();

    const std::string hello = "hello";
    std::int64_t result = client->offer(reinterpret_cast<const std::uint8_t*>(hello.data()),
                                        static_cast<std::int32_t>(hello.size()));
    EXPECT_GT(result, 0) << PublicationResult::name(result);

    const std::string a = "gath";
    const std::string b = "ered";
    const std::array<transport::BufferVector, 2> vectors{
        transport::BufferVector{reinterpret_cast<const std::uint8_t*>(a.data()), 4},
        transport::BufferVector{reinterpret_cast<const std::uint8_t*>(b.data()), 4}};
    result = client->offer(std::span<const transport::BufferVector>(vectors));
    EXPECT_GT(result, 0) << PublicationResult::name(result);

    transport::BufferClaim claim;
    result = client->tryClaim(7, claim);
    ASSERT_GT(result, 0) << PublicationResult::name(result);
    claim.buffer().putBytes(static_cast<std::size_t>(claim.offset() + ClusterClient::SESSION_HEADER_LENGTH),
                            reinterpret_cast<const std::uint8_t*>("claimed"), 7);
    claim.commit();

    ASSERT_TRUE(runClient([&] { return leader.received.size() == before + 3; }));
    expectSessionMessage(leader.received[before], 7, 42, "hello");
    expectSessionMessage(leader.received[before + 1], 7, 42, "gathered");
    expectSessionMessage(leader.received[before + 2], 7, 42, "claimed");
}

TEST_F(ClusterClientTest, shouldRefuseGatheredOfferWithTooManyVectors)
{
    connectToLeader();
    ASSERT_TRUE(client);
    const std::uint8_t byte = 1;
    std::vector<transport::BufferVector> vectors(ClusterClient::MAX_OFFER_VECTORS + 1,
                                                 transport::BufferVector{&byte, 1});

    EXPECT_EQ(PublicationResult::ERROR, client->offer(std::span<const transport::BufferVector>(vectors)));
    EXPECT_EQ(PublicationResult::ERROR, client->offer(nullptr, 4));
}

TEST_F(ClusterClientTest, shouldSendKeepAliveAndSnapshotRequest)
{
    FakeMember& leader = connectToLeader();
    ASSERT_TRUE(client);
    const std::size_t before = leader.received.size();

    EXPECT_TRUE(client->sendKeepAlive());
    EXPECT_TRUE(client->sendAdminRequestToTakeASnapshot(991));

    ASSERT_TRUE(runClient([&] { return leader.received.size() == before + 2; }));
    codec::SessionKeepAliveDecoder keepAlive;
    ASSERT_EQ(DecodeError::NONE,
              keepAlive.wrapWithHeader(leader.received[before].data(), 0, leader.received[before].size()));
    EXPECT_EQ(7, keepAlive.leadershipTermId());
    EXPECT_EQ(42, keepAlive.clusterSessionId());
    codec::AdminRequestDecoder admin;
    ASSERT_EQ(DecodeError::NONE,
              admin.wrapWithHeader(leader.received[before + 1].data(), 0, leader.received[before + 1].size()));
    EXPECT_EQ(42, admin.clusterSessionId());
    EXPECT_EQ(991, admin.correlationId());
    EXPECT_EQ(codec::AdminRequestType::SNAPSHOT, admin.requestType());
    EXPECT_EQ(0U, admin.payload().size());
}

TEST_F(ClusterClientTest, shouldDeliverOnlyEgressOfOwnSession)
{
    FakeMember& leader = connectToLeader();
    ASSERT_TRUE(client);

    leader.sendSessionMessage(43, 1, "not-ours");
    leader.sendSessionEvent(5, 43, 0, codec::EventCode::CLOSED, "someone else's");
    leader.sendAdminResponse(43, 6, "not-ours", "");
    leader.sendSessionMessage(42, 1'234, "ours");
    leader.sendAdminResponse(42, 77, "submitted", "xy");
    leader.sendSessionEvent(8, 42, 0, codec::EventCode::ERROR, "slow down");

    ASSERT_TRUE(runClient([&] { return listener.sessionEvents.size() == 1; }));
    ASSERT_EQ(1U, listener.messages.size());
    EXPECT_EQ(42, listener.messages[0].clusterSessionId);
    EXPECT_EQ(1'234, listener.messages[0].timestamp);
    EXPECT_EQ("ours", listener.messages[0].payload);
    ASSERT_EQ(1U, listener.adminResponses.size());
    EXPECT_EQ(77, listener.adminResponses[0].correlationId);
    EXPECT_EQ(AdminResponseCode::OK, listener.adminResponses[0].code);
    EXPECT_EQ("submitted", listener.adminResponses[0].message);
    EXPECT_EQ("xy", listener.adminResponses[0].payload);
    EXPECT_EQ(EventCode::ERROR, listener.sessionEvents[0].code);
    EXPECT_EQ("slow down", listener.sessionEvents[0].detail);
    EXPECT_FALSE(client->isClosed());
    EXPECT_EQ(0, client->invalidEgressCount());
}

TEST_F(ClusterClientTest, shouldRepointIngressToNewLeaderOnNewLeaderEvent)
{
    const std::string endpoints = endpointsOf({{0, memberPorts[0]}, {1, memberPorts[1]}});
    FakeMember& oldLeader = connectToLeader(endpoints);
    ASSERT_TRUE(client);
    FakeMember& newLeader = addMember(1, memberPorts[1]);
    const std::size_t oldCount = oldLeader.received.size();

    oldLeader.sendNewLeader(42, 8, 1, endpoints);
    oldLeader.sendSessionMessage(42, 5, "after");
    ASSERT_TRUE(runClient([&] { return !listener.newLeaders.empty(); }));

    EXPECT_EQ(8, client->leadershipTermId());
    EXPECT_EQ(1, client->leaderMemberId());
    EXPECT_EQ(8, listener.newLeaders[0].leadershipTermId);
    EXPECT_EQ(1, listener.newLeaders[0].leaderMemberId);
    EXPECT_EQ(endpoints, listener.newLeaders[0].ingressEndpoints);
    // Nothing after the event was delivered before the listener heard of the new leader.
    EXPECT_TRUE(listener.messages.empty());
    EXPECT_NE(std::string::npos, client->ingressPublication().channel().find(endpointOf(memberPorts[1])));

    const std::string payload = "to-new-leader";
    ASSERT_TRUE(runClient(
        [&]
        {
            return client->offer(reinterpret_cast<const std::uint8_t*>(payload.data()),
                                 static_cast<std::int32_t>(payload.size())) > 0;
        }));
    ASSERT_TRUE(runClient([&] { return newLeader.received.size() == 1; }));
    expectSessionMessage(newLeader.received[0], 8, 42, payload);
    EXPECT_EQ(oldCount, oldLeader.received.size());
    ASSERT_EQ(1U, listener.messages.size());
    EXPECT_EQ("after", listener.messages[0].payload);
}

TEST_F(ClusterClientTest, shouldDropNewLeaderEventWhoseLeaderHasNoEndpoint)
{
    FakeMember& leader = connectToLeader(endpointsOf({{0, memberPorts[0]}, {1, memberPorts[1]}}));
    ASSERT_TRUE(client);

    leader.sendNewLeader(42, 8, 2, endpointsOf({{0, memberPorts[0]}, {1, memberPorts[1]}}));
    leader.sendSessionMessage(42, 1, "still-here");
    ASSERT_TRUE(runClient([&] { return !listener.messages.empty(); }));

    EXPECT_EQ(1, client->invalidEgressCount());
    EXPECT_TRUE(listener.newLeaders.empty());
    EXPECT_EQ(7, client->leadershipTermId());
    EXPECT_EQ(0, client->leaderMemberId());
}

TEST_F(ClusterClientTest, shouldCloseClientWhenSessionEventClosedArrives)
{
    FakeMember& leader = connectToLeader();
    ASSERT_TRUE(client);

    leader.sendSessionEvent(0, 42, 0, codec::EventCode::CLOSED, "session timed out");
    ASSERT_TRUE(runClient([&] { return client->isClosed(); }));

    ASSERT_EQ(1U, listener.sessionEvents.size());
    EXPECT_EQ(EventCode::CLOSED, listener.sessionEvents[0].code);
    EXPECT_EQ("session timed out", listener.sessionEvents[0].detail);
    EXPECT_TRUE(client->ingressPublication().isClosed());
    EXPECT_TRUE(client->egressSubscription().isClosed());
    EXPECT_EQ(0, client->pollEgress());
    const std::string payload = "late";
    EXPECT_EQ(PublicationResult::CLOSED, client->offer(reinterpret_cast<const std::uint8_t*>(payload.data()), 4));
    EXPECT_FALSE(client->sendKeepAlive());
}

TEST_F(ClusterClientTest, shouldSendSessionCloseRequestOnClose)
{
    FakeMember& leader = connectToLeader();
    ASSERT_TRUE(client);
    const std::size_t before = leader.received.size();

    client->close();
    client->close();

    EXPECT_TRUE(client->isClosed());
    EXPECT_TRUE(fixture.pumpUntil(
        [&]
        {
            leader.poll();
            return leader.received.size() > before;
        }));
    ASSERT_EQ(before + 1, leader.received.size());
    codec::SessionCloseRequestDecoder request;
    ASSERT_EQ(DecodeError::NONE,
              request.wrapWithHeader(leader.received[before].data(), 0, leader.received[before].size()));
    EXPECT_EQ(42, request.clusterSessionId());
    EXPECT_EQ(7, request.leadershipTermId());
}

TEST_F(ClusterClientTest, shouldCountAndDropMalformedEgress)
{
    FakeMember& leader = connectToLeader();
    ASSERT_TRUE(client);

    // Shorter than a message header.
    leader.sendRaw({1, 2, 3, 4, 5});
    // Another schema.
    std::vector<std::uint8_t> otherSchema(40, 0);
    codec::MessageHeaderEncoder header;
    header.wrap(otherSchema.data(), 0, otherSchema.size()).blockLength(24).templateId(1).schemaId(999).version(1);
    leader.sendRaw(otherSchema);
    // A SessionEvent whose block runs past the frame.
    std::vector<std::uint8_t> truncated(20, 0);
    header.wrap(truncated.data(), 0, truncated.size())
        .blockLength(36)
        .templateId(codec::TemplateId::SESSION_EVENT)
        .schemaId(codec::SCHEMA_ID)
        .version(codec::SCHEMA_VERSION);
    leader.sendRaw(truncated);
    // A SessionEvent whose detail length claims more bytes than there are.
    std::vector<std::uint8_t> badDetail(8 + 36 + 4 + 3, 0);
    codec::SessionEventEncoder event;
    event.wrapAndApplyHeader(badDetail.data(), 0, badDetail.size(), header).clusterSessionId(42).putDetail("abc");
    badDetail[8 + 36] = 200;
    leader.sendRaw(badDetail);
    // A cluster template that never travels on egress.
    std::vector<std::uint8_t> notEgress(8 + 16, 0);
    codec::SessionKeepAliveEncoder keepAlive;
    keepAlive.wrapAndApplyHeader(notEgress.data(), 0, notEgress.size(), header).clusterSessionId(42);
    leader.sendRaw(notEgress);
    leader.sendSessionMessage(42, 2, "valid");

    ASSERT_TRUE(runClient([&] { return !listener.messages.empty(); }));

    EXPECT_EQ(5, client->invalidEgressCount());
    ASSERT_EQ(1U, listener.messages.size());
    EXPECT_EQ("valid", listener.messages[0].payload);
    EXPECT_TRUE(listener.sessionEvents.empty());
    EXPECT_FALSE(client->isClosed());
}
} // namespace
} // namespace cox::cluster
