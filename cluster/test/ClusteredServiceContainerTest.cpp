#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../../transport/test/DriverTestSupport.hpp"
#include "cox/cluster/ClusterCounters.hpp"
#include "cox/cluster/RecoveryState.hpp"
#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/cluster/service/ClusteredServiceContainer.hpp"
#include "cox/codecs/cluster/CancelTimer.hpp"
#include "cox/codecs/cluster/CloseSession.hpp"
#include "cox/codecs/cluster/JoinLog.hpp"
#include "cox/codecs/cluster/MessageHeader.hpp"
#include "cox/codecs/cluster/NewLeadershipTermEvent.hpp"
#include "cox/codecs/cluster/ScheduleTimer.hpp"
#include "cox/codecs/cluster/ServiceAck.hpp"
#include "cox/codecs/cluster/ServiceTerminationPosition.hpp"
#include "cox/codecs/cluster/SessionCloseEvent.hpp"
#include "cox/codecs/cluster/SessionMessageHeader.hpp"
#include "cox/codecs/cluster/SessionOpenEvent.hpp"
#include "cox/codecs/cluster/TimerEvent.hpp"
#include "cox/transport/Counter.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace
{
namespace cc = codecs::cluster;

constexpr std::int32_t CLUSTER_ID = 5;
constexpr std::int32_t SERVICE_ID = 0;
constexpr std::int32_t LOG_STREAM_ID = 100;
constexpr std::int32_t EGRESS_STREAM_ID = 102;
constexpr std::int64_t LEADERSHIP_TERM_ID = 3;
constexpr std::int64_t LIVE = std::numeric_limits<std::int64_t>::max();
const std::string CONTROL_CHANNEL = "aeron:ipc?term-length=128k";

/// What the recording service saw, one entry per callback.
struct Event
{
    std::string type;
    std::int64_t sessionId = 0;
    bool hasSession = false;
    std::int64_t timestamp = 0;
    std::int64_t logPosition = 0;
    std::int64_t clusterTime = 0;
    std::string payload;
    std::int64_t value = 0;
};

Event named(const char* type)
{
    Event event;
    event.type = type;
    return event;
}

class RecordingService : public ClusteredService
{
public:
    void onStart(Cluster& startedCluster, transport::Image* snapshotImage) override
    {
        cluster = &startedCluster;
        events.push_back(named("start"));
        events.back().hasSession = snapshotImage != nullptr;
        if (onStartHook)
        {
            onStartHook(startedCluster);
        }
    }
    void onSessionOpen(ClientSession& session, std::int64_t timestamp) override
    {
        record("open", &session, timestamp, "");
    }
    void onSessionClose(ClientSession& session, std::int64_t timestamp, CloseReason closeReason) override
    {
        record("close", &session, timestamp, std::string(toString(closeReason)));
    }
    void onSessionMessage(ClientSession* session, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                          std::int32_t offset, std::int32_t length, const transport::Header& /*header*/) override
    {
        record("message", session, timestamp,
               std::string(reinterpret_cast<const char*>(buffer.buffer() + offset), static_cast<std::size_t>(length)));
        if (onMessageHook)
        {
            onMessageHook(*cluster, session);
        }
    }
    void onTimerEvent(std::int64_t correlationId, std::int64_t timestamp) override
    {
        record("timer", nullptr, timestamp, "");
        events.back().value = correlationId;
    }
    void onTakeSnapshot(transport::ExclusivePublication& /*snapshotPublication*/) override {}
    void onRoleChange(Role newRole) override
    {
        events.push_back(named("role"));
        events.back().value = static_cast<std::int64_t>(newRole);
        try
        {
            static_cast<void>(cluster->scheduleTimer(1, 1));
        }
        catch (const util::IllegalStateException&)
        {
            ++guardRejections;
        }
    }
    void onTerminate(Cluster& /*cluster*/) override { events.push_back(named("terminate")); }
    void onNewLeadershipTermEvent(std::int64_t leadershipTermId, std::int64_t logPosition, std::int64_t timestamp,
                                  std::int64_t termBaseLogPosition, std::int32_t leaderMemberId,
                                  std::int32_t logSessionId, ClusterTimeUnit timeUnit, std::int32_t appVersion) override
    {
        record("newTerm", nullptr, timestamp, std::string(toString(timeUnit)));
        events.back().value = leadershipTermId * 1000 + leaderMemberId;
        newTermDetail = {logPosition, termBaseLogPosition, logSessionId, appVersion};
    }
    int doBackgroundWork(std::int64_t /*nowNs*/) override
    {
        ++backgroundWorkCount;
        try
        {
            static_cast<void>(cluster->offer(reinterpret_cast<const std::uint8_t*>("x"), 1));
        }
        catch (const util::IllegalStateException&)
        {
            ++guardRejections;
        }
        return 0;
    }

    void record(const char* type, ClientSession* session, std::int64_t timestamp, std::string payload)
    {
        Event event = named(type);
        event.sessionId = session != nullptr ? session->id() : 0;
        event.hasSession = session != nullptr;
        event.timestamp = timestamp;
        event.logPosition = cluster->logPosition();
        event.clusterTime = cluster->time();
        event.payload = std::move(payload);
        events.push_back(std::move(event));
    }

    [[nodiscard]] std::vector<Event> ofType(const std::string& type) const
    {
        std::vector<Event> result;
        for (const Event& event : events)
        {
            if (event.type == type)
            {
                result.push_back(event);
            }
        }
        return result;
    }

    Cluster* cluster = nullptr;
    std::vector<Event> events;
    std::function<void(Cluster&)> onStartHook;
    std::function<void(Cluster&, ClientSession*)> onMessageHook;
    std::array<std::int64_t, 4> newTermDetail{};
    int backgroundWorkCount = 0;
    int guardRejections = 0;
};

/// A message the container sent to the consensus module, copied out of the control stream.
struct CmMessage
{
    std::uint16_t templateId;
    std::vector<std::uint8_t> bytes;

    template <typename Decoder> Decoder decode() const
    {
        Decoder decoder;
        EXPECT_EQ(codecs::sbe::DecodeError::NONE, decoder.wrapWithHeader(bytes.data(), 0, bytes.size()));
        return decoder;
    }
};

struct CmHandler
{
    std::deque<CmMessage>* messages;
    void operator()(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                    const transport::Header& /*header*/) const
    {
        const std::uint8_t* data = buffer.buffer() + offset;
        std::uint16_t templateId = 0;
        std::memcpy(&templateId, data + 2, sizeof(templateId));
        messages->push_back({templateId, std::vector<std::uint8_t>(data, data + length)});
    }
};
} // namespace

/// The test plays the consensus module: counters, control channel, log publication and commit position.
class ClusteredServiceContainerTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        static int instance = 0;
        m_clusterDir = (std::filesystem::temp_directory_path() /
                        ("cox-service-container-test-" + std::to_string(::getpid()) + "-" + std::to_string(++instance)))
                           .string();
        transport::AeronContext clientContext;
        clientContext.aeronDirectoryName = m_fixture.driver->aeronDirectoryName();
        clientContext.useConductorAgentInvoker = true;
        transport::MediaDriver* driver = m_fixture.driver.get();
        clientContext.driverInvoker = [driver] { return driver->doWork(); };
        m_containerAeron = transport::Aeron::connect(clientContext);

        m_cmControlSubscription = m_fixture.aeron->addSubscription(CONTROL_CHANNEL, 105);
        m_cmControlPublication = m_fixture.aeron->addExclusivePublication(CONTROL_CHANNEL, 104);
        m_logPublication = m_fixture.aeron->addExclusivePublication("aeron:ipc", LOG_STREAM_ID);
    }

    void TearDown() override
    {
        if (m_container)
        {
            m_container->agent().onClose();
            m_container.reset();
        }
        m_containerAeron->close();
        std::filesystem::remove_all(m_clusterDir);
    }

    void allocateCounters(std::int64_t snapshotRecordingId = RecoveryState::NULL_RECORDING_ID,
                          std::int64_t recoveryLogPosition = 0)
    {
        std::array<std::uint8_t, 4> key{};
        std::memcpy(key.data(), &CLUSTER_ID, sizeof(CLUSTER_ID));
        m_commitPosition = m_fixture.aeron->addCounter(ClusterCounters::COMMIT_POSITION_TYPE_ID, key, "commit-pos");
        m_nodeRole = m_fixture.aeron->addCounter(ClusterCounters::NODE_ROLE_TYPE_ID, key, "node role");
        RecoveryState::Values values;
        values.clusterId = CLUSTER_ID;
        values.serviceCount = 1;
        values.leadershipTermId = LEADERSHIP_TERM_ID;
        values.logPosition = recoveryLogPosition;
        values.timestamp = 777;
        values.snapshotRecordingIds[0] = snapshotRecordingId;
        m_recoveryState = RecoveryState::allocate(*m_fixture.aeron, values);
    }

    void createContainer(std::int64_t snapshotTimeoutNs = 30'000'000'000)
    {
        ClusteredServiceContainerContext context;
        context.snapshotTimeoutNs = snapshotTimeoutNs;
        context.clusterId = CLUSTER_ID;
        context.serviceId = SERVICE_ID;
        context.clusterDir = m_clusterDir;
        context.controlChannel = CONTROL_CHANNEL;
        context.aeron = m_containerAeron;
        context.clusteredService = &m_service;
        context.errorHandler = [this](const std::exception& error) { m_errors.emplace_back(error.what()); };
        m_container = std::make_unique<ClusteredServiceContainer>(std::move(context));
        m_container->agent().onStart();
    }

    /// Counters, container, start ack received.
    void start()
    {
        allocateCounters();
        createContainer();
        ASSERT_TRUE(pumpUntil([&] { return !cmMessages(cc::ServiceAckDecoder::TEMPLATE_ID).empty(); }));
    }

    int pump()
    {
        int work = m_fixture.pump() + m_container->agent().doWork();
        work += m_cmControlSubscription->poll(m_cmAssembler.handler(), 10);
        return work;
    }

    bool pumpUntil(const std::function<bool()>& condition)
    {
        for (int i = 0; i < 20000; ++i)
        {
            if (condition())
            {
                return true;
            }
            if (pump() == 0)
            {
                ::usleep(20);
            }
        }
        return condition();
    }

    void pumpTimes(int count)
    {
        for (int i = 0; i < count; ++i)
        {
            pump();
        }
    }

    /// Pointers into m_cmReceived (a deque, so they stay valid while more arrive).
    std::vector<const CmMessage*> cmMessages(std::uint16_t templateId) const
    {
        std::vector<const CmMessage*> result;
        for (const CmMessage& message : m_cmReceived)
        {
            if (message.templateId == templateId)
            {
                result.push_back(&message);
            }
        }
        return result;
    }

    template <typename Encode> void sendControl(Encode&& encode)
    {
        std::array<std::uint8_t, 512> buffer{};
        const std::size_t length = encode(buffer.data(), buffer.size());
        ASSERT_TRUE(pumpUntil([&] { return m_cmControlPublication->offer(buffer.data(), static_cast<std::int32_t>(length)) > 0; }));
    }

    void joinLog(std::int64_t maxLogPosition = LIVE, std::int32_t role = 0)
    {
        const std::int64_t logPosition = m_logPublication->position();
        sendControl(
            [&](std::uint8_t* buffer, std::size_t capacity)
            {
                cc::MessageHeaderEncoder header;
                cc::JoinLogEncoder encoder;
                encoder.wrapAndApplyHeader(buffer, 0, capacity, header)
                    .logPosition(logPosition)
                    .maxLogPosition(maxLogPosition)
                    .memberId(2)
                    .logSessionId(m_logPublication->sessionId())
                    .logStreamId(LOG_STREAM_ID)
                    .isStartup(cc::BooleanType::FALSE)
                    .role(role)
                    .putLogChannel("aeron:ipc");
                return cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength();
            });
        ASSERT_TRUE(pumpUntil([&] { return m_logPublication->isConnected(); }));
    }

    std::int64_t append(const std::uint8_t* data, std::size_t length)
    {
        std::int64_t result = 0;
        EXPECT_TRUE(pumpUntil([&] { return (result = m_logPublication->offer(data, static_cast<std::int32_t>(length))) > 0; }));
        return result;
    }

    template <typename Encoder, typename Fill> std::int64_t appendEntry(Fill&& fill)
    {
        std::array<std::uint8_t, 512> buffer{};
        cc::MessageHeaderEncoder header;
        Encoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header);
        fill(encoder);
        return append(buffer.data(), cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength());
    }

    std::int64_t appendSessionOpen(std::int64_t sessionId, std::int64_t timestamp,
                                   const std::string& responseChannel = "aeron:ipc")
    {
        return appendEntry<cc::SessionOpenEventEncoder>(
            [&](cc::SessionOpenEventEncoder& e)
            {
                e.leadershipTermId(LEADERSHIP_TERM_ID)
                    .correlationId(99)
                    .clusterSessionId(sessionId)
                    .timestamp(timestamp)
                    .responseStreamId(EGRESS_STREAM_ID)
                    .putResponseChannel(responseChannel)
                    .putEncodedPrincipal("alice");
            });
    }

    std::int64_t appendSessionMessage(std::int64_t sessionId, std::int64_t timestamp, const std::string& payload)
    {
        std::array<std::uint8_t, 512> buffer{};
        cc::MessageHeaderEncoder header;
        cc::SessionMessageHeaderEncoder encoder;
        encoder.wrapAndApplyHeader(buffer.data(), 0, buffer.size(), header)
            .leadershipTermId(LEADERSHIP_TERM_ID)
            .clusterSessionId(sessionId)
            .timestamp(timestamp);
        std::memcpy(buffer.data() + Cluster::SESSION_HEADER_LENGTH, payload.data(), payload.size());
        return append(buffer.data(), Cluster::SESSION_HEADER_LENGTH + payload.size());
    }

    std::int64_t appendTimer(std::int64_t correlationId, std::int64_t timestamp)
    {
        return appendEntry<cc::TimerEventEncoder>(
            [&](cc::TimerEventEncoder& e)
            { e.leadershipTermId(LEADERSHIP_TERM_ID).correlationId(correlationId).timestamp(timestamp); });
    }

    std::int64_t appendSessionClose(std::int64_t sessionId, std::int64_t timestamp)
    {
        return appendEntry<cc::SessionCloseEventEncoder>(
            [&](cc::SessionCloseEventEncoder& e)
            {
                e.leadershipTermId(LEADERSHIP_TERM_ID)
                    .clusterSessionId(sessionId)
                    .timestamp(timestamp)
                    .closeReason(cc::CloseReason::TIMEOUT);
            });
    }

    void commit(std::int64_t position) { m_commitPosition->setOrdered(position); }

    void setRole(Role role) { m_nodeRole->setOrdered(static_cast<std::int64_t>(role)); }

    transport::test::InvokerDriverFixture m_fixture;
    std::shared_ptr<transport::Aeron> m_containerAeron;
    std::shared_ptr<transport::Subscription> m_cmControlSubscription;
    std::shared_ptr<transport::ExclusivePublication> m_cmControlPublication;
    std::shared_ptr<transport::ExclusivePublication> m_logPublication;
    std::shared_ptr<transport::Counter> m_commitPosition;
    std::shared_ptr<transport::Counter> m_nodeRole;
    std::shared_ptr<transport::Counter> m_recoveryState;
    std::deque<CmMessage> m_cmReceived;
    transport::FragmentAssembler<CmHandler> m_cmAssembler{CmHandler{&m_cmReceived}};
    RecordingService m_service;
    std::unique_ptr<ClusteredServiceContainer> m_container;
    std::vector<std::string> m_errors;
    std::string m_clusterDir;
};

TEST_F(ClusteredServiceContainerTest, shouldWaitForCountersWithoutBlockingThenStartAndAck)
{
    createContainer();
    pumpTimes(50);
    EXPECT_TRUE(m_service.events.empty());
    EXPECT_TRUE(m_cmReceived.empty());

    allocateCounters();
    ASSERT_TRUE(pumpUntil([&] { return !cmMessages(cc::ServiceAckDecoder::TEMPLATE_ID).empty(); }));

    ASSERT_EQ(1u, m_service.ofType("start").size());
    EXPECT_FALSE(m_service.events[0].hasSession) << "no snapshot image";
    const auto ack = cmMessages(cc::ServiceAckDecoder::TEMPLATE_ID)[0]->decode<cc::ServiceAckDecoder>();
    EXPECT_EQ(0, ack.logPosition());
    EXPECT_EQ(777, ack.timestamp());
    EXPECT_EQ(0, ack.ackId());
    EXPECT_EQ(m_containerAeron->clientId(), ack.relevantId());
    EXPECT_EQ(SERVICE_ID, ack.serviceId());
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(m_clusterDir) / "cluster-mark-service-0.dat"));
}

TEST_F(ClusteredServiceContainerTest, shouldFailClearlyWhenTheSnapshotToLoadCannotBeReached)
{
    allocateCounters(42); // a snapshot recording, but no archive runs here to replay it
    createContainer(300'000'000);
    bool threw = false;
    for (int i = 0; i < 1000 && !threw; ++i)
    {
        m_fixture.pump();
        try
        {
            m_container->agent().doWork();
        }
        catch (const std::exception& e)
        {
            threw = true;
            EXPECT_NE(std::string::npos, std::string(e.what()).find("archive")) << e.what();
        }
    }
    EXPECT_TRUE(threw);
    EXPECT_TRUE(m_service.events.empty());
}

TEST_F(ClusteredServiceContainerTest, shouldRejectOfferAndTimersFromOnStartAndBackgroundWork)
{
    bool threwFromOnStart = false;
    m_service.onStartHook = [&](Cluster& cluster)
    {
        try
        {
            static_cast<void>(cluster.scheduleTimer(1, 10));
        }
        catch (const util::IllegalStateException&)
        {
            threwFromOnStart = true;
        }
    };
    start();
    pumpTimes(5);

    EXPECT_TRUE(threwFromOnStart);
    EXPECT_GT(m_service.backgroundWorkCount, 0);
    EXPECT_EQ(m_service.backgroundWorkCount, m_service.guardRejections);
    EXPECT_TRUE(cmMessages(cc::ScheduleTimerDecoder::TEMPLATE_ID).empty());
}

TEST_F(ClusteredServiceContainerTest, shouldDeliverNothingBeyondTheCommitPositionAndEntriesInOrder)
{
    start();
    joinLog();
    const std::int64_t openPosition = appendSessionOpen(17, 1000);
    const std::int64_t messagePosition = appendSessionMessage(17, 1001, "hello");
    const std::int64_t timerPosition = appendTimer(55, 1002);
    const std::int64_t closePosition = appendSessionClose(17, 1003);
    pumpTimes(50);
    EXPECT_EQ(1u, m_service.events.size()) << "only onStart before anything is committed";

    commit(openPosition);
    pumpTimes(50);
    ASSERT_EQ(2u, m_service.events.size());
    EXPECT_EQ("open", m_service.events[1].type);

    commit(closePosition);
    ASSERT_TRUE(pumpUntil([&] { return m_service.events.size() == 5; }));
    const auto& events = m_service.events;
    EXPECT_EQ("open", events[1].type);
    EXPECT_EQ(17, events[1].sessionId);
    EXPECT_EQ(1000, events[1].timestamp);
    EXPECT_EQ(openPosition, events[1].logPosition);
    EXPECT_EQ(1000, events[1].clusterTime);
    EXPECT_EQ("message", events[2].type);
    EXPECT_TRUE(events[2].hasSession);
    EXPECT_EQ(17, events[2].sessionId);
    EXPECT_EQ("hello", events[2].payload);
    EXPECT_EQ(messagePosition, events[2].logPosition);
    EXPECT_EQ(1001, events[2].clusterTime);
    EXPECT_EQ("timer", events[3].type);
    EXPECT_EQ(55, events[3].value);
    EXPECT_EQ(timerPosition, events[3].logPosition);
    EXPECT_EQ("close", events[4].type);
    EXPECT_EQ("TIMEOUT", events[4].payload);
    EXPECT_EQ(closePosition, events[4].logPosition);
    EXPECT_EQ(nullptr, m_service.cluster->getClientSession(17));
}

TEST_F(ClusteredServiceContainerTest, shouldDeliverInterServiceMessageWithNullSessionAndNewTermEvent)
{
    start();
    joinLog();
    const std::int64_t interServicePosition = appendSessionMessage(-9, 2000, "between services");
    const std::int64_t newTermPosition = appendEntry<cc::NewLeadershipTermEventEncoder>(
        [](cc::NewLeadershipTermEventEncoder& e)
        {
            e.leadershipTermId(4)
                .logPosition(1234)
                .timestamp(2001)
                .termBaseLogPosition(1200)
                .leaderMemberId(1)
                .logSessionId(66)
                .timeUnit(cc::ClusterTimeUnit::MICROS)
                .appVersion(7);
        });
    commit(newTermPosition);
    ASSERT_TRUE(pumpUntil([&] { return m_service.events.size() == 3; }));

    EXPECT_EQ("message", m_service.events[1].type);
    EXPECT_FALSE(m_service.events[1].hasSession);
    EXPECT_EQ("between services", m_service.events[1].payload);
    EXPECT_EQ(interServicePosition, m_service.events[1].logPosition);
    EXPECT_EQ("newTerm", m_service.events[2].type);
    EXPECT_EQ(4001, m_service.events[2].value);
    EXPECT_EQ("us", m_service.events[2].payload);
    EXPECT_EQ(2001, m_service.events[2].timestamp);
    EXPECT_EQ((std::array<std::int64_t, 4>{1234, 1200, 66, 7}), m_service.newTermDetail);
    EXPECT_EQ(ClusterTimeUnit::MICROSECONDS, m_service.cluster->timeUnit());
}

TEST_F(ClusteredServiceContainerTest, shouldSendEgressWithSessionHeaderOnLeader)
{
    auto egress = m_fixture.aeron->addSubscription("aeron:ipc", EGRESS_STREAM_ID);
    start();
    setRole(Role::LEADER);
    joinLog(LIVE, static_cast<std::int32_t>(Role::LEADER));
    commit(appendSessionOpen(21, 3000));
    ASSERT_TRUE(pumpUntil([&] { return m_service.cluster->getClientSession(21) != nullptr; }));
    EXPECT_EQ(Role::LEADER, m_service.cluster->role());

    ClientSession& session = *m_service.cluster->getClientSession(21);
    EXPECT_EQ("aeron:ipc", session.responseChannel());
    EXPECT_EQ(EGRESS_STREAM_ID, session.responseStreamId());
    EXPECT_EQ(std::string("alice"), std::string(session.encodedPrincipal().begin(), session.encodedPrincipal().end()));
    const std::string payload = "reply";
    ASSERT_TRUE(pumpUntil([&] {
        return session.offer(reinterpret_cast<const std::uint8_t*>(payload.data()), static_cast<std::int32_t>(payload.size())) > 0;
    }));

    std::vector<std::uint8_t> received;
    ASSERT_TRUE(pumpUntil(
        [&]
        {
            egress->poll([&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const transport::Header&)
                         { received.assign(buffer.buffer() + offset, buffer.buffer() + offset + length); },
                         1);
            return !received.empty();
        }));
    ASSERT_EQ(static_cast<std::size_t>(Cluster::SESSION_HEADER_LENGTH) + payload.size(), received.size());
    cc::SessionMessageHeaderDecoder header;
    ASSERT_EQ(codecs::sbe::DecodeError::NONE, header.wrapWithHeader(received.data(), 0, received.size()));
    EXPECT_EQ(LEADERSHIP_TERM_ID, header.leadershipTermId());
    EXPECT_EQ(21, header.clusterSessionId());
    EXPECT_EQ(3000, header.timestamp());
    EXPECT_EQ(payload, std::string(received.begin() + Cluster::SESSION_HEADER_LENGTH, received.end()));
}

TEST_F(ClusteredServiceContainerTest, shouldMockEgressOnFollower)
{
    start();
    joinLog();
    commit(appendSessionOpen(22, 4000));
    ASSERT_TRUE(pumpUntil([&] { return m_service.cluster->getClientSession(22) != nullptr; }));
    ClientSession& session = *m_service.cluster->getClientSession(22);

    const std::uint8_t byte = 1;
    EXPECT_EQ(ClientSession::MOCKED_OFFER, session.offer(&byte, 1));
    transport::BufferClaim claim;
    ASSERT_EQ(ClientSession::MOCKED_OFFER, session.tryClaim(100, claim));
    EXPECT_EQ(Cluster::SESSION_HEADER_LENGTH + 100, claim.length());
    claim.buffer().putInt64(static_cast<std::size_t>(claim.offset() + Cluster::SESSION_HEADER_LENGTH + 92), 42);
    claim.commit();
    cc::SessionMessageHeaderDecoder header;
    ASSERT_EQ(codecs::sbe::DecodeError::NONE,
              header.wrapWithHeader(claim.buffer().buffer(), static_cast<std::size_t>(claim.offset()),
                                    static_cast<std::size_t>(claim.offset() + claim.length())));
    EXPECT_EQ(22, header.clusterSessionId());
    EXPECT_EQ(4000, header.timestamp());
}

TEST_F(ClusteredServiceContainerTest, shouldSendTimersCloseAndInterServiceMessagesToConsensusModule)
{
    m_service.onMessageHook = [](Cluster& cluster, ClientSession* session)
    {
        EXPECT_TRUE(cluster.scheduleTimer(70, 5000));
        EXPECT_TRUE(cluster.cancelTimer(71));
        const std::string payload = "to all services";
        EXPECT_GT(cluster.offer(reinterpret_cast<const std::uint8_t*>(payload.data()), static_cast<std::int32_t>(payload.size())), 0);
        ASSERT_NE(nullptr, session);
        EXPECT_TRUE(cluster.closeClientSession(session->id()));
        EXPECT_TRUE(session->isClosing());
        EXPECT_THROW(static_cast<void>(cluster.closeClientSession(12345)), util::IllegalArgumentException);
    };
    start();
    joinLog();
    appendSessionOpen(30, 6000);
    commit(appendSessionMessage(30, 6001, "go"));
    ASSERT_TRUE(pumpUntil([&] { return !cmMessages(cc::CloseSessionDecoder::TEMPLATE_ID).empty(); }));

    const auto schedule = cmMessages(cc::ScheduleTimerDecoder::TEMPLATE_ID);
    ASSERT_EQ(1u, schedule.size());
    EXPECT_EQ(70, schedule[0]->decode<cc::ScheduleTimerDecoder>().correlationId());
    EXPECT_EQ(5000, schedule[0]->decode<cc::ScheduleTimerDecoder>().deadline());
    const auto cancel = cmMessages(cc::CancelTimerDecoder::TEMPLATE_ID);
    ASSERT_EQ(1u, cancel.size());
    EXPECT_EQ(71, cancel[0]->decode<cc::CancelTimerDecoder>().correlationId());
    EXPECT_EQ(30, cmMessages(cc::CloseSessionDecoder::TEMPLATE_ID)[0]->decode<cc::CloseSessionDecoder>().clusterSessionId());

    const auto messages = cmMessages(cc::SessionMessageHeaderDecoder::TEMPLATE_ID);
    ASSERT_EQ(1u, messages.size());
    const auto header = messages[0]->decode<cc::SessionMessageHeaderDecoder>();
    EXPECT_EQ(SERVICE_ID, header.clusterSessionId());
    EXPECT_EQ(LEADERSHIP_TERM_ID, header.leadershipTermId());
    EXPECT_EQ("to all services",
              std::string(messages[0]->bytes.begin() + Cluster::SESSION_HEADER_LENGTH, messages[0]->bytes.end()));

    std::vector<std::uint16_t> order;
    for (const CmMessage& message : m_cmReceived)
    {
        order.push_back(message.templateId);
    }
    // start ack, join ack, then the service's requests in the order it made them.
    EXPECT_EQ((std::vector<std::uint16_t>{33, 33, 31, 32, 1, 30}), order);
}

TEST_F(ClusteredServiceContainerTest, shouldAckAndCloseLogAtReplayEnd)
{
    start();
    // A TimerEvent entry is 8 + 24 bytes: one 64-byte frame. The replay ends after two of them.
    const std::int64_t replayEnd = m_logPublication->position() + 2 * 64;
    joinLog(replayEnd);
    appendTimer(1, 10);
    EXPECT_EQ(replayEnd, appendTimer(2, 11));
    commit(appendTimer(3, 12));
    ASSERT_TRUE(pumpUntil([&] { return cmMessages(cc::ServiceAckDecoder::TEMPLATE_ID).size() == 3; }));
    pumpTimes(20);

    ASSERT_EQ(2u, m_service.ofType("timer").size()) << "nothing beyond the replay's end";
    const auto joinAck = cmMessages(cc::ServiceAckDecoder::TEMPLATE_ID)[1]->decode<cc::ServiceAckDecoder>();
    EXPECT_EQ(1, joinAck.ackId()) << "the join is acked first";
    const auto ack = cmMessages(cc::ServiceAckDecoder::TEMPLATE_ID)[2]->decode<cc::ServiceAckDecoder>();
    EXPECT_EQ(replayEnd, ack.logPosition());
    EXPECT_EQ(2, ack.ackId());
    EXPECT_EQ(11, ack.timestamp());
    EXPECT_EQ(-1, ack.relevantId());
    EXPECT_EQ(replayEnd, m_service.cluster->logPosition());
    EXPECT_TRUE(pumpUntil([&] { return !m_logPublication->isConnected(); })) << "log subscription closed";
}

TEST_F(ClusteredServiceContainerTest, shouldCallOnRoleChangeWhenNodeRoleCounterChanges)
{
    start();
    setRole(Role::LEADER);
    ASSERT_TRUE(pumpUntil([&] { return m_service.ofType("role").size() == 1; }));
    EXPECT_EQ(static_cast<std::int64_t>(Role::LEADER), m_service.ofType("role")[0].value);
    EXPECT_EQ(Role::LEADER, m_service.cluster->role());

    setRole(Role::FOLLOWER);
    ASSERT_TRUE(pumpUntil([&] { return m_service.ofType("role").size() == 2; }));
    EXPECT_EQ(static_cast<std::int64_t>(Role::FOLLOWER), m_service.ofType("role")[1].value);
    EXPECT_EQ(2, m_service.guardRejections - m_service.backgroundWorkCount) << "timers refused in onRoleChange";
}

TEST_F(ClusteredServiceContainerTest, shouldTerminateAtServiceTerminationPosition)
{
    start();
    joinLog();
    const std::int64_t first = appendTimer(1, 100);
    const std::int64_t second = appendTimer(2, 101);
    commit(second);
    sendControl(
        [&](std::uint8_t* buffer, std::size_t capacity)
        {
            cc::MessageHeaderEncoder header;
            cc::ServiceTerminationPositionEncoder encoder;
            encoder.wrapAndApplyHeader(buffer, 0, capacity, header).logPosition(first);
            return cc::MessageHeaderEncoder::ENCODED_LENGTH + encoder.encodedLength();
        });
    ASSERT_TRUE(pumpUntil([&] { return m_container->isTerminated(); }));
    pumpTimes(10);

    ASSERT_EQ(1u, m_service.ofType("timer").size()) << "nothing after the termination position";
    ASSERT_EQ(1u, m_service.ofType("terminate").size());
    EXPECT_EQ("terminate", m_service.events.back().type);
    const auto acks = cmMessages(cc::ServiceAckDecoder::TEMPLATE_ID);
    ASSERT_EQ(3u, acks.size()) << "start, join and termination acks";
    const auto ack = acks[2]->decode<cc::ServiceAckDecoder>();
    EXPECT_EQ(first, ack.logPosition());
    EXPECT_EQ(2, ack.ackId());
    EXPECT_EQ(0, m_container->agent().doWork());
}

TEST_F(ClusteredServiceContainerTest, shouldCountCorruptLogEntryAndCarryOn)
{
    start();
    joinLog();
    // A SessionOpenEvent header whose block claims more bytes than the entry has.
    std::array<std::uint8_t, 16> corrupt{};
    cc::MessageHeaderEncoder header;
    header.wrap(corrupt.data(), 0, corrupt.size())
        .blockLength(200)
        .templateId(cc::SessionOpenEventEncoder::TEMPLATE_ID)
        .schemaId(cc::SessionOpenEventEncoder::SCHEMA_ID)
        .version(cc::SessionOpenEventEncoder::SCHEMA_VERSION);
    append(corrupt.data(), corrupt.size());
    const std::array<std::uint8_t, 3> garbage{1, 2, 3};
    append(garbage.data(), garbage.size());
    commit(appendTimer(9, 900));
    ASSERT_TRUE(pumpUntil([&] { return m_service.ofType("timer").size() == 1; }));

    EXPECT_EQ(2, m_container->errorCount());
    EXPECT_EQ(2u, m_errors.size());
    EXPECT_TRUE(m_service.ofType("open").empty());
    EXPECT_EQ(9, m_service.ofType("timer")[0].value);
}
} // namespace cox::cluster
