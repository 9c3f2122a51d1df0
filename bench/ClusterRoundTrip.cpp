// `cox-bench cluster`: round trips through a whole cluster. The members (3 by default) run in this process, each
// a ClusterNode with its own threads, driver, archive, directories and loopback ports, hosting the EchoService;
// a ClusterClient on the calling thread sends 32-byte messages and waits for the echoes, which come back only
// once a majority has recorded each message and the leader's service has seen it.
//
// Two runs after a warm-up each:
//   fixed rate  one message at a time at --rate; the round trip is timed from the intended send time, so a
//               slow echo that delays the next send counts against every message it delayed (no
//               coordinated omission);
//   max rate    up to --window messages outstanding, as fast as they come back: throughput and latency.
// The baseline, in the same run with the same thread layout and idle strategies, is a plain echo over our UDP
// transport: a publication/subscription pair to an echo agent on its own thread behind its own threaded
// driver, where the cluster has the whole consensus path. It runs first, before the members start.
//
// Every echo is checked against what was sent (sequence number and filler); a mismatch, a message out of
// order, or one not echoed within 10 s ends the run with an error.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "BenchCommand.hpp"
#include "BenchSupport.hpp"
#include "ClusterBenchSupport.hpp"
#include "cox/examples/EchoService.hpp"
#include "cox/transport/Header.hpp"
#include "cox/transport/Publication.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/AgentRunner.hpp"
#include "cox/util/AtomicBuffer.hpp"

namespace
{
using namespace cox;
using bench::benchNanoTime;

constexpr std::int32_t MESSAGE_LENGTH = 32;
constexpr std::int32_t BASELINE_PING_STREAM_ID = 1101;
constexpr std::int32_t BASELINE_ECHO_STREAM_ID = 1102;
/// Most messages a max-rate run may keep outstanding; the send-time ring is this long.
constexpr std::int64_t MAX_WINDOW = 1024;
/// Echoes one poll may deliver before the benchmark timestamps them (a poll takes at most 10 fragments).
constexpr std::size_t MAX_ARRIVALS_PER_POLL = 64;
/// Loops of the client between client conductor duty cycles (keepalives): invisible in the figures.
constexpr std::int64_t HOUSEKEEPING_INTERVAL = 1024;
constexpr std::int64_t STALL_CHECK_INTERVAL = 4096;
constexpr std::int64_t STALL_TIMEOUT_NS = 10'000'000'000;
constexpr std::int64_t SETUP_TIMEOUT_NS = 30'000'000'000;
constexpr int FOLLOWER_CATCH_UP_MS = 300;

struct RoundTripConfig
{
    std::int64_t messages = 0;
    std::int64_t warmup = 0;
    double rate = 0;
    std::int64_t window = 0;
    int memberCount = 3;
    std::string threading;
    std::string idle;
    int portBase = 0;
};

/// The figures of one run (fixed or max rate) against one echo.
struct RunResult
{
    util::Histogram histogram{util::Histogram::ONE_HOUR_NS};
    /// Fixed rate: the round trip from the actual send, which leaves out the time spent queued behind a late
    /// echo; with histogram it tells a slow exchange from an overloaded schedule.
    util::Histogram serviceTime{util::Histogram::ONE_HOUR_NS};
    std::int64_t elapsedNs = 0;
    std::int64_t offerRetries = 0;
    /// Fixed rate: sends that left after their intended time because the previous echo was late.
    std::int64_t lateSends = 0;

    [[nodiscard]] double msgsPerSec() const
    {
        return elapsedNs > 0 ? static_cast<double>(histogram.totalCount()) * 1e9 / static_cast<double>(elapsedNs)
                             : 0.0;
    }
};

/// The payload of message `sequence`: the sequence number, then filler derived from it, so that an echo from
/// another message or a corrupted one cannot pass for the right one.
void fillMessage(std::uint8_t* message, std::int64_t sequence) noexcept
{
    std::memcpy(message, &sequence, sizeof(sequence));
    for (std::int32_t i = static_cast<std::int32_t>(sizeof(sequence)); i < MESSAGE_LENGTH; ++i)
    {
        message[i] = static_cast<std::uint8_t>(sequence * 31 + i);
    }
}

/// Checks each echo against the message expected next, in order, and collects the sequence numbers of those
/// a poll delivered so that the caller timestamps them after the poll (not in the callback).
class EchoChecker
{
public:
    void onEcho(const std::uint8_t* data, std::int32_t length) noexcept
    {
        if (hasFailed())
        {
            return;
        }
        if (length != MESSAGE_LENGTH)
        {
            fail("echo of " + std::to_string(length) + " bytes, expected " + std::to_string(MESSAGE_LENGTH));
            return;
        }
        std::array<std::uint8_t, MESSAGE_LENGTH> expected{};
        fillMessage(expected.data(), m_nextExpected);
        if (std::memcmp(data, expected.data(), expected.size()) != 0)
        {
            std::int64_t sequence;
            std::memcpy(&sequence, data, sizeof(sequence));
            fail(sequence == m_nextExpected ? "echo of message " + std::to_string(sequence) + " corrupted"
                                            : "echo of message " + std::to_string(sequence) + " when " +
                                     std::to_string(m_nextExpected) + " was expected");
            return;
        }
        if (m_arrivalCount == m_arrivals.size())
        {
            fail("more than " + std::to_string(m_arrivals.size()) + " echoes in one poll");
            return;
        }
        m_arrivals[m_arrivalCount++] = m_nextExpected++;
    }

    /// Records a failure seen elsewhere (the session closed, a new leader).
    void fail(std::string reason) noexcept
    {
        if (m_error.empty())
        {
            m_error = std::move(reason);
        }
    }

    /// Hands each echo collected since the last call to onArrival(sequence) and forgets them.
    template <typename OnArrival> void drain(OnArrival&& onArrival)
    {
        for (std::size_t i = 0; i < m_arrivalCount; ++i)
        {
            onArrival(m_arrivals[i]);
        }
        m_arrivalCount = 0;
    }

    /// Throws IllegalStateException with the first failure, if any.
    void check() const
    {
        if (hasFailed())
        {
            throw util::IllegalStateException(m_error);
        }
    }

    [[nodiscard]] bool hasFailed() const noexcept { return !m_error.empty(); }
    [[nodiscard]] std::int64_t nextExpected() const noexcept { return m_nextExpected; }

private:
    std::int64_t m_nextExpected = 0;
    std::array<std::int64_t, MAX_ARRIVALS_PER_POLL> m_arrivals{};
    std::size_t m_arrivalCount = 0;
    std::string m_error;
};

/// The client side of an echo exchange: the cluster client, or the baseline's publication and subscription.
/// Everything runs on the benchmark's thread.
class EchoClient
{
public:
    virtual ~EchoClient() = default;

    /// Offers one message: a position, or a PublicationResult code when not accepted.
    [[nodiscard]] virtual std::int64_t offer(const std::uint8_t* message, std::int32_t length) noexcept = 0;
    /// One duty cycle of the data path (the invoker driver sends and receives) and a poll of the echoes,
    /// which go to checker().
    virtual int poll() = 0;
    /// Off the data path: the client conductor (keepalives, image changes).
    virtual int housekeeping() = 0;
    [[nodiscard]] virtual EchoChecker& checker() noexcept = 0;
};

/// The benchmark's side of every run: sends, polls, timestamps echoes and watches for stalls.
class RoundTripRunner
{
public:
    RoundTripRunner(EchoClient& client, std::string name) : m_client(client), m_name(std::move(name)) {}

    /// Messages [first, first + count) one at a time, message i intended to leave at startNs + i / rate; a
    /// round trip counts from that intended time. Records those at or after recordFrom.
    void fixedRate(std::int64_t count, double rate, std::int64_t recordFrom, RunResult& result)
    {
        const std::int64_t first = m_client.checker().nextExpected();
        const double intervalNs = 1e9 / rate;
        std::int64_t recordStartNs = 0;
        const std::int64_t startNs = benchNanoTime();
        for (std::int64_t i = 0; i < count; ++i)
        {
            const std::int64_t sequence = first + i;
            const std::int64_t intendedNs = startNs + static_cast<std::int64_t>(static_cast<double>(i) * intervalNs);
            std::int64_t nowNs = benchNanoTime();
            if (nowNs > intendedNs)
            {
                ++result.lateSends;
            }
            while (nowNs < intendedNs)
            {
                m_client.poll();
                m_client.housekeeping();
                nowNs = benchNanoTime();
            }
            if (sequence == recordFrom)
            {
                recordStartNs = intendedNs;
            }
            // Stalls count from the actual send: once behind schedule the intended time may be long past.
            const std::int64_t sentNs = benchNanoTime();
            send(sequence, sentNs, result);
            std::int64_t spins = 0;
            while (m_client.checker().nextExpected() <= sequence)
            {
                pollAndRecord(
                    [&](std::int64_t echoed, std::int64_t arrivedNs)
                    {
                        if (echoed >= recordFrom)
                        {
                            result.histogram.record(arrivedNs - intendedNs);
                            result.serviceTime.record(arrivedNs - sentNs);
                        }
                    });
                checkStall(++spins, sentNs);
            }
        }
        if (recordStartNs > 0)
        {
            result.elapsedNs = benchNanoTime() - recordStartNs;
        }
    }

    /// Messages [first, first + count) with at most window outstanding, each sent as soon as the window allows;
    /// a round trip counts from the first attempt to send. Records those at or after recordFrom, and the
    /// throughput from the first of them leaving to the last coming back.
    void maxRate(std::int64_t count, std::int64_t window, std::int64_t recordFrom, RunResult& result)
    {
        const std::int64_t first = m_client.checker().nextExpected();
        const std::int64_t end = first + count;
        std::int64_t next = first;
        std::int64_t recordStartNs = 0;
        std::int64_t spins = 0;
        std::int64_t lastProgressNs = benchNanoTime();
        std::int64_t lastExpected = first;
        while (m_client.checker().nextExpected() < end)
        {
            if (next < end && next - m_client.checker().nextExpected() < window)
            {
                const std::int64_t sendNs = benchNanoTime();
                m_sendTimesNs[static_cast<std::size_t>(next % MAX_WINDOW)] = sendNs;
                if (next == recordFrom)
                {
                    recordStartNs = sendNs;
                }
                send(next, sendNs, result);
                ++next;
            }
            pollAndRecord(
                [&](std::int64_t echoed, std::int64_t arrivedNs)
                {
                    if (echoed >= recordFrom)
                    {
                        const auto slot = static_cast<std::size_t>(echoed % MAX_WINDOW);
                        result.histogram.record(arrivedNs - m_sendTimesNs[slot]);
                    }
                });
            if (++spins % HOUSEKEEPING_INTERVAL == 0)
            {
                m_client.housekeeping();
            }
            if (m_client.checker().nextExpected() != lastExpected)
            {
                lastExpected = m_client.checker().nextExpected();
                lastProgressNs = benchNanoTime();
            }
            checkStall(spins, lastProgressNs);
        }
        if (recordStartNs > 0)
        {
            result.elapsedNs = benchNanoTime() - recordStartNs;
        }
    }

private:
    /// Offers until accepted, polling meanwhile (echoes arriving then are timestamped as usual).
    void send(std::int64_t sequence, std::int64_t sinceNs, RunResult& result)
    {
        fillMessage(m_message.data(), sequence);
        std::int64_t spins = 0;
        while (true)
        {
            const std::int64_t position = m_client.offer(m_message.data(), MESSAGE_LENGTH);
            if (position >= 0)
            {
                return;
            }
            if (position == transport::PublicationResult::CLOSED ||
                position == transport::PublicationResult::MAX_POSITION_EXCEEDED ||
                position == transport::PublicationResult::ERROR)
            {
                throw util::IllegalStateException(m_name + ": offer of message " + std::to_string(sequence) +
                                                  " failed: " + transport::PublicationResult::name(position));
            }
            ++result.offerRetries;
            m_client.poll();
            if (++spins % STALL_CHECK_INTERVAL == 0 && benchNanoTime() - sinceNs > STALL_TIMEOUT_NS)
            {
                throw util::IllegalStateException(m_name + ": offer of message " + std::to_string(sequence) +
                                                  " not accepted within 10 s: " +
                                                  transport::PublicationResult::name(position));
            }
            checkStall(spins, sinceNs);
        }
    }

    /// One poll; echoes it delivered go to onArrival(sequence, arrivedNs) with one timestamp taken after it.
    template <typename OnArrival> void pollAndRecord(OnArrival&& onArrival)
    {
        if (m_client.poll() > 0)
        {
            EchoChecker& checker = m_client.checker();
            checker.check();
            const std::int64_t arrivedNs = benchNanoTime();
            checker.drain([&](std::int64_t sequence) { onArrival(sequence, arrivedNs); });
        }
    }

    void checkStall(std::int64_t spins, std::int64_t sinceNs)
    {
        if (spins % STALL_CHECK_INTERVAL == 0)
        {
            m_client.checker().check();
            if (benchNanoTime() - sinceNs > STALL_TIMEOUT_NS)
            {
                throw util::IllegalStateException(m_name + ": no echo of message " +
                                                  std::to_string(m_client.checker().nextExpected()) +
                                                  " within 10 s");
            }
        }
    }

    EchoClient& m_client;
    std::string m_name;
    std::array<std::uint8_t, MESSAGE_LENGTH> m_message{};
    std::array<std::int64_t, MAX_WINDOW> m_sendTimesNs{};
};

// ---- the cluster -----------------------------------------------------------------------------

/// Echoes from the cluster to the checker; a closed session or a new leader fails the run, since messages
/// in flight would be lost.
class CheckingEgressListener final : public cluster::EgressListener
{
public:
    explicit CheckingEgressListener(EchoChecker& checker) : m_checker(checker) {}

    void onMessage(std::int64_t, std::int64_t, const util::AtomicBuffer& buffer, std::int32_t offset,
                   std::int32_t length, const transport::Header&) override
    {
        if (offset < 0 || length < 0 ||
            !buffer.inBounds(static_cast<std::size_t>(offset), static_cast<std::size_t>(length)))
        {
            m_checker.fail("egress message outside its buffer");
            return;
        }
        m_checker.onEcho(buffer.buffer() + offset, length);
    }

    void onSessionEvent(std::int64_t, std::int64_t, std::int64_t, std::int32_t, cluster::EventCode code,
                        std::string_view detail) override
    {
        if (code == cluster::EventCode::ERROR || code == cluster::EventCode::CLOSED)
        {
            m_checker.fail("session event " + std::to_string(static_cast<int>(code)) + ": " + std::string(detail));
        }
    }

    void onNewLeader(std::int64_t, std::int64_t leadershipTermId, std::int32_t leaderMemberId,
                     std::string_view) override
    {
        m_checker.fail("leader changed to member " + std::to_string(leaderMemberId) + " in term " +
                       std::to_string(leadershipTermId) + " during the run");
    }

private:
    EchoChecker& m_checker;
};

class ClusterEchoClient final : public EchoClient
{
public:
    ClusterEchoClient(const std::string& ingressEndpoints, int egressPort) : m_listener(m_checker)
    {
        m_client = bench::connectBenchClient(m_transport, ingressEndpoints, egressPort, m_listener, SETUP_TIMEOUT_NS);
    }

    ~ClusterEchoClient() override
    {
        try
        {
            m_client->close();
            // Lets the driver send the close request before it goes.
            for (int i = 0; i < 100; ++i)
            {
                m_transport.pump();
            }
        }
        catch (const std::exception& e)
        {
            std::fprintf(stderr, "warning: closing the cluster client: %s\n", e.what());
        }
    }

    ClusterEchoClient(const ClusterEchoClient&) = delete;
    ClusterEchoClient& operator=(const ClusterEchoClient&) = delete;

    std::int64_t offer(const std::uint8_t* message, std::int32_t length) noexcept override
    {
        return m_client->offer(message, length);
    }

    int poll() override { return m_transport.driverWork() + m_client->pollEgress(); }
    int housekeeping() override { return m_transport.clientWork(); }
    EchoChecker& checker() noexcept override { return m_checker; }

private:
    EchoChecker m_checker;
    CheckingEgressListener m_listener;
    bench::ClientTransport m_transport;
    std::unique_ptr<cluster::ClusterClient> m_client;
};

// ---- the baseline ----------------------------------------------------------------------------

/// The far side of the baseline: polls the ping stream and offers every message straight back, on a thread
/// of its own with the members' idle strategy, as a clustered service would with none of the cluster.
class EchoAgent final : public util::Agent
{
public:
    EchoAgent(transport::Aeron& aeron, transport::Subscription& subscription, transport::Publication& publication)
        : m_conductor(aeron.conductorAgentInvoker()), m_subscription(subscription), m_publication(publication)
    {
    }

    int doWork() override
    {
        int workCount = m_conductor.invoke();
        workCount += m_subscription.poll(
            [this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const transport::Header&)
            { echo(buffer, offset, length); },
            10);
        return workCount;
    }

    std::string_view roleName() const noexcept override { return "baseline-echo"; }

    /// Echoes given up on (publication closed or not connected): the ping side then times out.
    [[nodiscard]] std::int64_t droppedEchoes() const noexcept
    {
        return m_droppedEchoes.load(std::memory_order_acquire);
    }

private:
    void echo(const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length)
    {
        while (true)
        {
            const std::int64_t position = m_publication.offer(buffer, offset, length);
            if (position >= 0)
            {
                return;
            }
            if (position != transport::PublicationResult::BACK_PRESSURED &&
                position != transport::PublicationResult::ADMIN_ACTION)
            {
                m_droppedEchoes.fetch_add(1, std::memory_order_acq_rel);
                return;
            }
        }
    }

    util::AgentInvoker& m_conductor;
    transport::Subscription& m_subscription;
    transport::Publication& m_publication;
    std::atomic<std::int64_t> m_droppedEchoes{0};
};

/// The echo "process": a threaded driver and the echo agent on its own thread, both with idleStrategy.
class BaselineEchoServer
{
public:
    BaselineEchoServer(const std::string& idleStrategy, int pingPort, int echoPort)
    {
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::SHARED;
        driverContext.sharedIdleStrategy = idleStrategy;
        m_driver = transport::MediaDriver::launch(std::move(driverContext));
        transport::AeronContext clientContext;
        clientContext.aeronDirectoryName = m_driver->aeronDirectoryName();
        clientContext.useConductorAgentInvoker = true;
        m_aeron = transport::Aeron::connect(std::move(clientContext));
        m_subscription = m_aeron->addSubscription(udpChannel(pingPort), BASELINE_PING_STREAM_ID);
        m_publication = m_aeron->addPublication(udpChannel(echoPort), BASELINE_ECHO_STREAM_ID);
        m_agent = std::make_unique<EchoAgent>(*m_aeron, *m_subscription, *m_publication);
        m_idleStrategy = util::newIdleStrategy(idleStrategy);
        m_runner = std::make_unique<util::AgentRunner<>>(
            *m_agent, *m_idleStrategy,
            util::ErrorHandler([](const std::exception& e) { std::fprintf(stderr, "echo agent: %s\n", e.what()); }));
        m_runner->start();
    }

    ~BaselineEchoServer()
    {
        try
        {
            m_runner->close();
            m_aeron->close();
            m_driver->close();
        }
        catch (const std::exception& e)
        {
            std::fprintf(stderr, "warning: closing the baseline echo: %s\n", e.what());
        }
    }

    BaselineEchoServer(const BaselineEchoServer&) = delete;
    BaselineEchoServer& operator=(const BaselineEchoServer&) = delete;

    [[nodiscard]] std::int64_t droppedEchoes() const noexcept { return m_agent->droppedEchoes(); }

    static std::string udpChannel(int port) { return "aeron:udp?endpoint=localhost:" + std::to_string(port); }

private:
    std::unique_ptr<transport::MediaDriver> m_driver;
    std::shared_ptr<transport::Aeron> m_aeron;
    std::shared_ptr<transport::Subscription> m_subscription;
    std::shared_ptr<transport::Publication> m_publication;
    std::unique_ptr<EchoAgent> m_agent;
    std::unique_ptr<util::IdleStrategy> m_idleStrategy;
    std::unique_ptr<util::AgentRunner<>> m_runner;
};

class BaselineEchoClient final : public EchoClient
{
public:
    BaselineEchoClient(int pingPort, int echoPort)
    {
        m_publication = m_transport.aeron().addPublication(BaselineEchoServer::udpChannel(pingPort),
                                                            BASELINE_PING_STREAM_ID);
        m_subscription = m_transport.aeron().addSubscription(BaselineEchoServer::udpChannel(echoPort),
                                                              BASELINE_ECHO_STREAM_ID);
        const std::int64_t deadlineNs = benchNanoTime() + SETUP_TIMEOUT_NS;
        while (!m_publication->isConnected() || m_subscription->imageCount() == 0)
        {
            if (benchNanoTime() > deadlineNs)
            {
                throw util::IllegalStateException("the baseline echo streams did not connect in time");
            }
            if (m_transport.pump() == 0)
            {
                std::this_thread::yield();
            }
        }
    }

    std::int64_t offer(const std::uint8_t* message, std::int32_t length) noexcept override
    {
        return m_publication->offer(message, length);
    }

    int poll() override
    {
        return m_transport.driverWork() +
            m_subscription->poll([this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                        const transport::Header&)
                                 { m_checker.onEcho(buffer.buffer() + offset, length); },
                                 10);
    }

    int housekeeping() override { return m_transport.clientWork(); }
    EchoChecker& checker() noexcept override { return m_checker; }

private:
    EchoChecker m_checker;
    bench::ClientTransport m_transport;
    std::shared_ptr<transport::Publication> m_publication;
    std::shared_ptr<transport::Subscription> m_subscription;
};

// ---- runs and report -------------------------------------------------------------------------

struct Results
{
    RunResult clusterFixed;
    RunResult clusterMax;
    RunResult baselineFixed;
    RunResult baselineMax;
    std::int64_t setupMs = 0;
    int leaderId = -1;
};

/// Both runs, each after its own warm-up, on one client.
void runBoth(EchoClient& client, const std::string& name, const RoundTripConfig& config, RunResult& fixed,
             RunResult& max)
{
    RoundTripRunner runner(client, name);
    const std::int64_t fixedFirst = client.checker().nextExpected();
    runner.fixedRate(config.warmup + config.messages, config.rate, fixedFirst + config.warmup, fixed);
    const std::int64_t maxFirst = client.checker().nextExpected();
    runner.maxRate(config.warmup + config.messages, config.window, maxFirst + config.warmup, max);
    client.checker().check();
}

void runBaseline(const RoundTripConfig& config, const bench::BenchClusterOptions& clusterOptions, Results& results)
{
    const int pingPort = clusterOptions.firstFreePort() + 1;
    const int echoPort = pingPort + 1;
    BaselineEchoServer server(config.idle, pingPort, echoPort);
    BaselineEchoClient client(pingPort, echoPort);
    try
    {
        runBoth(client, "baseline", config, results.baselineFixed, results.baselineMax);
    }
    catch (const util::IllegalStateException& e)
    {
        // Tells a message the transport lost from one the echo side gave up on.
        throw util::IllegalStateException(std::string(e.what()) + " (echo side dropped " +
                                          std::to_string(server.droppedEchoes()) + ")");
    }
    if (server.droppedEchoes() != 0)
    {
        throw util::IllegalStateException("the baseline echo dropped " + std::to_string(server.droppedEchoes()) +
                                          " messages");
    }
}

void runCluster(const RoundTripConfig& config, const bench::BenchClusterOptions& clusterOptions, Results& results)
{
    const std::int64_t startNs = benchNanoTime();
    bench::BenchCluster cluster(clusterOptions, [](int) { return std::make_unique<examples::EchoService>(); });
    cluster.start();
    results.leaderId = cluster.awaitLeader(SETUP_TIMEOUT_NS);
    {
        ClusterEchoClient client(cluster.ingressEndpoints(), clusterOptions.firstFreePort());
        results.setupMs = (benchNanoTime() - startNs) / 1'000'000;
        try
        {
            runBoth(client, "cluster", config, results.clusterFixed, results.clusterMax);
        }
        catch (const std::exception&)
        {
            std::fprintf(stderr, "%s", cluster.describeCounters().c_str());
            throw;
        }
    }
    // Followers learn the last commit position from the leader's next heartbeat (every 50 ms): give them a few
    // before stopping the members, whose joined threads then make the services' counts safe to read here.
    std::this_thread::sleep_for(std::chrono::milliseconds(FOLLOWER_CATCH_UP_MS));
    cluster.close();
    // Every member applied every message, not only the leader that echoed them.
    const std::int64_t expected = 2 * (config.warmup + config.messages);
    for (int i = 0; i < config.memberCount; ++i)
    {
        const auto& service = static_cast<examples::EchoService&>(cluster.service(i));
        if (service.messageCount() != expected)
        {
            throw util::IllegalStateException("member " + std::to_string(i) + "'s service saw " +
                                              std::to_string(service.messageCount()) + " messages, not " +
                                              std::to_string(expected));
        }
    }
}

void printRun(const char* label, const RunResult& run)
{
    bench::LatencyFigures::from(run.histogram).print(label);
}

void report(const RoundTripConfig& config, const Results& results)
{
    const auto clusterFixed = bench::LatencyFigures::from(results.clusterFixed.histogram);
    const auto clusterMax = bench::LatencyFigures::from(results.clusterMax.histogram);
    const auto baselineFixed = bench::LatencyFigures::from(results.baselineFixed.histogram);
    const auto baselineMax = bench::LatencyFigures::from(results.baselineMax.histogram);
    const double p50Ratio = bench::ratio(clusterFixed.p50Us, baselineFixed.p50Us);
    const double p99Ratio = bench::ratio(clusterFixed.p99Us, baselineFixed.p99Us);
    const double serviceP50Ratio = bench::ratio(bench::LatencyFigures::from(results.clusterFixed.serviceTime).p50Us,
                                                bench::LatencyFigures::from(results.baselineFixed.serviceTime).p50Us);
    const double maxRateRatio = bench::ratio(results.clusterMax.msgsPerSec(), results.baselineMax.msgsPerSec());

    std::printf("cluster: members=%d threading=%s idle=%s size=%d messages=%lld warmup=%lld rate=%.0f/s window=%lld "
                "(set-up %lld ms)\n",
                config.memberCount, config.threading.c_str(), config.idle.c_str(), MESSAGE_LENGTH,
                static_cast<long long>(config.messages), static_cast<long long>(config.warmup), config.rate,
                static_cast<long long>(config.window), static_cast<long long>(results.setupMs));
    std::printf("fixed rate, one at a time, round trip from the intended send time:\n");
    printRun("  cluster", results.clusterFixed);
    printRun("  baseline (UDP echo)", results.baselineFixed);
    std::printf("fixed rate, round trip from the actual send (leaves out queueing behind late echoes):\n");
    bench::LatencyFigures::from(results.clusterFixed.serviceTime).print("  cluster");
    bench::LatencyFigures::from(results.baselineFixed.serviceTime).print("  baseline (UDP echo)");
    std::printf("  late sends: cluster %lld, baseline %lld\n", static_cast<long long>(results.clusterFixed.lateSends),
                static_cast<long long>(results.baselineFixed.lateSends));
    std::printf("max rate, window %lld:\n", static_cast<long long>(config.window));
    printRun("  cluster", results.clusterMax);
    printRun("  baseline (UDP echo)", results.baselineMax);
    std::printf("  throughput: cluster %.0f msgs/s, baseline %.0f msgs/s\n", results.clusterMax.msgsPerSec(),
                results.baselineMax.msgsPerSec());
    std::printf("ratios (cluster / UDP echo): fixed-rate p50 %.2f  p99 %.2f; max-rate p50 %.2f, throughput %.2f\n",
                p50Ratio, p99Ratio, bench::ratio(clusterMax.p50Us, baselineMax.p50Us), maxRateRatio);
    std::printf("cluster p50 = %.1f x UDP echo p50 (from the actual send: %.1f x)\n", p50Ratio,
                serviceP50Ratio);

    bench::JsonLine json;
    json.add("benchmark", "cluster")
        .add("members", static_cast<std::int64_t>(config.memberCount))
        .add("threading", config.threading)
        .add("idle", config.idle)
        .add("size", static_cast<std::int64_t>(MESSAGE_LENGTH))
        .add("messages", config.messages)
        .add("warmup", config.warmup)
        .add("rate", config.rate)
        .add("window", config.window);
    clusterFixed.addTo(json, "fixed_rate_");
    json.add("fixed_rate_late_sends", results.clusterFixed.lateSends);
    bench::LatencyFigures::from(results.clusterFixed.serviceTime).addTo(json, "fixed_rate_service_");
    json.add("max_rate_msgs_per_sec", results.clusterMax.msgsPerSec());
    clusterMax.addTo(json, "max_rate_");
    json.add("baseline", "udp-transport-echo");
    baselineFixed.addTo(json, "baseline_");
    json.add("baseline_late_sends", results.baselineFixed.lateSends);
    bench::LatencyFigures::from(results.baselineFixed.serviceTime).addTo(json, "baseline_service_");
    json.add("baseline_max_rate_msgs_per_sec", results.baselineMax.msgsPerSec());
    baselineMax.addTo(json, "baseline_max_rate_");
    json.add("p50_ratio", p50Ratio)
        .add("service_p50_ratio", serviceP50Ratio)
        .add("p99_ratio", p99Ratio)
        .add("max_rate_p50_ratio", bench::ratio(clusterMax.p50Us, baselineMax.p50Us))
        .add("max_rate_throughput_ratio", maxRateRatio)
        .add("offer_retries", results.clusterFixed.offerRetries + results.clusterMax.offerRetries)
        .add("sequence_errors", static_cast<std::int64_t>(0))
        .add("leader_member_id", static_cast<std::int64_t>(results.leaderId))
        .add("setup_ms", results.setupMs);
    json.print();
}

int runClusterRoundTrip(const std::vector<std::string>& args)
{
    bench::BenchArgs options("cluster");
    const int defaultPortBase = 20000 + static_cast<int>(::getpid() % 400) * 100;
    options.option("messages", "100000", "measured round trips of each run")
        .option("warmup", "10000", "round trips before measuring, in each run")
        .option("rate", "10000", "messages per second of the fixed-rate run")
        .option("window", "16", "messages outstanding in the max-rate run, 1.." + std::to_string(MAX_WINDOW))
        .option("members", "3", "cluster members, 1..7; member 0 is the appointed leader")
        .option("threading", "shared", "each member's agents: shared (one thread) | dedicated (a thread each)")
        .option("idle", "backoff", "idle strategy of every member thread and the baseline echo: backoff | yielding")
        .option("port", std::to_string(defaultPortBase), "first of the ~80 loopback UDP ports used");
    return bench::runBenchmark(
        options,
        [&]
        {
            options.parse(args);
            RoundTripConfig config;
            config.messages = options.integer("messages", 1, 1'000'000'000);
            config.warmup = options.integer("warmup", 0, 1'000'000'000);
            config.rate = options.real("rate", 1, 10'000'000);
            config.window = options.integer("window", 1, MAX_WINDOW);
            config.memberCount = static_cast<int>(options.integer("members", 1, 7));
            config.threading = options.choice("threading", {"shared", "dedicated"});
            config.idle = options.choice("idle", {"backoff", "yielding"});
            config.portBase = static_cast<int>(options.integer("port", 1024, 65535 - 100));

            bench::BenchClusterOptions clusterOptions;
            clusterOptions.memberCount = config.memberCount;
            clusterOptions.threadingMode =
                config.threading == "shared" ? util::ThreadingMode::SHARED : util::ThreadingMode::DEDICATED;
            clusterOptions.idleStrategy = config.idle;
            clusterOptions.portBase = config.portBase;

            Results results;
            try
            {
                runBaseline(config, clusterOptions, results);
                runCluster(config, clusterOptions, results);
            }
            catch (const std::exception& e)
            {
                std::fprintf(stderr, "cluster benchmark failed: %s\n", e.what());
                return 1;
            }
            report(config, results);
            return 0;
        });
}

const bench::BenchRegistration registration(
    "cluster", "round trips through a 3-member in-process cluster (echo service) vs a plain UDP transport echo",
    runClusterRoundTrip);
} // namespace
