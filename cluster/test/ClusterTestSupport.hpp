#pragma once

// An in-process cluster for tests (Aeron's TestCluster, smaller): N members, each a ClusterNode in INVOKER mode
// with its own directories and loopback ports, a client-side driver, and clients, all driven from the test's
// thread by poll(). Members can be stopped (closed, directories kept) and started again.

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "cox/cluster/ClusterCounters.hpp"
#include "cox/cluster/ClusterNode.hpp"
#include "cox/cluster/client/ClusterClient.hpp"
#include "cox/cluster/service/ClusteredService.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/Header.hpp"
#include "cox/transport/MediaDriver.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/UdpMedia.hpp"
#include "cox/transport/InetAddress.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/CountersReader.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::cluster::test
{
/// Real UDP that a test can cut off: while isolated, nothing this member sends leaves and nothing sent to it
/// arrives (a network partition around one machine).
class PartitionableUdpMedia final : public transport::UdpMedia
{
public:
    std::unique_ptr<transport::UdpTransport> open(const transport::InetAddress& bindAddress, int soRcvBuf,
                                                  int soSndBuf) override
    {
        return std::make_unique<Transport>(m_real->open(bindAddress, soRcvBuf, soSndBuf), m_isolated);
    }

    void isolate(bool isolated) noexcept { m_isolated->store(isolated); }

private:
    class Transport final : public transport::UdpTransport
    {
    public:
        Transport(std::unique_ptr<transport::UdpTransport> real, std::shared_ptr<std::atomic<bool>> isolated)
            : m_real(std::move(real)), m_isolated(std::move(isolated))
        {
        }

        std::int64_t sendTo(const std::uint8_t* data, std::size_t length,
                            const transport::InetAddress& to) noexcept override
        {
            return m_isolated->load() ? static_cast<std::int64_t>(length) : m_real->sendTo(data, length, to);
        }

        std::int64_t receive(std::uint8_t* buffer, std::size_t capacity, transport::InetAddress& from) noexcept override
        {
            const std::int64_t received = m_real->receive(buffer, capacity, from);
            return received > 0 && m_isolated->load() ? 0 : received;
        }

        [[nodiscard]] const transport::InetAddress& localAddress() const noexcept override
        {
            return m_real->localAddress();
        }

    private:
        std::unique_ptr<transport::UdpTransport> m_real;
        std::shared_ptr<std::atomic<bool>> m_isolated;
    };

    std::shared_ptr<transport::UdpMedia> m_real = transport::socketUdpMedia();
    std::shared_ptr<std::atomic<bool>> m_isolated = std::make_shared<std::atomic<bool>>(false);
};

/// A UDP port base unlikely to collide with another test process, below the kernel's ephemeral range (32768 up):
/// a named port there can be taken by any socket bound to port 0.
inline int clusterTestPort(int offset)
{
    return 10000 + static_cast<int>(::getpid() % 4500) * 4 + offset;
}

/// A deterministic service driven by its payloads:
///   "echo:..."            replies the whole payload to the sender
///   "timer:<id>:<delay>"  schedules timer <id> at cluster time + delay
///   "cancel:<id>"         cancels timer <id>
///   "svc:..."             offers "from-svc:..." as an inter-service message
///   "close"               closes the sender's session
/// Everything it sees is folded into stateHash(), with the log position and timestamp, so members can be
/// compared.
class TestService : public ClusteredService
{
public:
    void onStart(Cluster& cluster, transport::Image* snapshotImage) override
    {
        m_cluster = &cluster;
        ++startCount;
        if (snapshotImage != nullptr)
        {
            loadSnapshot(*snapshotImage);
        }
    }

    void onSessionOpen(ClientSession& session, std::int64_t timestamp) override
    {
        fold(1, session.id(), timestamp, nullptr, 0);
        ++sessionsOpened;
    }

    void onSessionClose(ClientSession& session, std::int64_t timestamp, CloseReason closeReason) override
    {
        fold(2, session.id(), timestamp, nullptr, 0);
        closeReasons.push_back(closeReason);
    }

    void onSessionMessage(ClientSession* session, std::int64_t timestamp, const util::AtomicBuffer& buffer,
                          std::int32_t offset, std::int32_t length, const transport::Header&) override
    {
        const std::string payload(reinterpret_cast<const char*>(buffer.buffer() + offset), static_cast<std::size_t>(length));
        fold(3, session ? session->id() : -1, timestamp, payload.data(), payload.size());
        ++messageCount;
        payloads.push_back(payload);
        if (session == nullptr)
        {
            serviceMessages.push_back(payload);
            return;
        }
        if (payload.rfind("echo:", 0) == 0)
        {
            offerUntilSent(*session, payload);
        }
        else if (payload.rfind("timer:", 0) == 0)
        {
            const auto second = payload.find(':', 6);
            const std::int64_t id = std::stoll(payload.substr(6, second - 6));
            const std::int64_t delay = std::stoll(payload.substr(second + 1));
            while (!m_cluster->scheduleTimer(id, timestamp + delay))
            {
                m_cluster->idleStrategy().idle();
            }
        }
        else if (payload.rfind("cancel:", 0) == 0)
        {
            while (!m_cluster->cancelTimer(std::stoll(payload.substr(7))))
            {
                m_cluster->idleStrategy().idle();
            }
        }
        else if (payload.rfind("svc:", 0) == 0)
        {
            const std::string message = "from-svc:" + payload.substr(4);
            while (m_cluster->offer(reinterpret_cast<const std::uint8_t*>(message.data()),
                                    static_cast<std::int32_t>(message.size())) < 0)
            {
                m_cluster->idleStrategy().idle();
            }
        }
        else if (payload == "close")
        {
            session->close();
        }
    }

    void onTimerEvent(std::int64_t correlationId, std::int64_t timestamp) override
    {
        fold(4, correlationId, timestamp, nullptr, 0);
        firedTimers.push_back(correlationId);
        timerPositions.push_back(m_cluster->logPosition());
    }

    /// The whole state: the hash and the counts, one 40-byte message led by a magic.
    void onTakeSnapshot(transport::ExclusivePublication& publication) override
    {
        std::int64_t words[SNAPSHOT_WORDS] = {SNAPSHOT_MAGIC, static_cast<std::int64_t>(m_hash), messageCount,
                                              sessionsOpened, static_cast<std::int64_t>(firedTimers.size())};
        while (publication.offer(reinterpret_cast<const std::uint8_t*>(words), sizeof(words)) < 0)
        {
            m_cluster->idleStrategy().idle();
        }
        ++snapshotsTaken;
    }
    void onRoleChange(Role newRole) override { roles.push_back(newRole); }
    void onTerminate(Cluster&) override { ++terminateCount; }

    [[nodiscard]] std::uint64_t stateHash() const noexcept { return m_hash; }
    [[nodiscard]] std::int64_t logPosition() const noexcept { return m_cluster ? m_cluster->logPosition() : -1; }

    int startCount = 0;
    int snapshotsTaken = 0;
    /// The service started from a snapshot (and the hash it loaded).
    bool loadedSnapshot = false;
    std::uint64_t loadedHash = 0;
    int terminateCount = 0;
    int sessionsOpened = 0;
    std::int64_t messageCount = 0;
    std::vector<CloseReason> closeReasons;
    std::vector<std::int64_t> firedTimers;
    std::vector<std::int64_t> timerPositions;
    std::vector<std::string> serviceMessages;
    /// Every session message applied, in log order.
    std::vector<std::string> payloads;
    std::vector<Role> roles;

private:
    static constexpr std::int64_t SNAPSHOT_MAGIC = 0x5445535453455256; // "TESTSERV"
    static constexpr int SNAPSHOT_WORDS = 5;

    void loadSnapshot(transport::Image& image)
    {
        bool loaded = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!loaded)
        {
            const int fragments = image.poll(
                [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const transport::Header&)
                {
                    std::int64_t words[SNAPSHOT_WORDS] = {};
                    if (loaded || length != static_cast<std::int32_t>(sizeof(words)))
                    {
                        return;
                    }
                    std::memcpy(words, buffer.buffer() + offset, sizeof(words));
                    if (words[0] != SNAPSHOT_MAGIC)
                    {
                        return;
                    }
                    m_hash = static_cast<std::uint64_t>(words[1]);
                    messageCount = words[2];
                    sessionsOpened = static_cast<int>(words[3]);
                    restoredTimerCount = words[4];
                    loaded = true;
                },
                1);
            if (fragments == 0)
            {
                if (image.isClosed() || std::chrono::steady_clock::now() > deadline)
                {
                    throw std::runtime_error("TestService: snapshot image ended without its state");
                }
                m_cluster->idleStrategy().idle();
            }
        }
        loadedSnapshot = true;
        loadedHash = m_hash;
    }

public:
    std::int64_t restoredTimerCount = 0;

private:
    void offerUntilSent(ClientSession& session, const std::string& payload)
    {
        for (int attempt = 0; attempt < 1000; ++attempt)
        {
            const std::int64_t result = session.offer(reinterpret_cast<const std::uint8_t*>(payload.data()),
                                                      static_cast<std::int32_t>(payload.size()));
            if (result > 0 || result == transport::PublicationResult::NOT_CONNECTED)
            {
                return;
            }
            m_cluster->idleStrategy().idle();
        }
    }

    void fold(std::uint64_t kind, std::int64_t id, std::int64_t timestamp, const char* data, std::size_t length)
    {
        auto mix = [this](std::uint64_t value)
        {
            m_hash ^= value;
            m_hash *= 1099511628211ULL;
        };
        mix(kind);
        mix(static_cast<std::uint64_t>(id));
        mix(static_cast<std::uint64_t>(timestamp));
        mix(static_cast<std::uint64_t>(m_cluster ? m_cluster->logPosition() : 0));
        for (std::size_t i = 0; i < length; ++i)
        {
            mix(static_cast<unsigned char>(data[i]));
        }
    }

    Cluster* m_cluster = nullptr;
    std::uint64_t m_hash = 14695981039346656037ULL;
};

/// Records egress for a test client.
class RecordingEgressListener : public EgressListener
{
public:
    void onMessage(std::int64_t, std::int64_t, const util::AtomicBuffer& buffer, std::int32_t offset,
                   std::int32_t length, const transport::Header&) override
    {
        messages.emplace_back(reinterpret_cast<const char*>(buffer.buffer() + offset), static_cast<std::size_t>(length));
    }

    void onSessionEvent(std::int64_t, std::int64_t, std::int64_t, std::int32_t, EventCode code,
                        std::string_view detail) override
    {
        events.emplace_back(code, std::string(detail));
    }

    void onNewLeader(std::int64_t, std::int64_t leadershipTermId, std::int32_t, std::string_view) override
    {
        newLeaderTerms.push_back(leadershipTermId);
    }

    void onAdminResponse(std::int64_t, std::int64_t correlationId, AdminRequestType, AdminResponseCode code,
                         std::string_view, std::span<const std::uint8_t>) override
    {
        adminResponses.emplace_back(correlationId, code);
    }

    void onFailoverOutcome(std::int64_t, std::int64_t messagesApplied, std::int64_t messagesLost) override
    {
        failoverOutcomes.emplace_back(messagesApplied, messagesLost);
    }

    std::vector<std::string> messages;
    std::vector<std::pair<EventCode, std::string>> events;
    std::vector<std::int64_t> newLeaderTerms;
    std::vector<std::pair<std::int64_t, std::int64_t>> failoverOutcomes;
    std::vector<std::pair<std::int64_t, AdminResponseCode>> adminResponses;
};

class TestCluster
{
public:
    struct Options
    {
        int memberCount = 1;
        int serviceCount = 1;
        std::int64_t sessionTimeoutNs = 10'000'000'000;
        std::int32_t maxConcurrentSessions = 10;
        std::string logTermLength = "256k";
        int portOffset = 0;
        AuthenticatorSupplier authenticatorSupplier;
        AuthorisationService authorisationService;
        /// Member 0 is the appointed leader; false: automatic elections.
        bool appointedLeader = true;
        std::int64_t leaderHeartbeatTimeoutNs = 1'000'000'000;
        std::int64_t startupCanvassTimeoutNs = 2'000'000'000;
        std::int32_t snapshotRetentionCount = 0;
        std::int32_t appVersion = 0;
        std::int64_t terminationTimeoutNs = 10'000'000'000;
        std::int32_t archiveSegmentFileLength = 0;
        bool archiveChecksums = false;
    };

    explicit TestCluster(Options options) : m_options(options)
    {
        m_root = std::filesystem::temp_directory_path() /
            ("cox-cluster-test-" + std::to_string(::getpid()) + "-" + std::to_string(s_instance++));
        std::filesystem::remove_all(m_root);
        m_basePort = clusterTestPort(options.portOffset);
        for (int i = 0; i < options.memberCount; ++i)
        {
            if (!m_members.empty())
            {
                m_members += "|";
            }
            const int p = m_basePort + i * 10;
            m_members += std::to_string(i) + ",localhost:" + std::to_string(p) + ",localhost:" + std::to_string(p + 1) +
                ",localhost:" + std::to_string(p + 2) + ",localhost:" + std::to_string(p + 3) + ",localhost:" +
                std::to_string(p + 5);
            if (!m_ingressEndpoints.empty())
            {
                m_ingressEndpoints += ",";
            }
            m_ingressEndpoints += std::to_string(i) + "=localhost:" + std::to_string(p);
        }
        m_services.resize(static_cast<std::size_t>(options.memberCount));
        for (int i = 0; i < options.memberCount; ++i)
        {
            m_media.push_back(std::make_shared<PartitionableUdpMedia>());
        }
        m_nodes.resize(static_cast<std::size_t>(options.memberCount));
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        driverContext.aeronDirectoryName = (m_root / "client-driver").string();
        driverContext.publicationTermBufferLength = 1024 * 1024;
        m_clientDriver = transport::MediaDriver::launch(driverContext);
        transport::AeronContext aeronContext;
        aeronContext.aeronDirectoryName = m_clientDriver->aeronDirectoryName();
        aeronContext.useConductorAgentInvoker = true;
        transport::MediaDriver* driver = m_clientDriver.get();
        aeronContext.driverInvoker = [driver] { return driver->doWork(); };
        m_clientAeron = transport::Aeron::connect(aeronContext);
        m_clientAeron->conductorAgentInvoker().start();
    }

    ~TestCluster()
    {
        m_clients.clear();
        for (auto& node : m_nodes)
        {
            if (node)
            {
                node->close();
            }
        }
        m_clientAeron->close();
        m_clientDriver->close();
        std::filesystem::remove_all(m_root);
    }

    ConsensusModuleConfig configFor(int memberId) const
    {
        ConsensusModuleConfig config;
        config.memberId = memberId;
        config.clusterMembers = m_members;
        config.appointedLeaderId =
            m_options.memberCount > 1 && m_options.appointedLeader ? 0 : ClusterMember::NULL_MEMBER_ID;
        config.leaderHeartbeatTimeoutNs = m_options.leaderHeartbeatTimeoutNs;
        config.startupCanvassTimeoutNs = m_options.startupCanvassTimeoutNs;
        config.electionStatusIntervalNs = 20'000'000;
        config.clusterDir = (m_root / ("member-" + std::to_string(memberId))).string();
        config.sessionTimeoutNs = m_options.sessionTimeoutNs;
        config.maxConcurrentSessions = m_options.maxConcurrentSessions;
        config.logChannel = "aeron:udp?term-length=" + m_options.logTermLength;
        config.electionTimeoutNs = 500'000'000;
        config.leaderHeartbeatIntervalNs = 50'000'000;
        config.serviceCount = m_options.serviceCount;
        config.snapshotRetentionCount = m_options.snapshotRetentionCount;
        config.appVersion = m_options.appVersion;
        config.terminationTimeoutNs = m_options.terminationTimeoutNs;
        return config;
    }

    void startMember(int memberId)
    {
        auto& services = m_services[static_cast<std::size_t>(memberId)];
        services.clear();
        ClusterNodeContext context;
        context.config = configFor(memberId);
        context.threadingMode = util::ThreadingMode::INVOKER;
        context.publicationTermBufferLength = 256 * 1024;
        context.ipcTermBufferLength = 256 * 1024;
        context.archiveSegmentFileLength = m_options.archiveSegmentFileLength;
        context.archiveChecksums = m_options.archiveChecksums;
        for (int s = 0; s < m_options.serviceCount; ++s)
        {
            services.push_back(std::make_unique<TestService>());
            context.services.push_back(services.back().get());
        }
        context.authenticatorSupplier = m_options.authenticatorSupplier;
        context.authorisationService = m_options.authorisationService;
        context.udpMedia = m_media[static_cast<std::size_t>(memberId)];
        context.errorHandler = [memberId](const std::exception& e)
        { std::cerr << "member " << memberId << " error: " << e.what() << std::endl; };
        m_nodes[static_cast<std::size_t>(memberId)] = ClusterNode::launch(std::move(context));
    }

    void startAll()
    {
        for (int i = 0; i < m_options.memberCount; ++i)
        {
            startMember(i);
        }
    }

    void stopMember(int memberId)
    {
        auto& node = m_nodes[static_cast<std::size_t>(memberId)];
        if (node)
        {
            node->close();
            node.reset();
        }
    }

    [[nodiscard]] bool isRunning(int memberId) const { return m_nodes[static_cast<std::size_t>(memberId)] != nullptr; }

    /// One duty cycle of every running member and the client side.
    int poll()
    {
        int work = 0;
        for (std::size_t i = 0; i < m_nodes.size(); ++i)
        {
            if (m_nodes[i] && m_paused.count(static_cast<int>(i)) == 0)
            {
                work += m_nodes[i]->doWork();
            }
        }
        work += m_clientDriver->doWork();
        work += m_clientAeron->conductorAgentInvoker().invoke();
        const auto now = std::chrono::steady_clock::now();
        const bool keepAliveDue = now - m_lastKeepAlive > std::chrono::milliseconds(500);
        for (std::size_t i = 0; i < m_clients.size(); ++i)
        {
            auto& client = m_clients[i];
            if (client && !client->isClosed())
            {
                work += client->pollEgress();
                if (keepAliveDue && m_keepAlive[i])
                {
                    // As a real client does when idle, so a long test does not time its session out.
                    static_cast<void>(client->sendKeepAlive());
                }
            }
        }
        if (keepAliveDue)
        {
            m_lastKeepAlive = now;
        }
        return work;
    }

    /// Polls until condition holds; fails the test after timeout.
    bool awaitCondition(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                        const char* what)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!condition())
        {
            if (std::chrono::steady_clock::now() > deadline)
            {
                ADD_FAILURE() << "timed out waiting for " << what;
                return false;
            }
            if (poll() == 0)
            {
                std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
        }
        return true;
    }

    void pollFor(std::chrono::milliseconds duration)
    {
        const auto deadline = std::chrono::steady_clock::now() + duration;
        while (std::chrono::steady_clock::now() < deadline)
        {
            if (poll() == 0)
            {
                std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
        }
    }

    [[nodiscard]] std::int64_t counterValue(int memberId, std::int32_t typeId) const
    {
        auto& node = *m_nodes[static_cast<std::size_t>(memberId)];
        const auto& reader = node.aeron().countersReader();
        const std::int32_t id = ClusterCounters::find(reader, typeId, 0);
        return id < 0 ? -1 : reader.getCounterValue(id);
    }

    [[nodiscard]] Role role(int memberId) const
    {
        return static_cast<Role>(counterValue(memberId, ClusterCounters::NODE_ROLE_TYPE_ID));
    }

    [[nodiscard]] std::int64_t commitPosition(int memberId) const
    {
        return counterValue(memberId, ClusterCounters::COMMIT_POSITION_TYPE_ID);
    }

    [[nodiscard]] bool isLeaderActive(int memberId) const
    {
        return isRunning(memberId) && role(memberId) == Role::LEADER &&
            counterValue(memberId, ClusterCounters::CONSENSUS_MODULE_STATE_TYPE_ID) ==
            static_cast<std::int64_t>(ConsensusModuleState::ACTIVE);
    }

    /// A running, unpaused member that is an active leader (other than notThis), or -1.
    [[nodiscard]] int findLeader(int notThis = -1) const
    {
        for (int i = 0; i < m_options.memberCount; ++i)
        {
            if (i != notThis && m_paused.count(i) == 0 && isLeaderActive(i))
            {
                return i;
            }
        }
        return -1;
    }

    /// Polls until some member leads (other than notThis); returns it, or -1 after the timeout.
    int awaitAnyLeader(int notThis = -1, std::chrono::milliseconds timeout = std::chrono::seconds(20))
    {
        int leader = -1;
        awaitCondition(
            [&]
            {
                leader = findLeader(notThis);
                return leader >= 0;
            },
            timeout, "a leader");
        return leader;
    }

    /// Members with a stopped duty cycle (a paused process): their nodes exist but are not polled.
    void pause(int memberId) { m_paused.insert(memberId); }
    /// Cuts the member off the network (its UDP both ways) or reconnects it.
    void isolate(int memberId, bool isolated) { m_media.at(static_cast<std::size_t>(memberId))->isolate(isolated); }
    void resume(int memberId) { m_paused.erase(memberId); }

    bool awaitLeader(int memberId, std::chrono::milliseconds timeout = std::chrono::seconds(20))
    {
        return awaitCondition([&] { return isLeaderActive(memberId); }, timeout, "an active leader");
    }

    /// Starts a client connect (egress on its own port) and polls until connected.
    ClusterClient* connectClient(RecordingEgressListener& listener, CredentialsSupplier credentials = {},
                                 bool keepAlive = true)
    {
        ClusterClientContext context;
        context.credentialsSupplier = std::move(credentials);
        context.aeron = m_clientAeron;
        context.ingressEndpoints = m_ingressEndpoints;
        context.egressChannel =
            "aeron:udp?endpoint=localhost:" + std::to_string(m_basePort + 200 + static_cast<int>(m_clients.size()));
        context.egressListener = &listener;
        context.messageTimeoutNs = 10'000'000'000;
        auto connect = ClusterClient::asyncConnect(context);
        std::unique_ptr<ClusterClient> client;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!client)
        {
            client = connect->poll();
            if (std::chrono::steady_clock::now() > deadline)
            {
                ADD_FAILURE() << "client connect timed out";
                return nullptr;
            }
            if (!client && poll() == 0)
            {
                std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
        }
        m_clients.push_back(std::move(client));
        m_keepAlive.push_back(keepAlive);
        return m_clients.back().get();
    }

    bool offer(ClusterClient& client, const std::string& payload)
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (client.offer(reinterpret_cast<const std::uint8_t*>(payload.data()),
                            static_cast<std::int32_t>(payload.size())) < 0)
        {
            if (std::chrono::steady_clock::now() > deadline)
            {
                ADD_FAILURE() << "offer timed out";
                return false;
            }
            poll();
        }
        return true;
    }

    /// A consensus module counter of the member (type id from ClusterCounters), or -1 if it has none.
    [[nodiscard]] std::int64_t counter(int memberId, std::int32_t typeId)
    {
        const util::CountersReader& counters = node(memberId).aeron().countersReader();
        const std::int32_t id = ClusterCounters::find(counters, typeId, 0);
        return id == ClusterCounters::NULL_COUNTER_ID ? -1 : counters.getCounterValue(id);
    }

    [[nodiscard]] std::int64_t snapshotCount(int memberId)
    {
        return counter(memberId, ClusterCounters::SNAPSHOT_COUNTER_TYPE_ID);
    }

    [[nodiscard]] std::filesystem::path clusterDir(int memberId) const
    {
        return m_root / ("member-" + std::to_string(memberId));
    }

    [[nodiscard]] TestService& service(int memberId, int serviceId = 0)
    {
        return *m_services[static_cast<std::size_t>(memberId)][static_cast<std::size_t>(serviceId)];
    }

    [[nodiscard]] ClusterNode& node(int memberId) { return *m_nodes[static_cast<std::size_t>(memberId)]; }
    [[nodiscard]] const std::string& ingressEndpoints() const noexcept { return m_ingressEndpoints; }
    [[nodiscard]] int basePort() const noexcept { return m_basePort; }
    [[nodiscard]] transport::Aeron& clientAeron() noexcept { return *m_clientAeron; }

private:
    static inline int s_instance = 0;
    Options m_options;
    std::filesystem::path m_root;

public:
    /// For tests that restart members with other settings (e.g. a new app version).
    Options& options() noexcept { return m_options; }

private:
    int m_basePort = 0;
    std::string m_members;
    std::string m_ingressEndpoints;
    std::vector<std::vector<std::unique_ptr<TestService>>> m_services;
    std::vector<std::unique_ptr<ClusterNode>> m_nodes;
    std::unique_ptr<transport::MediaDriver> m_clientDriver;
    std::shared_ptr<transport::Aeron> m_clientAeron;
    std::vector<std::unique_ptr<ClusterClient>> m_clients;
    std::vector<bool> m_keepAlive;
    std::chrono::steady_clock::time_point m_lastKeepAlive{};
    std::set<int> m_paused;
    std::vector<std::shared_ptr<PartitionableUdpMedia>> m_media;
};
/// A cluster of members that elect their leader (none appointed), with a short heartbeat timeout for fast failover.
inline TestCluster::Options automatic(int members, int portOffset)
{
    TestCluster::Options options;
    options.memberCount = members;
    options.portOffset = portOffset;
    options.appointedLeader = false;
    options.leaderHeartbeatTimeoutNs = 500'000'000;
    options.startupCanvassTimeoutNs = 1'000'000'000;
    return options;
}
} // namespace cox::cluster::test
