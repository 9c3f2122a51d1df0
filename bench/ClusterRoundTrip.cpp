// `cox-bench cluster`: round trips through a whole cluster. The members (3 by default, or 1) run in this process,
// each a ClusterNode with its own thread(s), driver, archive, directories and loopback ports, hosting the
// EchoService or the KeyValueService; --sessions ClusterClients, each its own session, all on the calling thread
// and one client-side driver, send requests and wait for the replies, which come back only once a majority has
// recorded each request (fdatasync'ed first at --sync-level 1) and the leader's service has applied it.
//
// Two runs after a warm-up each (--mode picks one or both), driven by bench::LoadRunner as `cox-bench etcd` is:
//   fixed rate  every session one request at a time, together at --rate; the round trip is timed from the
//               intended send time, so a slow reply that delays the next send counts against every request it
//               delayed (no coordinated omission);
//   max rate    every session up to --window requests outstanding, as fast as they come back.
// The baseline (--baseline on), in the same run with the same thread layout and idle strategies, is a plain echo
// over our UDP transport of one session's messages: a publication/subscription pair to an echo agent behind its
// own driver (on one thread with --threading member, else each on a thread), where the cluster has the whole
// consensus path. It runs first.
//
// Threads (issue 9): with --threading shared each member runs three (driver; archive; consensus module and
// services), so a request is handed between member threads ten times (leader driver, module, driver; follower
// driver, archive, module, driver; leader driver, module, driver), and a thread that had gone idle wakes only at
// the end of its current backoff park, up to 1 ms: at a fixed rate, where every thread has gone idle between requests,
// that was most of the round trip at either sync level. --threading member (the default) runs each member's
// agents on one thread of the benchmark's, as the node's INVOKER mode allows, with the backoff's longest park
// --max-park-us.
//
// Every reply is checked against its request (echo: every byte; kv: correlation id and code OK), in order per
// session; afterwards every member must have applied every request and all must agree on the service state.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
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
#include "cox/examples/KeyValueClient.hpp"
#include "cox/examples/KeyValueService.hpp"
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

constexpr std::int32_t BASELINE_PING_STREAM_ID = 1101;
constexpr std::int32_t BASELINE_ECHO_STREAM_ID = 1102;
/// An echo payload starts with the sequence (8 bytes) and the session (4); filler derived from both follows.
constexpr std::int32_t ECHO_HEADER_LENGTH = 12;
constexpr std::int32_t MIN_MESSAGE_LENGTH = 16;
constexpr std::int32_t MAX_MESSAGE_LENGTH = 4096;
/// Keys a kv session cycles through, so that the store stays small however long the run.
constexpr std::int64_t KV_KEYS_PER_SESSION = 256;
/// "s" + 3-digit session + "-" + 4-digit key: every key the same length.
constexpr std::size_t KV_KEY_LENGTH = 9;
constexpr int MAX_SESSIONS = 256;
constexpr std::int64_t SETUP_TIMEOUT_NS = 30'000'000'000;
/// Below the members' 10 s session timeout, so that the sessions already open survive a retried connect.
constexpr std::int64_t CONNECT_TIMEOUT_NS = 4'000'000'000;
constexpr std::int64_t KEEP_ALIVE_INTERVAL_NS = 1'000'000'000;
constexpr int CONNECT_ATTEMPTS = 3;
constexpr int FOLLOWER_CATCH_UP_MS = 300;
/// Many clients share one client driver: small ingress terms keep its memory (pre-touched) modest.
constexpr const char* CLIENT_INGRESS_CHANNEL = "aeron:udp?term-length=64k";

struct RoundTripConfig
{
    std::int64_t messages = 0;
    std::int64_t warmup = 0;
    double rate = 0;
    std::int64_t window = 0;
    int memberCount = 3;
    int sessions = 1;
    std::int32_t messageLength = 32;
    std::int32_t syncLevel = 0;
    std::string service;
    std::string mode;
    bool baseline = true;
    std::string threading;
    std::string idle;
    std::int64_t maxParkNs = 0;
    /// The benchmark's client thread when it finds nothing to do: yield, or back off as the members do.
    std::string clientIdle;
    int portBase = 0;
    std::string dir;
    std::string curveFile;
    std::string label;

    [[nodiscard]] bool runsFixed() const { return mode != "max"; }
    [[nodiscard]] bool runsMax() const { return mode != "fixed"; }
    [[nodiscard]] std::int64_t perSession() const { return (messages + sessions - 1) / sessions; }
    [[nodiscard]] std::int64_t warmupPerSession() const { return (warmup + sessions - 1) / sessions; }
    [[nodiscard]] std::int64_t requestsPerRun() const { return (perSession() + warmupPerSession()) * sessions; }
};

/// The echo payload of request `sequence` of `session`: so that a reply to another request, or a corrupted
/// one, cannot pass for the right one.
void fillEcho(std::uint8_t* message, std::int32_t length, int session, std::int64_t sequence) noexcept
{
    const auto session32 = static_cast<std::int32_t>(session);
    std::memcpy(message, &sequence, sizeof(sequence));
    std::memcpy(message + sizeof(sequence), &session32, sizeof(session32));
    for (std::int32_t i = ECHO_HEADER_LENGTH; i < length; ++i)
    {
        message[i] = static_cast<std::uint8_t>(sequence * 31 + session * 7 + i);
    }
}

void fillValue(char* value, std::int32_t length, int session, std::int64_t sequence) noexcept
{
    for (std::int32_t i = 0; i < length; ++i)
    {
        value[i] = static_cast<char>('a' + (sequence + session + i) % 26);
    }
}

/// The key request `sequence` of `session` puts.
void formatKey(char (&key)[KV_KEY_LENGTH + 1], int session, std::int64_t sequence) noexcept
{
    std::snprintf(key, sizeof(key), "s%03u-%04u", static_cast<unsigned>(session) % 1000U,
                  static_cast<unsigned>(sequence % KV_KEYS_PER_SESSION));
}

/// Checks an echo of `length` bytes against what (session) sent; returns its sequence, or -1 after setting why.
std::int64_t checkEcho(const std::uint8_t* data, std::int32_t length, int session, std::int32_t expectedLength,
                       std::vector<std::uint8_t>& scratch, std::string& error)
{
    if (length != expectedLength)
    {
        error = "echo of " + std::to_string(length) + " bytes, expected " + std::to_string(expectedLength);
        return -1;
    }
    std::int64_t sequence = 0;
    std::memcpy(&sequence, data, sizeof(sequence));
    fillEcho(scratch.data(), length, session, sequence);
    if (std::memcmp(data, scratch.data(), static_cast<std::size_t>(length)) != 0)
    {
        error = "echo of message " + std::to_string(sequence) + " of session " + std::to_string(session) +
                " corrupted or from another session";
        return -1;
    }
    return sequence;
}

// ---- the cluster -----------------------------------------------------------------------------

class ClusterLoadTarget;

/// One session's egress: replies go to the target to check; a closed session or a new leader fails the run,
/// since requests in flight would be lost.
class SessionListener final : public cluster::EgressListener
{
public:
    SessionListener(ClusterLoadTarget& target, int session) : m_target(target), m_session(session) {}

    void onMessage(std::int64_t, std::int64_t, const util::AtomicBuffer& buffer, std::int32_t offset,
                   std::int32_t length, const transport::Header&) override;
    void onSessionEvent(std::int64_t, std::int64_t, std::int64_t, std::int32_t, cluster::EventCode code,
                        std::string_view detail) override;
    void onNewLeader(std::int64_t, std::int64_t leadershipTermId, std::int32_t leaderMemberId,
                     std::string_view) override;

private:
    ClusterLoadTarget& m_target;
    int m_session;
};

/// Every session's ClusterClient on one client-side driver, all driven by the benchmark's thread.
class ClusterLoadTarget final : public bench::LoadTarget
{
public:
    ClusterLoadTarget(const RoundTripConfig& config, const std::string& ingressEndpoints)
        : m_kv(config.service == "kv"),
          m_messageLength(config.messageLength),
          m_idle(config.clientIdle == "backoff" ? bench::newBenchIdleStrategy(config.idle, config.maxParkNs) : nullptr)
    {
        const std::size_t capacity = m_kv ? static_cast<std::size_t>(examples::KeyValueClient::putRequestLength(
                                                KV_KEY_LENGTH, static_cast<std::size_t>(m_messageLength)))
                                          : static_cast<std::size_t>(m_messageLength);
        m_message.resize(capacity);
        m_scratch.resize(static_cast<std::size_t>(m_messageLength));
        m_value.resize(static_cast<std::size_t>(m_messageLength));
        for (int s = 0; s < config.sessions; ++s)
        {
            m_listeners.push_back(std::make_unique<SessionListener>(*this, s));
            for (int attempt = 1;; ++attempt)
            {
                try
                {
                    m_clients.push_back(bench::connectBenchClient(m_transport, ingressEndpoints, 0, *m_listeners.back(),
                                                                  CONNECT_TIMEOUT_NS, CLIENT_INGRESS_CHANNEL));
                    break;
                }
                catch (const util::CoxException& e)
                {
                    // A connect that never hears back is retried (and counted): the set-up is not what is measured.
                    // The sessions already open hear from us meanwhile, so that none times out.
                    if (attempt == CONNECT_ATTEMPTS)
                    {
                        throw;
                    }
                    std::fprintf(stderr, "session %d: %s; connecting again\n", s, e.what());
                    sendKeepAlives();
                    ++m_connectRetries;
                }
            }
        }
    }

    ~ClusterLoadTarget() override
    {
        try
        {
            for (auto& client : m_clients)
            {
                client->close();
            }
            // Lets the driver send the close requests before it goes.
            for (int i = 0; i < 100; ++i)
            {
                m_transport.pump();
            }
        }
        catch (const std::exception& e)
        {
            std::fprintf(stderr, "warning: closing the cluster clients: %s\n", e.what());
        }
    }

    ClusterLoadTarget(const ClusterLoadTarget&) = delete;
    ClusterLoadTarget& operator=(const ClusterLoadTarget&) = delete;

    bool send(int session, std::int64_t sequence) override
    {
        std::int32_t length = m_messageLength;
        if (m_kv)
        {
            char key[KV_KEY_LENGTH + 1];
            formatKey(key, session, sequence);
            fillValue(m_value.data(), m_messageLength, session, sequence);
            length = examples::KeyValueClient::encodePut(m_message.data(), m_message.size(), sequence,
                                                         std::string_view(key, KV_KEY_LENGTH),
                                                         std::string_view(m_value.data(), m_value.size()));
        }
        else
        {
            fillEcho(m_message.data(), m_messageLength, session, sequence);
        }
        const std::int64_t position = m_clients[static_cast<std::size_t>(session)]->offer(m_message.data(), length);
        if (position >= 0)
        {
            return true;
        }
        if (position == transport::PublicationResult::CLOSED ||
            position == transport::PublicationResult::MAX_POSITION_EXCEEDED ||
            position == transport::PublicationResult::ERROR)
        {
            throw util::IllegalStateException("offer of request " + std::to_string(sequence) + " of session " +
                                              std::to_string(session) +
                                              " failed: " + transport::PublicationResult::name(position));
        }
        return false;
    }

    int poll(bench::ResponseSink& sink) override
    {
        m_sink = &sink;
        int workCount = m_transport.driverWork();
        for (auto& client : m_clients)
        {
            workCount += client->pollEgress();
        }
        m_sink = nullptr;
        if (!m_error.empty())
        {
            throw util::IllegalStateException(m_error);
        }
        if (workCount > 0 && m_idle)
        {
            m_idle->reset();
        }
        return workCount;
    }

    /// Backing off parks for at most the members' longest park, and only when nothing is due before it ends.
    void idle(std::int64_t maxWaitNs) override
    {
        if (m_idle && maxWaitNs > 0)
        {
            m_idle->idle();
            return;
        }
        std::this_thread::yield();
    }

    int housekeeping() override
    {
        const std::int64_t nowNs = benchNanoTime();
        if (nowNs - m_lastKeepAliveNs > KEEP_ALIVE_INTERVAL_NS)
        {
            m_lastKeepAliveNs = nowNs;
            sendKeepAlives();
        }
        return m_transport.clientWork();
    }

    /// A session whose turn in a fixed-rate schedule is far apart, or one waiting for the others to connect,
    /// still shows the cluster it is alive.
    void sendKeepAlives()
    {
        for (auto& client : m_clients)
        {
            static_cast<void>(client->sendKeepAlive());
        }
    }

    [[nodiscard]] std::int64_t connectRetries() const noexcept { return m_connectRetries; }
    [[nodiscard]] transport::Aeron& aeron() { return m_transport.aeron(); }

    void onReply(int session, const std::uint8_t* data, std::int32_t length)
    {
        if (!m_error.empty() || m_sink == nullptr)
        {
            return;
        }
        std::int64_t sequence = -1;
        if (m_kv)
        {
            examples::KeyValueClient::Response response;
            if (!examples::KeyValueClient::decodeResponse(data, static_cast<std::size_t>(length), response))
            {
                fail("session " + std::to_string(session) + ": a reply that is not a kv Response");
                return;
            }
            if (response.code != codecs::kv::ResponseCode::OK)
            {
                fail("session " + std::to_string(session) + ": put " + std::to_string(response.correlationId) +
                     " answered with code " + std::to_string(static_cast<int>(response.code)));
                return;
            }
            sequence = response.correlationId;
        }
        else
        {
            std::string error;
            sequence = checkEcho(data, length, session, m_messageLength, m_scratch, error);
            if (sequence < 0)
            {
                fail("session " + std::to_string(session) + ": " + error);
                return;
            }
        }
        m_sink->onResponse(session, sequence);
    }

    void fail(std::string reason)
    {
        if (m_error.empty())
        {
            m_error = std::move(reason);
        }
    }

private:
    bool m_kv;
    std::int32_t m_messageLength;
    std::vector<std::uint8_t> m_message;
    std::vector<std::uint8_t> m_scratch;
    std::vector<char> m_value;
    bench::ClientTransport m_transport;
    std::vector<std::unique_ptr<SessionListener>> m_listeners;
    std::vector<std::unique_ptr<cluster::ClusterClient>> m_clients;
    bench::ResponseSink* m_sink = nullptr;
    std::string m_error;
    std::int64_t m_connectRetries = 0;
    std::int64_t m_lastKeepAliveNs = 0;
    std::unique_ptr<util::IdleStrategy> m_idle;
};

void SessionListener::onMessage(std::int64_t, std::int64_t, const util::AtomicBuffer& buffer, std::int32_t offset,
                                std::int32_t length, const transport::Header&)
{
    if (offset < 0 || length < 0 ||
        !buffer.inBounds(static_cast<std::size_t>(offset), static_cast<std::size_t>(length)))
    {
        m_target.fail("egress message outside its buffer");
        return;
    }
    m_target.onReply(m_session, buffer.buffer() + offset, length);
}

void SessionListener::onSessionEvent(std::int64_t, std::int64_t, std::int64_t, std::int32_t, cluster::EventCode code,
                                     std::string_view detail)
{
    if (code == cluster::EventCode::ERROR || code == cluster::EventCode::CLOSED)
    {
        m_target.fail("session " + std::to_string(m_session) + " event " + std::to_string(static_cast<int>(code)) +
                      ": " + std::string(detail));
    }
}

void SessionListener::onNewLeader(std::int64_t, std::int64_t leadershipTermId, std::int32_t leaderMemberId,
                                  std::string_view)
{
    m_target.fail("leader changed to member " + std::to_string(leaderMemberId) + " in term " +
                  std::to_string(leadershipTermId) + " during the run");
}

// ---- the baseline ----------------------------------------------------------------------------

/// The far side of the baseline: polls the ping stream and offers every message straight back, on a thread
/// of its own with the members' idle strategy, as a clustered service would with none of the cluster.
class EchoAgent final : public util::Agent
{
public:
    EchoAgent(transport::Aeron& aeron, transport::Subscription& subscription, transport::Publication& publication,
              transport::MediaDriver* driver)
        : m_conductor(aeron.conductorAgentInvoker()), m_subscription(subscription), m_publication(publication),
          m_driver(driver)
    {
    }

    int doWork() override
    {
        int workCount = m_driver != nullptr ? m_driver->doWork() : 0;
        workCount += m_conductor.invoke();
        workCount +=
            m_subscription.poll([this](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                       const transport::Header&) { echo(buffer, offset, length); },
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
        // The first ping can arrive before this side's echo publication has heard from the ping side's
        // subscription (not connected yet), so that is waited out too, for a while. With the driver on this
        // thread, it must be driven meanwhile, or back pressure never clears.
        const std::int64_t deadlineNs = benchNanoTime() + ECHO_RETRY_TIMEOUT_NS;
        while (true)
        {
            const std::int64_t position = m_publication.offer(buffer, offset, length);
            if (position >= 0)
            {
                return;
            }
            const bool transient = position == transport::PublicationResult::BACK_PRESSURED ||
                position == transport::PublicationResult::ADMIN_ACTION ||
                position == transport::PublicationResult::NOT_CONNECTED;
            if (!transient || benchNanoTime() > deadlineNs)
            {
                m_droppedEchoes.fetch_add(1, std::memory_order_acq_rel);
                return;
            }
            if (m_driver != nullptr)
            {
                m_driver->doWork();
            }
            else
            {
                std::this_thread::yield();
            }
        }
    }

    static constexpr std::int64_t ECHO_RETRY_TIMEOUT_NS = 2'000'000'000;

    util::AgentInvoker& m_conductor;
    transport::Subscription& m_subscription;
    transport::Publication& m_publication;
    /// Driven here when the echo "process" is one thread; null when the driver has its own.
    transport::MediaDriver* m_driver;
    std::atomic<std::int64_t> m_droppedEchoes{0};
};

/// The echo "process" in the members' thread layout: a threaded driver and the echo agent on its own thread
/// (members sharing), or the driver driven by the echo agent's thread (members on one thread each), all with
/// idleStrategy.
class BaselineEchoServer
{
public:
    BaselineEchoServer(const std::string& idleStrategy, std::int64_t maxParkNs, bool oneThread, int pingPort,
                       int echoPort)
    {
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = oneThread ? transport::ThreadingMode::INVOKER : transport::ThreadingMode::SHARED;
        driverContext.sharedIdleStrategy = idleStrategy;
        m_driver = transport::MediaDriver::launch(std::move(driverContext));
        transport::AeronContext clientContext;
        clientContext.aeronDirectoryName = m_driver->aeronDirectoryName();
        clientContext.useConductorAgentInvoker = true;
        if (oneThread)
        {
            transport::MediaDriver* driver = m_driver.get();
            clientContext.driverInvoker = [driver] { return driver->doWork(); };
        }
        m_aeron = transport::Aeron::connect(std::move(clientContext));
        m_subscription = m_aeron->addSubscription(udpChannel(pingPort), BASELINE_PING_STREAM_ID);
        m_publication = m_aeron->addPublication(udpChannel(echoPort), BASELINE_ECHO_STREAM_ID);
        m_agent = std::make_unique<EchoAgent>(*m_aeron, *m_subscription, *m_publication,
                                              oneThread ? m_driver.get() : nullptr);
        m_idleStrategy = oneThread ? bench::newBenchIdleStrategy(idleStrategy, maxParkNs)
                                   : util::newIdleStrategy(idleStrategy);
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

/// One session of echoes over a plain publication and subscription.
class BaselineLoadTarget final : public bench::LoadTarget
{
public:
    BaselineLoadTarget(int pingPort, int echoPort, std::int32_t messageLength)
        : m_messageLength(messageLength), m_message(static_cast<std::size_t>(messageLength)),
          m_scratch(static_cast<std::size_t>(messageLength))
    {
        m_publication =
            m_transport.aeron().addPublication(BaselineEchoServer::udpChannel(pingPort), BASELINE_PING_STREAM_ID);
        m_subscription =
            m_transport.aeron().addSubscription(BaselineEchoServer::udpChannel(echoPort), BASELINE_ECHO_STREAM_ID);
        m_transport.pumpUntil([this] { return m_publication->isConnected() && m_subscription->imageCount() > 0; },
                              "the baseline echo streams to connect", SETUP_TIMEOUT_NS);
    }

    bool send(int session, std::int64_t sequence) override
    {
        fillEcho(m_message.data(), m_messageLength, session, sequence);
        const std::int64_t position = m_publication->offer(m_message.data(), m_messageLength);
        if (position >= 0)
        {
            return true;
        }
        if (position == transport::PublicationResult::CLOSED ||
            position == transport::PublicationResult::MAX_POSITION_EXCEEDED ||
            position == transport::PublicationResult::ERROR)
        {
            throw util::IllegalStateException("baseline offer failed: " +
                                              std::string(transport::PublicationResult::name(position)));
        }
        return false;
    }

    int poll(bench::ResponseSink& sink) override
    {
        const int workCount = m_transport.driverWork() + m_subscription->poll(
                                                             [&](const util::AtomicBuffer& buffer, std::int32_t offset,
                                                                 std::int32_t length, const transport::Header&)
                                                             {
                                                                 if (m_error.empty())
                                                                 {
                                                                     const std::int64_t sequence =
                                                                         checkEcho(buffer.buffer() + offset, length, 0,
                                                                                   m_messageLength, m_scratch, m_error);
                                                                     if (sequence >= 0)
                                                                     {
                                                                         sink.onResponse(0, sequence);
                                                                     }
                                                                 }
                                                             },
                                                             10);
        if (!m_error.empty())
        {
            throw util::IllegalStateException("baseline: " + m_error);
        }
        return workCount;
    }

    int housekeeping() override { return m_transport.clientWork(); }

private:
    std::int32_t m_messageLength;
    std::vector<std::uint8_t> m_message;
    std::vector<std::uint8_t> m_scratch;
    std::string m_error;
    bench::ClientTransport m_transport;
    std::shared_ptr<transport::Publication> m_publication;
    std::shared_ptr<transport::Subscription> m_subscription;
};

// ---- runs and report -------------------------------------------------------------------------

struct Results
{
    bench::LoadResult clusterFixed;
    bench::LoadResult clusterMax;
    bench::LoadResult baselineFixed;
    bench::LoadResult baselineMax;
    std::int64_t setupMs = 0;
    std::int64_t connectRetries = 0;
    int leaderId = -1;
};

/// The runs --mode asks for, each after its own warm-up, on one target.
void runModes(bench::LoadTarget& target, int sessions, const std::string& name, const RoundTripConfig& config,
              bench::LoadResult& fixed, bench::LoadResult& max)
{
    bench::LoadRunner runner(target, sessions, name);
    const std::int64_t perSession = (config.messages + sessions - 1) / sessions;
    const std::int64_t warmupPerSession = (config.warmup + sessions - 1) / sessions;
    if (config.runsFixed())
    {
        runner.fixedRate(warmupPerSession + perSession, warmupPerSession, config.rate, fixed);
    }
    if (config.runsMax())
    {
        runner.maxRate(warmupPerSession + perSession, warmupPerSession, config.window, max);
    }
}

void runBaseline(const RoundTripConfig& config, const bench::BenchClusterOptions& clusterOptions, Results& results)
{
    const int pingPort = clusterOptions.firstFreePort() + 1;
    const int echoPort = pingPort + 1;
    BaselineEchoServer server(config.idle, config.maxParkNs, clusterOptions.threadingMode == util::ThreadingMode::INVOKER,
                              pingPort, echoPort);
    BaselineLoadTarget target(pingPort, echoPort, config.messageLength);
    try
    {
        runModes(target, 1, "baseline", config, results.baselineFixed, results.baselineMax);
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

/// Every member applied every request, and all agree on the state.
void checkMembers(const RoundTripConfig& config, bench::BenchCluster& cluster, std::int64_t expected)
{
    std::uint64_t firstHash = 0;
    for (int i = 0; i < config.memberCount; ++i)
    {
        std::int64_t applied = 0;
        std::uint64_t hash = 0;
        if (config.service == "kv")
        {
            const auto& service = static_cast<examples::KeyValueService&>(cluster.service(i));
            applied = service.counts().puts;
            hash = service.stateHash();
            if (service.counts().invalidRequests != 0)
            {
                throw util::IllegalStateException("member " + std::to_string(i) + " saw " +
                                                  std::to_string(service.counts().invalidRequests) +
                                                  " invalid requests");
            }
        }
        else
        {
            const auto& service = static_cast<examples::EchoService&>(cluster.service(i));
            applied = service.messageCount();
            hash = service.stateHash();
        }
        if (applied != expected)
        {
            throw util::IllegalStateException("member " + std::to_string(i) + "'s service applied " +
                                              std::to_string(applied) + " requests, not " + std::to_string(expected));
        }
        if (i == 0)
        {
            firstHash = hash;
        }
        else if (hash != firstHash)
        {
            throw util::IllegalStateException("member " + std::to_string(i) +
                                              "'s service state differs from member 0's");
        }
    }
}

void runCluster(const RoundTripConfig& config, const bench::BenchClusterOptions& clusterOptions, Results& results)
{
    const std::int64_t startNs = benchNanoTime();
    const bool kv = config.service == "kv";
    bench::BenchCluster cluster(clusterOptions,
                                [kv](int) -> std::unique_ptr<cluster::ClusteredService>
                                {
                                    if (kv)
                                    {
                                        return std::make_unique<examples::KeyValueService>();
                                    }
                                    return std::make_unique<examples::EchoService>();
                                });
    cluster.start();
    results.leaderId = cluster.awaitLeader(SETUP_TIMEOUT_NS);
    std::int64_t sent = 0;
    {
        ClusterLoadTarget target(config, cluster.ingressEndpoints());
        results.setupMs = (benchNanoTime() - startNs) / 1'000'000;
        results.connectRetries = target.connectRetries();
        try
        {
            runModes(target, config.sessions, "cluster", config, results.clusterFixed, results.clusterMax);
        }
        catch (const std::exception&)
        {
            std::fprintf(stderr, "%s%s", cluster.describeCounters().c_str(),
                         bench::describeCountersOf("client driver", target.aeron().countersReader()).c_str());
            cluster.close(); // members stopped and joined: their services are safe to read
            for (int m = 0; m < config.memberCount; ++m)
            {
                if (const auto* service = dynamic_cast<const examples::KeyValueService*>(&cluster.service(m)))
                {
                    std::fprintf(stderr, "member %d key-value service: replies dropped %lld\n", m,
                                 static_cast<long long>(service->droppedReplies()));
                }
            }
            throw;
        }
        sent = config.requestsPerRun() * ((config.runsFixed() ? 1 : 0) + (config.runsMax() ? 1 : 0));
    }
    // Followers learn the last commit position from the leader's next heartbeat (every 50 ms): give them a few
    // before stopping the members, whose joined threads then make the services' state safe to read here.
    std::this_thread::sleep_for(std::chrono::milliseconds(FOLLOWER_CATCH_UP_MS));
    cluster.close();
    checkMembers(config, cluster, sent);
}

void report(const RoundTripConfig& config, const Results& results)
{
    const auto clusterFixed = bench::LatencyFigures::from(results.clusterFixed.histogram);
    const auto clusterFixedService = bench::LatencyFigures::from(results.clusterFixed.serviceTime);
    const auto clusterMax = bench::LatencyFigures::from(results.clusterMax.histogram);
    const auto baselineFixed = bench::LatencyFigures::from(results.baselineFixed.histogram);
    const auto baselineFixedService = bench::LatencyFigures::from(results.baselineFixed.serviceTime);
    const auto baselineMax = bench::LatencyFigures::from(results.baselineMax.histogram);

    std::printf("cluster: service=%s members=%d sessions=%d size=%d sync-level=%d threading=%s idle=%s "
                "max-park=%lldus messages=%lld "
                "warmup=%lld rate=%.0f/s window=%lld (set-up %lld ms)\n",
                config.service.c_str(), config.memberCount, config.sessions, config.messageLength, config.syncLevel,
                config.threading.c_str(), config.idle.c_str(), static_cast<long long>(config.maxParkNs / 1000),
                static_cast<long long>(config.messages),
                static_cast<long long>(config.warmup), config.rate, static_cast<long long>(config.window),
                static_cast<long long>(results.setupMs));
    if (config.runsFixed())
    {
        std::printf("fixed rate, one request per session at a time, round trip from the intended send time:\n");
        clusterFixed.print("  cluster");
        if (config.baseline)
        {
            baselineFixed.print("  baseline (UDP echo)");
        }
        std::printf("fixed rate, round trip from the actual send (leaves out queueing behind late replies):\n");
        clusterFixedService.print("  cluster");
        if (config.baseline)
        {
            baselineFixedService.print("  baseline (UDP echo)");
        }
        std::printf("  late sends: cluster %lld\n", static_cast<long long>(results.clusterFixed.lateSends));
    }
    if (config.runsMax())
    {
        std::printf("max rate, window %lld per session:\n", static_cast<long long>(config.window));
        clusterMax.print("  cluster");
        if (config.baseline)
        {
            baselineMax.print("  baseline (UDP echo)");
        }
        std::printf("  throughput: cluster %.0f msgs/s", results.clusterMax.msgsPerSec());
        if (config.baseline)
        {
            std::printf(", baseline %.0f msgs/s", results.baselineMax.msgsPerSec());
        }
        std::printf("\n");
    }
    if (config.baseline && config.runsFixed())
    {
        std::printf("cluster p50 = %.1f x UDP echo p50 (from the actual send: %.1f x)\n",
                    bench::ratio(clusterFixed.p50Us, baselineFixed.p50Us),
                    bench::ratio(clusterFixedService.p50Us, baselineFixedService.p50Us));
    }

    bench::JsonLine json;
    json.add("benchmark", "cluster")
        .add("service", config.service)
        .add("members", static_cast<std::int64_t>(config.memberCount))
        .add("sessions", static_cast<std::int64_t>(config.sessions))
        .add("sync_level", static_cast<std::int64_t>(config.syncLevel))
        .add("mode", config.mode)
        .add("threading", config.threading)
        .add("idle", config.idle)
        .add("max_park_us", config.maxParkNs / 1000)
        .add("size", static_cast<std::int64_t>(config.messageLength))
        .add("messages", config.messages)
        .add("warmup", config.warmup)
        .add("rate", config.rate)
        .add("window", config.window);
    if (config.runsFixed())
    {
        clusterFixed.addTo(json, "fixed_rate_");
        json.add("fixed_rate_late_sends", results.clusterFixed.lateSends);
        clusterFixedService.addTo(json, "fixed_rate_service_");
    }
    if (config.runsMax())
    {
        json.add("max_rate_msgs_per_sec", results.clusterMax.msgsPerSec());
        clusterMax.addTo(json, "max_rate_");
    }
    if (config.baseline)
    {
        json.add("baseline", "udp-transport-echo");
        if (config.runsFixed())
        {
            baselineFixed.addTo(json, "baseline_");
            baselineFixedService.addTo(json, "baseline_service_");
            json.add("p50_ratio", bench::ratio(clusterFixed.p50Us, baselineFixed.p50Us))
                .add("service_p50_ratio", bench::ratio(clusterFixedService.p50Us, baselineFixedService.p50Us))
                .add("p99_ratio", bench::ratio(clusterFixed.p99Us, baselineFixed.p99Us));
        }
        if (config.runsMax())
        {
            json.add("baseline_max_rate_msgs_per_sec", results.baselineMax.msgsPerSec());
            baselineMax.addTo(json, "baseline_max_rate_");
            json.add("max_rate_p50_ratio", bench::ratio(clusterMax.p50Us, baselineMax.p50Us))
                .add("max_rate_throughput_ratio",
                     bench::ratio(results.clusterMax.msgsPerSec(), results.baselineMax.msgsPerSec()));
        }
    }
    json.add("offer_retries", results.clusterFixed.sendRetries + results.clusterMax.sendRetries)
        .add("sequence_errors", static_cast<std::int64_t>(0))
        .add("leader_member_id", static_cast<std::int64_t>(results.leaderId))
        .add("setup_ms", results.setupMs)
        .add("connect_retries", results.connectRetries);
    json.print();
}

void writeCurves(const RoundTripConfig& config, const Results& results)
{
    if (config.curveFile.empty())
    {
        return;
    }
    bench::appendCurve(config.curveFile, config.label + "/fixed", results.clusterFixed.histogram);
    bench::appendCurve(config.curveFile, config.label + "/max", results.clusterMax.histogram);
    if (config.baseline)
    {
        bench::appendCurve(config.curveFile, "udp-echo/fixed", results.baselineFixed.histogram);
    }
}

int runClusterRoundTrip(const std::vector<std::string>& args)
{
    bench::BenchArgs options("cluster");
    const int defaultPortBase = 20000 + static_cast<int>(::getpid() % 120) * 100; // below 32768: see defaultPortBase()
    options.option("messages", "100000", "measured requests of each run, over all sessions")
        .option("warmup", "10000", "requests before measuring, in each run, over all sessions")
        .option("rate", "10000", "requests per second of the fixed-rate run, over all sessions")
        .option("window", "16",
                "requests outstanding per session in the max-rate run, 1.." + std::to_string(bench::MAX_SESSION_WINDOW))
        .option("mode", "both", "runs: fixed | max | both")
        .option("service", "echo", "the clustered service: echo | kv (puts of --message-length byte values)")
        .option("message-length", "32",
                "echo payload or kv value bytes, " + std::to_string(MIN_MESSAGE_LENGTH) + ".." +
                    std::to_string(MAX_MESSAGE_LENGTH))
        .option("sessions", "1",
                "concurrent client sessions (one ClusterClient each), 1.." + std::to_string(MAX_SESSIONS))
        .option("sync-level", "0", "cluster.file-sync-level: 0 page cache | 1 fdatasync before a position counts")
        .option("members", "3", "cluster members, 1..7; member 0 is the appointed leader")
        .option("baseline", "on", "also run the plain UDP transport echo (one session): on | off")
        .option("threading", "member",
                "each member's agents: member (all on one thread) | shared (driver, archive, module: a thread each) | "
                "dedicated (a thread per agent)")
        .option("idle", "backoff", "idle strategy of every member thread and the baseline echo: backoff | yielding")
        .option("max-park-us", "100",
                "--threading member: the backoff's longest park, 1..1000 us (the nodes' own threads: 1000)")
        .option("client-idle", "yield",
                "the benchmark's client thread when idle: yield | backoff (as the members, parking up to --max-park-us)")
        .option("async-sync", "on",
                "at sync level 1: fdatasync on the archive's own thread (on) or in the member's recorder (off)")
        .option("dir", std::filesystem::temp_directory_path().string(),
                "where the members' cluster and archive directories go (the file system the syncs hit)")
        .option("curve-file", "", "append latency percentile curves here (lines: label percentile latency_us)")
        .option("label", "cluster", "this run's name in --curve-file")
        .option("port", std::to_string(defaultPortBase), "first of the ~40 loopback UDP ports used");
    return bench::runBenchmark(options,
                               [&]
                               {
                                   options.parse(args);
                                   RoundTripConfig config;
                                   config.messages = options.integer("messages", 1, 1'000'000'000);
                                   config.warmup = options.integer("warmup", 0, 1'000'000'000);
                                   config.rate = options.real("rate", 1, 10'000'000);
                                   config.window = options.integer("window", 1, bench::MAX_SESSION_WINDOW);
                                   config.mode = options.choice("mode", {"fixed", "max", "both"});
                                   config.service = options.choice("service", {"echo", "kv"});
                                   config.messageLength = static_cast<std::int32_t>(
                                       options.integer("message-length", MIN_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH));
                                   config.sessions = static_cast<int>(options.integer("sessions", 1, MAX_SESSIONS));
                                   config.syncLevel = static_cast<std::int32_t>(options.integer("sync-level", 0, 2));
                                   config.memberCount = static_cast<int>(options.integer("members", 1, 7));
                                   config.baseline = options.choice("baseline", {"on", "off"}) == "on";
                                   config.threading = options.choice("threading", {"member", "shared", "dedicated"});
                                   config.idle = options.choice("idle", {"backoff", "yielding"});
                                   config.maxParkNs = options.integer("max-park-us", 1, 1000) * 1000;
                                   config.clientIdle = options.choice("client-idle", {"yield", "backoff"});
                                   config.dir = options.text("dir");
                                   config.curveFile = options.text("curve-file");
                                   config.label = options.text("label");
                                   config.portBase = static_cast<int>(options.integer("port", 1024, 65535 - 100));

                                   bench::BenchClusterOptions clusterOptions;
                                   clusterOptions.memberCount = config.memberCount;
                                   clusterOptions.threadingMode = config.threading == "member"
                                       ? util::ThreadingMode::INVOKER
                                       : config.threading == "shared" ? util::ThreadingMode::SHARED
                                                                      : util::ThreadingMode::DEDICATED;
                                   clusterOptions.idleStrategy = config.idle;
                                   clusterOptions.maxParkPeriodNs = config.maxParkNs;
                                   clusterOptions.portBase = config.portBase;
                                   clusterOptions.fileSyncLevel = config.syncLevel;
                                   clusterOptions.archiveAsyncSync = options.choice("async-sync", {"on", "off"}) == "on";
                                   clusterOptions.maxConcurrentSessions = config.sessions + 4;
                                   clusterOptions.parentDir = config.dir;

                                   Results results;
                                   try
                                   {
                                       if (config.baseline)
                                       {
                                           runBaseline(config, clusterOptions, results);
                                       }
                                       runCluster(config, clusterOptions, results);
                                   }
                                   catch (const std::exception& e)
                                   {
                                       std::fprintf(stderr, "cluster benchmark failed: %s\n", e.what());
                                       return 1;
                                   }
                                   report(config, results);
                                   writeCurves(config, results);
                                   return 0;
                               });
}

const bench::BenchRegistration registration(
    "cluster",
    "round trips through an in-process cluster (echo or kv service, N sessions) vs a plain UDP transport echo",
    runClusterRoundTrip);
} // namespace
