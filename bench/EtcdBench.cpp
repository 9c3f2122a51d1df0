// `cox-bench etcd`: the same load as `cox-bench cluster --service kv`, against a running etcd cluster. Every
// session is a keep-alive HTTP/1.1 connection to etcd's v3 JSON gateway putting values of --message-length bytes
// (POST /v3/kv/put, key and value base64) under the same key pattern, driven by the same bench::LoadRunner: the
// same fixed-rate schedule timed from each request's intended send time, the same max-rate windows, the same
// histogram and percentiles. scripts/bench-report starts the etcd members (3 on loopback) and runs both.
//
// Sessions talk to the leader by default (found with /v3/maintenance/status), as cluster clients do; a follower
// would forward each put to it. Every response must be a 200 whose header carries a revision above the previous
// one on that connection; anything else fails the run.
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "BenchCommand.hpp"
#include "BenchSupport.hpp"
#include "ClusterBenchSupport.hpp"
#include "EtcdClient.hpp"

namespace
{
using namespace cox;

constexpr std::int32_t MIN_MESSAGE_LENGTH = 1;
constexpr std::int32_t MAX_MESSAGE_LENGTH = 64 * 1024;
constexpr int MAX_SESSIONS = 256;
constexpr std::int64_t KV_KEYS_PER_SESSION = 256;
constexpr std::size_t KEY_LENGTH = 9;
constexpr int SETUP_TIMEOUT_MS = 10'000;
constexpr const char* PUT_PATH = "/v3/kv/put";
constexpr const char* STATUS_PATH = "/v3/maintenance/status";

struct EtcdConfig
{
    std::vector<std::pair<std::string, int>> endpoints;
    std::string target;
    std::int64_t messages = 0;
    std::int64_t warmup = 0;
    double rate = 0;
    std::int64_t window = 1;
    int sessions = 1;
    std::int32_t messageLength = 32;
    std::string mode;
    std::string curveFile;
    std::string label;

    [[nodiscard]] bool runsFixed() const { return mode != "max"; }
    [[nodiscard]] bool runsMax() const { return mode != "fixed"; }
};

/// "host:port,host:port" (an http:// prefix is allowed) as (host, port) pairs; throws IllegalArgumentException.
std::vector<std::pair<std::string, int>> parseEndpoints(const std::string& text)
{
    std::vector<std::pair<std::string, int>> endpoints;
    std::size_t start = 0;
    while (start <= text.size())
    {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        std::string endpoint = text.substr(start, comma - start);
        if (endpoint.rfind("http://", 0) == 0)
        {
            endpoint = endpoint.substr(7);
        }
        const std::size_t colon = endpoint.rfind(':');
        char* end = nullptr;
        const long port = colon == std::string::npos ? 0 : std::strtol(endpoint.c_str() + colon + 1, &end, 10);
        if (colon == std::string::npos || colon == 0 || end == nullptr || *end != '\0' || port <= 0 || port > 65535)
        {
            throw util::IllegalArgumentException("--endpoints: '" + endpoint + "' is not host:port");
        }
        endpoints.emplace_back(endpoint.substr(0, colon), static_cast<int>(port));
        start = comma + 1;
    }
    return endpoints;
}

/// The index of the endpoint that is the etcd leader: the one whose own member id is the leader its status names.
std::size_t findLeader(const std::vector<std::pair<std::string, int>>& endpoints)
{
    for (std::size_t i = 0; i < endpoints.size(); ++i)
    {
        bench::EtcdConnection connection(endpoints[i].first, endpoints[i].second);
        const bench::HttpResponse response = connection.call(STATUS_PATH, "{}", SETUP_TIMEOUT_MS);
        if (response.status != 200)
        {
            throw util::IllegalStateException("status of " + connection.endpoint() + " answered " +
                                              std::to_string(response.status));
        }
        const std::string_view memberId = bench::jsonQuotedValue(response.body, "member_id");
        const std::string_view leaderId = bench::jsonQuotedValue(response.body, "leader");
        if (!memberId.empty() && memberId == leaderId)
        {
            return i;
        }
    }
    throw util::IllegalStateException("no etcd endpoint reports itself as the leader");
}

/// The sessions' connections, polled together through one epoll set.
class EtcdLoadTarget final : public bench::LoadTarget
{
public:
    EtcdLoadTarget(const EtcdConfig& config, std::size_t leaderIndex) : m_messageLength(config.messageLength)
    {
        m_epollFd = ::epoll_create1(EPOLL_CLOEXEC);
        if (m_epollFd < 0)
        {
            throw util::IoException("epoll_create1 failed");
        }
        for (int s = 0; s < config.sessions; ++s)
        {
            const std::size_t index =
                config.target == "leader" ? leaderIndex : static_cast<std::size_t>(s) % config.endpoints.size();
            m_sessions.push_back(
                std::make_unique<Session>(config.endpoints[index].first, config.endpoints[index].second));
            epoll_event event{};
            event.events = EPOLLIN;
            event.data.u64 = static_cast<std::uint64_t>(s);
            if (::epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_sessions.back()->connection.fd(), &event) != 0)
            {
                throw util::IoException("epoll_ctl failed");
            }
        }
        m_events.resize(m_sessions.size());
        m_value.resize(static_cast<std::size_t>(m_messageLength));
        // {"key":"...","value":"..."}
        m_body.resize(32 + bench::base64EncodedLength(KEY_LENGTH) +
                      bench::base64EncodedLength(static_cast<std::size_t>(m_messageLength)));
    }

    ~EtcdLoadTarget() override
    {
        if (m_epollFd >= 0)
        {
            ::close(m_epollFd);
        }
    }

    EtcdLoadTarget(const EtcdLoadTarget&) = delete;
    EtcdLoadTarget& operator=(const EtcdLoadTarget&) = delete;

    bool send(int session, std::int64_t sequence) override
    {
        Session& state = *m_sessions[static_cast<std::size_t>(session)];
        char key[KEY_LENGTH + 1];
        std::snprintf(key, sizeof(key), "s%03u-%04u", static_cast<unsigned>(session) % 1000U,
                      static_cast<unsigned>(sequence % KV_KEYS_PER_SESSION));
        for (std::int32_t i = 0; i < m_messageLength; ++i)
        {
            m_value[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>('a' + (sequence + session + i) % 26);
        }
        char* out = m_body.data();
        std::size_t length = 0;
        const auto append = [&](const char* text)
        {
            const std::size_t n = std::strlen(text);
            std::memcpy(out + length, text, n);
            length += n;
        };
        append("{\"key\":\"");
        length += bench::base64Encode(reinterpret_cast<const std::uint8_t*>(key), KEY_LENGTH, out + length);
        append("\",\"value\":\"");
        length += bench::base64Encode(m_value.data(), m_value.size(), out + length);
        append("\"}");
        state.connection.post(PUT_PATH, std::string_view(out, length));
        state.pending[static_cast<std::size_t>(state.pendingEnd++ % bench::MAX_SESSION_WINDOW)] = sequence;
        return true;
    }

    int poll(bench::ResponseSink& sink) override
    {
        int workCount = 0;
        for (auto& session : m_sessions)
        {
            if (session->connection.hasPendingOutput())
            {
                workCount += session->connection.flush() > 0 ? 1 : 0;
            }
        }
        const int ready = ::epoll_wait(m_epollFd, m_events.data(), static_cast<int>(m_events.size()), 0);
        for (int i = 0; i < ready; ++i)
        {
            const auto s = static_cast<int>(m_events[static_cast<std::size_t>(i)].data.u64);
            workCount += receive(s, sink);
        }
        return workCount;
    }

    /// Blocks in epoll for up to the time nothing is due (whole milliseconds), leaving the CPU to etcd.
    void idle(std::int64_t maxWaitNs) override
    {
        const int timeoutMs = static_cast<int>(maxWaitNs / 1'000'000);
        if (timeoutMs <= 0)
        {
            std::this_thread::yield();
            return;
        }
        // Level-triggered: what this wait sees, the next poll sees again.
        static_cast<void>(::epoll_wait(m_epollFd, m_events.data(), static_cast<int>(m_events.size()), timeoutMs));
    }

    [[nodiscard]] std::int64_t lastRevision() const noexcept
    {
        std::int64_t revision = 0;
        for (const auto& session : m_sessions)
        {
            revision = std::max(revision, session->lastRevision);
        }
        return revision;
    }

private:
    struct Session
    {
        Session(const std::string& host, int port) : connection(host, port) {}

        bench::EtcdConnection connection;
        /// Sequences of the requests in flight, in the order their responses will come.
        std::vector<std::int64_t> pending = std::vector<std::int64_t>(bench::MAX_SESSION_WINDOW);
        std::int64_t pendingStart = 0;
        std::int64_t pendingEnd = 0;
        std::int64_t lastRevision = 0;
    };

    int receive(int s, bench::ResponseSink& sink)
    {
        Session& session = *m_sessions[static_cast<std::size_t>(s)];
        session.connection.readAvailable();
        int count = 0;
        bench::HttpResponse response;
        while (session.connection.nextResponse(response))
        {
            if (session.pendingStart == session.pendingEnd)
            {
                throw util::IllegalStateException(session.connection.endpoint() + ": a response with no request");
            }
            const std::int64_t sequence =
                session.pending[static_cast<std::size_t>(session.pendingStart++ % bench::MAX_SESSION_WINDOW)];
            const std::int64_t revision = bench::jsonQuotedInteger(response.body, "revision");
            if (response.status != 200 || revision <= session.lastRevision)
            {
                throw util::IllegalStateException(
                    "put " + std::to_string(sequence) + " of session " + std::to_string(s) + " failed: HTTP " +
                    std::to_string(response.status) + " " + std::string(response.body.substr(0, 200)));
            }
            session.lastRevision = revision;
            sink.onResponse(s, sequence);
            ++count;
        }
        return count;
    }

    std::int32_t m_messageLength;
    int m_epollFd = -1;
    std::vector<std::unique_ptr<Session>> m_sessions;
    std::vector<epoll_event> m_events;
    std::vector<std::uint8_t> m_value;
    std::vector<char> m_body;
};

int runEtcd(const std::vector<std::string>& args)
{
    bench::BenchArgs options("etcd");
    options.option("endpoints", "127.0.0.1:23791,127.0.0.1:23792,127.0.0.1:23793", "etcd client URLs, host:port,...")
        .option("target", "leader", "which member the sessions talk to: leader | all (round robin)")
        .option("messages", "10000", "measured puts of each run, over all sessions")
        .option("warmup", "1000", "puts before measuring, in each run, over all sessions")
        .option("rate", "500", "puts per second of the fixed-rate run, over all sessions")
        .option("window", "1", "puts outstanding per connection in the max-rate run (above 1: HTTP pipelining)")
        .option("mode", "both", "runs: fixed | max | both")
        .option("message-length", "32", "value bytes of each put")
        .option("sessions", "1",
                "concurrent sessions (one keep-alive connection each), 1.." + std::to_string(MAX_SESSIONS))
        .option("curve-file", "", "append latency percentile curves here (lines: label percentile latency_us)")
        .option("label", "etcd", "this run's name in --curve-file");
    return bench::runBenchmark(
        options,
        [&]
        {
            options.parse(args);
            EtcdConfig config;
            config.endpoints = parseEndpoints(options.text("endpoints"));
            config.target = options.choice("target", {"leader", "all"});
            config.messages = options.integer("messages", 1, 1'000'000'000);
            config.warmup = options.integer("warmup", 0, 1'000'000'000);
            config.rate = options.real("rate", 1, 10'000'000);
            config.window = options.integer("window", 1, bench::MAX_SESSION_WINDOW);
            config.mode = options.choice("mode", {"fixed", "max", "both"});
            config.messageLength =
                static_cast<std::int32_t>(options.integer("message-length", MIN_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH));
            config.sessions = static_cast<int>(options.integer("sessions", 1, MAX_SESSIONS));
            config.curveFile = options.text("curve-file");
            config.label = options.text("label");

            const std::size_t leader = findLeader(config.endpoints);
            EtcdLoadTarget target(config, leader);
            bench::LoadRunner runner(target, config.sessions, "etcd");
            const std::int64_t perSession = (config.messages + config.sessions - 1) / config.sessions;
            const std::int64_t warmupPerSession = (config.warmup + config.sessions - 1) / config.sessions;
            bench::LoadResult fixed;
            bench::LoadResult max;
            try
            {
                if (config.runsFixed())
                {
                    runner.fixedRate(warmupPerSession + perSession, warmupPerSession, config.rate, fixed);
                }
                if (config.runsMax())
                {
                    runner.maxRate(warmupPerSession + perSession, warmupPerSession, config.window, max);
                }
            }
            catch (const std::exception& e)
            {
                std::fprintf(stderr, "etcd benchmark failed: %s\n", e.what());
                return 1;
            }

            const auto fixedFigures = bench::LatencyFigures::from(fixed.histogram);
            const auto fixedService = bench::LatencyFigures::from(fixed.serviceTime);
            const auto maxFigures = bench::LatencyFigures::from(max.histogram);
            std::printf(
                "etcd: endpoints=%zu target=%s (leader %s) sessions=%d size=%d messages=%lld warmup=%lld "
                "rate=%.0f/s window=%lld\n",
                config.endpoints.size(), config.target.c_str(),
                (config.endpoints[leader].first + ":" + std::to_string(config.endpoints[leader].second)).c_str(),
                config.sessions, config.messageLength, static_cast<long long>(config.messages),
                static_cast<long long>(config.warmup), config.rate, static_cast<long long>(config.window));
            bench::JsonLine json;
            json.add("benchmark", "etcd")
                .add("target", config.target)
                .add("sessions", static_cast<std::int64_t>(config.sessions))
                .add("mode", config.mode)
                .add("size", static_cast<std::int64_t>(config.messageLength))
                .add("messages", config.messages)
                .add("warmup", config.warmup)
                .add("rate", config.rate)
                .add("window", config.window);
            if (config.runsFixed())
            {
                std::printf("fixed rate, one put per session at a time, round trip from the intended send time:\n");
                fixedFigures.print("  etcd");
                fixedService.print("  etcd (from the send)");
                std::printf("  late sends: %lld\n", static_cast<long long>(fixed.lateSends));
                fixedFigures.addTo(json, "fixed_rate_");
                json.add("fixed_rate_late_sends", fixed.lateSends);
                fixedService.addTo(json, "fixed_rate_service_");
            }
            if (config.runsMax())
            {
                std::printf("max rate, window %lld per connection:\n", static_cast<long long>(config.window));
                maxFigures.print("  etcd");
                std::printf("  throughput: %.0f puts/s\n", max.msgsPerSec());
                json.add("max_rate_msgs_per_sec", max.msgsPerSec());
                maxFigures.addTo(json, "max_rate_");
            }
            json.add("errors", static_cast<std::int64_t>(0)).add("last_revision", target.lastRevision());
            json.print();
            bench::appendCurve(config.curveFile, config.label + "/fixed", fixed.histogram);
            bench::appendCurve(config.curveFile, config.label + "/max", max.histogram);
            return 0;
        });
}

const bench::BenchRegistration
    registration("etcd", "puts through a running etcd cluster's v3 JSON gateway, driven as `cluster --service kv` is",
                 runEtcd);
} // namespace
