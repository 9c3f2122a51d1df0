// `cox-bench transport-pingpong`: round-trip latency of one message at a time between a ping thread
// and a pong thread, over our transport and, in the same run on the same two threads with the same
// idle strategy, over a baseline: raw UDP sockets for --media udp, two shared atomics for --media ipc.
//
// Threads: the ping side runs on the calling thread and the pong side on one more, so there are never
// more busy threads than the two cores of the target machine. For UDP each side has its own media
// driver in invoker mode, driven from its own thread, as two processes would. For IPC the sides share
// one driver, which is not on the IPC data path (it only moves publisher limits); the ping thread
// runs its duty cycle every --driver-interval round trips, outside the timed part. With --pin on
// (the default) each thread is pinned to its own CPU, so that on a busy machine they never take turns
// on one CPU, which would measure the scheduler's time slice rather than the exchange.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "BenchCommand.hpp"
#include "BenchSupport.hpp"
#include "cox/transport/Publication.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/Subscription.hpp"

namespace
{
using namespace cox;
using bench::benchNanoTime;

constexpr int PING_SIDE = 0;
constexpr int PONG_SIDE = 1;
constexpr std::int32_t PING_STREAM_ID = 1001;
constexpr std::int32_t PONG_STREAM_ID = 1002;
/// Client conductor duty cycles (keepalives) come this many loops apart: often enough for the
/// driver's 10 s client liveness timeout, rarely enough to be invisible in the figures.
constexpr std::int64_t CLIENT_WORK_INTERVAL = 1024;
/// IPC: wait-loop turns of the ping side after which it runs the driver anyway (see ipcTransportPing).
constexpr std::int64_t IPC_STALLED_DRIVER_INTERVAL = 16384;
/// How many idle spins pass between checks of the clock for a stalled exchange.
constexpr std::int64_t STALL_CHECK_INTERVAL = 4096;
constexpr std::int64_t STALL_TIMEOUT_NS = 10'000'000'000;
/// The raw UDP baseline has no reliability: a datagram lost on loopback is sent again after this.
constexpr std::int64_t UDP_BASELINE_RESEND_NS = 200'000'000;

// Stages of the rendezvous between the two threads.
constexpr int STAGE_BASELINE_READY = 1;
constexpr int STAGE_BASELINE_DONE = 2;
constexpr int STAGE_TRANSPORT_READY = 3;
constexpr int STAGE_TRANSPORT_DONE = 4;

struct PingPongConfig
{
    std::string media;
    std::string idle;
    std::int32_t size = 32;
    std::int64_t messages = 0;
    std::int64_t warmup = 0;
    std::int64_t driverInterval = 0;
    int portBase = 0;
    bool pin = true;

    [[nodiscard]] std::int64_t total() const noexcept { return warmup + messages; }
    [[nodiscard]] bool isUdp() const noexcept { return media == "udp"; }
    [[nodiscard]] std::string udpChannel(int portOffset) const
    {
        return "aeron:udp?endpoint=127.0.0.1:" + std::to_string(portBase + portOffset);
    }
};

/// What the two threads share.
struct PingPongShared
{
    const PingPongConfig& config;
    bench::Rendezvous rendezvous;
    util::Histogram baseline{util::Histogram::ONE_HOUR_NS};
    util::Histogram transport{util::Histogram::ONE_HOUR_NS};
    std::int64_t baselineResends = 0;
    std::int64_t offerRetries = 0;
    std::int64_t baselineElapsedNs = 0;
    std::int64_t transportElapsedNs = 0;
    // Bare shared-memory baseline: the sequence each side last wrote.
    bench::PaddedAtomic<std::int64_t> pingSequence;
    bench::PaddedAtomic<std::int64_t> pongSequence;
    // IPC: the transport is set up by the ping thread; the pong thread uses these once ready.
    std::unique_ptr<bench::InvokerTransport> ipcTransport;
    std::shared_ptr<transport::Publication> ipcPongPublication;
    std::shared_ptr<transport::Subscription> ipcPongSubscription;
    std::string pongError;

    explicit PingPongShared(const PingPongConfig& c) : config(c)
    {
        pingSequence.value.store(-1);
        pongSequence.value.store(-1);
    }
};

/// Throws if the exchange has been waiting too long or the other thread gave up; called every
/// STALL_CHECK_INTERVAL idle spins of the ping side.
void checkStall(const PingPongShared& shared, std::int64_t sentNs, std::int64_t sequence)
{
    shared.rendezvous.checkPeer();
    if (benchNanoTime() - sentNs > STALL_TIMEOUT_NS)
    {
        throw util::IllegalStateException("no echo of message " + std::to_string(sequence) + " within 10 s");
    }
}

/// A non-blocking UDP socket on 127.0.0.1:localPort, connected to 127.0.0.1:remotePort.
class UdpSocket
{
public:
    UdpSocket(int localPort, int remotePort)
    {
        m_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (m_fd < 0)
        {
            throw util::IoException(std::string("socket: ") + std::strerror(errno));
        }
        sockaddr_in local = address(localPort);
        sockaddr_in remote = address(remotePort);
        if (::bind(m_fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0 ||
            ::connect(m_fd, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0)
        {
            const std::string reason = std::strerror(errno);
            ::close(m_fd);
            throw util::IoException("binding UDP port " + std::to_string(localPort) + ": " + reason);
        }
    }

    ~UdpSocket() { ::close(m_fd); }

    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;

    /// Sends one datagram; a full socket buffer (or ICMP refusal while the peer is not yet bound) is
    /// no different from loss here, which the ping side's resend covers.
    void send(const std::uint8_t* data, std::int32_t length) noexcept
    {
        (void)::send(m_fd, data, static_cast<std::size_t>(length), 0);
    }

    /// The datagram's length, or 0 when none is waiting.
    std::int32_t receive(std::uint8_t* data, std::int32_t capacity) noexcept
    {
        const ssize_t received = ::recv(m_fd, data, static_cast<std::size_t>(capacity), 0);
        return received > 0 ? static_cast<std::int32_t>(received) : 0;
    }

private:
    static sockaddr_in address(int port)
    {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return address;
    }

    int m_fd = -1;
};

std::int64_t sequenceOf(const std::uint8_t* message)
{
    std::int64_t sequence;
    std::memcpy(&sequence, message, sizeof(sequence));
    return sequence;
}

// ---- baselines -------------------------------------------------------------------------------

void udpBaselinePing(PingPongShared& shared, util::IdleStrategy& idle)
{
    const PingPongConfig& config = shared.config;
    UdpSocket socket(config.portBase + 2, config.portBase + 3);
    shared.rendezvous.arrive(PING_SIDE, STAGE_BASELINE_READY);
    std::vector<std::uint8_t> message(static_cast<std::size_t>(config.size));
    std::vector<std::uint8_t> echo(static_cast<std::size_t>(config.size));
    const std::int64_t startNs = benchNanoTime();
    for (std::int64_t sequence = 0; sequence < config.total(); ++sequence)
    {
        std::memcpy(message.data(), &sequence, sizeof(sequence));
        const std::int64_t sentNs = benchNanoTime();
        socket.send(message.data(), config.size);
        std::int64_t lastSendNs = sentNs;
        std::int64_t spins = 0;
        while (true)
        {
            const std::int32_t length = socket.receive(echo.data(), config.size);
            if (length >= static_cast<std::int32_t>(sizeof(sequence)) && sequenceOf(echo.data()) == sequence)
            {
                break;
            }
            idle.idle(length);
            if (++spins % STALL_CHECK_INTERVAL == 0)
            {
                checkStall(shared, sentNs, sequence);
                if (benchNanoTime() - lastSendNs > UDP_BASELINE_RESEND_NS)
                {
                    socket.send(message.data(), config.size);
                    lastSendNs = benchNanoTime();
                    ++shared.baselineResends;
                }
            }
        }
        const std::int64_t rttNs = benchNanoTime() - sentNs;
        if (sequence >= config.warmup)
        {
            shared.baseline.record(rttNs);
        }
        idle.reset();
    }
    shared.baselineElapsedNs = benchNanoTime() - startNs;
    shared.rendezvous.arrive(PING_SIDE, STAGE_BASELINE_DONE);
}

void udpBaselinePong(PingPongShared& shared, util::IdleStrategy& idle)
{
    const PingPongConfig& config = shared.config;
    UdpSocket socket(config.portBase + 3, config.portBase + 2);
    shared.rendezvous.arrive(PONG_SIDE, STAGE_BASELINE_READY);
    std::vector<std::uint8_t> message(static_cast<std::size_t>(config.size));
    while (shared.rendezvous.peerStage(PONG_SIDE) < STAGE_BASELINE_DONE && !shared.rendezvous.hasFailed())
    {
        const std::int32_t length = socket.receive(message.data(), config.size);
        if (length > 0)
        {
            socket.send(message.data(), length);
        }
        idle.idle(length);
    }
    shared.rendezvous.arrive(PONG_SIDE, STAGE_BASELINE_DONE);
}

void ipcBaselinePing(PingPongShared& shared, util::IdleStrategy& idle)
{
    const PingPongConfig& config = shared.config;
    shared.rendezvous.arrive(PING_SIDE, STAGE_BASELINE_READY);
    const std::int64_t startNs = benchNanoTime();
    for (std::int64_t sequence = 0; sequence < config.total(); ++sequence)
    {
        const std::int64_t sentNs = benchNanoTime();
        shared.pingSequence.value.store(sequence, std::memory_order_release);
        std::int64_t spins = 0;
        while (shared.pongSequence.value.load(std::memory_order_acquire) != sequence)
        {
            idle.idle(0);
            if (++spins % STALL_CHECK_INTERVAL == 0)
            {
                checkStall(shared, sentNs, sequence);
            }
        }
        const std::int64_t rttNs = benchNanoTime() - sentNs;
        if (sequence >= config.warmup)
        {
            shared.baseline.record(rttNs);
        }
        idle.reset();
    }
    shared.baselineElapsedNs = benchNanoTime() - startNs;
    shared.rendezvous.arrive(PING_SIDE, STAGE_BASELINE_DONE);
}

void ipcBaselinePong(PingPongShared& shared, util::IdleStrategy& idle)
{
    shared.rendezvous.arrive(PONG_SIDE, STAGE_BASELINE_READY);
    std::int64_t expected = 0;
    while (shared.rendezvous.peerStage(PONG_SIDE) < STAGE_BASELINE_DONE && !shared.rendezvous.hasFailed())
    {
        if (shared.pingSequence.value.load(std::memory_order_acquire) == expected)
        {
            shared.pongSequence.value.store(expected, std::memory_order_release);
            ++expected;
            idle.reset();
        }
        else
        {
            idle.idle(0);
        }
    }
    shared.rendezvous.arrive(PONG_SIDE, STAGE_BASELINE_DONE);
}

// ---- transport -------------------------------------------------------------------------------

/// Offers until accepted, running driverWork between attempts (it moves the publisher limit, and
/// for UDP sends what is in the log). Returns the number of retries; throws when the stream is gone.
template <typename DriverWork>
std::int64_t offerUntilAccepted(const PingPongShared& shared, transport::Publication& publication,
                                const std::uint8_t* data, std::int32_t length, DriverWork&& driverWork)
{
    std::int64_t retries = 0;
    while (true)
    {
        const std::int64_t result = publication.offer(data, length);
        if (result >= 0)
        {
            return retries;
        }
        if (result == transport::PublicationResult::CLOSED || result == transport::PublicationResult::ERROR ||
            result == transport::PublicationResult::MAX_POSITION_EXCEEDED)
        {
            throw util::IllegalStateException(std::string("offer failed: ") +
                                              transport::PublicationResult::name(result));
        }
        if (++retries % STALL_CHECK_INTERVAL == 0)
        {
            shared.rendezvous.checkPeer();
        }
        driverWork();
    }
}

/// The ping side's measured loop over our transport. driverWork runs inside the round trip (it is
/// the UDP data path, and a no-op for IPC); betweenRoundTrips runs outside the timed part.
template <typename DriverWork, typename BetweenRoundTrips>
void transportPingLoop(PingPongShared& shared, util::IdleStrategy& idle, transport::Publication& publication,
                       transport::Subscription& subscription, DriverWork&& driverWork,
                       BetweenRoundTrips&& betweenRoundTrips)
{
    const PingPongConfig& config = shared.config;
    std::vector<std::uint8_t> message(static_cast<std::size_t>(config.size));
    std::int64_t echoed = -1;
    auto onEcho = [&echoed](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                            const transport::Header&)
    {
        if (length >= static_cast<std::int32_t>(sizeof(std::int64_t)))
        {
            echoed = buffer.getInt64(static_cast<std::size_t>(offset));
        }
    };
    const std::int64_t startNs = benchNanoTime();
    for (std::int64_t sequence = 0; sequence < config.total(); ++sequence)
    {
        betweenRoundTrips(sequence);
        std::memcpy(message.data(), &sequence, sizeof(sequence));
        const std::int64_t sentNs = benchNanoTime();
        shared.offerRetries += offerUntilAccepted(shared, publication, message.data(), config.size, driverWork);
        std::int64_t spins = 0;
        while (echoed != sequence)
        {
            const int workCount = driverWork() + subscription.poll(onEcho, 1);
            if (echoed == sequence)
            {
                break;
            }
            idle.idle(workCount);
            if (++spins % STALL_CHECK_INTERVAL == 0)
            {
                checkStall(shared, sentNs, sequence);
            }
        }
        const std::int64_t rttNs = benchNanoTime() - sentNs;
        if (sequence >= config.warmup)
        {
            shared.transport.record(rttNs);
        }
        idle.reset();
    }
    shared.transportElapsedNs = benchNanoTime() - startNs;
}

/// The pong side's loop: echoes every message until the ping side has finished.
template <typename DriverWork, typename ClientWork>
void transportPongLoop(PingPongShared& shared, util::IdleStrategy& idle, transport::Publication& publication,
                       transport::Subscription& subscription, DriverWork&& driverWork, ClientWork&& clientWork)
{
    std::vector<std::uint8_t> message(static_cast<std::size_t>(bench::MAX_BENCH_MESSAGE_LENGTH));
    std::int32_t pendingLength = 0;
    auto onPing = [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                      const transport::Header&)
    {
        // The frame length was bounds-checked by the log reader; the copy still must not overrun.
        pendingLength = std::min(length, static_cast<std::int32_t>(message.size()));
        buffer.getBytes(static_cast<std::size_t>(offset), message.data(), static_cast<std::size_t>(pendingLength));
    };
    std::int64_t loops = 0;
    while (shared.rendezvous.peerStage(PONG_SIDE) < STAGE_TRANSPORT_DONE && !shared.rendezvous.hasFailed())
    {
        int workCount = driverWork() + subscription.poll(onPing, 1);
        if (pendingLength > 0)
        {
            offerUntilAccepted(shared, publication, message.data(), pendingLength, driverWork);
            pendingLength = 0;
        }
        if (++loops % CLIENT_WORK_INTERVAL == 0)
        {
            workCount += clientWork();
        }
        idle.idle(workCount);
    }
}

void udpTransportPing(PingPongShared& shared, util::IdleStrategy& idle)
{
    const PingPongConfig& config = shared.config;
    bench::InvokerTransport transport;
    auto publication = transport.aeron().addPublication(config.udpChannel(0), PING_STREAM_ID);
    auto subscription = transport.aeron().addSubscription(config.udpChannel(1), PONG_STREAM_ID);
    transport.pumpUntil([&] { return publication->isConnected() && subscription->imageCount() > 0; },
                        "the UDP ping stream to connect");
    shared.rendezvous.arrive(PING_SIDE, STAGE_TRANSPORT_READY, [&] { return transport.pump(); });
    transportPingLoop(
        shared, idle, *publication, *subscription, [&] { return transport.driverWork(); },
        [&](std::int64_t sequence)
        {
            if (sequence % CLIENT_WORK_INTERVAL == 0)
            {
                transport.clientWork();
            }
        });
    shared.rendezvous.arrive(PING_SIDE, STAGE_TRANSPORT_DONE);
}

void udpTransportPong(PingPongShared& shared, util::IdleStrategy& idle)
{
    const PingPongConfig& config = shared.config;
    bench::InvokerTransport transport;
    auto subscription = transport.aeron().addSubscription(config.udpChannel(0), PING_STREAM_ID);
    auto publication = transport.aeron().addPublication(config.udpChannel(1), PONG_STREAM_ID);
    transport.pumpUntil([&] { return publication->isConnected() && subscription->imageCount() > 0; },
                        "the UDP pong stream to connect");
    shared.rendezvous.arrive(PONG_SIDE, STAGE_TRANSPORT_READY, [&] { return transport.pump(); });
    transportPongLoop(
        shared, idle, *publication, *subscription, [&] { return transport.driverWork(); },
        [&] { return transport.clientWork(); });
    shared.rendezvous.arrive(PONG_SIDE, STAGE_TRANSPORT_DONE);
}

void ipcTransportPing(PingPongShared& shared, util::IdleStrategy& idle)
{
    const PingPongConfig& config = shared.config;
    shared.ipcTransport = std::make_unique<bench::InvokerTransport>();
    bench::InvokerTransport& transport = *shared.ipcTransport;
    auto pingPublication = transport.aeron().addPublication("aeron:ipc", PING_STREAM_ID);
    auto pingSubscription = transport.aeron().addSubscription("aeron:ipc", PONG_STREAM_ID);
    shared.ipcPongSubscription = transport.aeron().addSubscription("aeron:ipc", PING_STREAM_ID);
    shared.ipcPongPublication = transport.aeron().addPublication("aeron:ipc", PONG_STREAM_ID);
    transport.pumpUntil(
        [&]
        {
            return pingPublication->isConnected() && shared.ipcPongPublication->isConnected() &&
                pingSubscription->imageCount() > 0 && shared.ipcPongSubscription->imageCount() > 0;
        },
        "the IPC streams to connect");
    // The rendezvous' release store publishes the pong side's publication and subscription to it.
    shared.rendezvous.arrive(PING_SIDE, STAGE_TRANSPORT_READY);
    const std::int64_t driverInterval = config.driverInterval;
    // Off the data path, but a safety net: should either publication reach its limit (a long
    // --driver-interval with large messages), the driver must still run while the ping side waits.
    std::int64_t waits = 0;
    auto driverWhenStalled = [&] { return ++waits % IPC_STALLED_DRIVER_INTERVAL == 0 ? transport.pump() : 0; };
    transportPingLoop(
        shared, idle, *pingPublication, *pingSubscription, driverWhenStalled,
        [&](std::int64_t sequence)
        {
            if (sequence % driverInterval == 0)
            {
                transport.pump();
            }
        });
    shared.rendezvous.arrive(PING_SIDE, STAGE_TRANSPORT_DONE);
    // The pong side has stopped using the shared streams: they can go.
    pingPublication->close();
    pingSubscription->close();
    shared.ipcPongPublication->close();
    shared.ipcPongSubscription->close();
    shared.ipcPongPublication.reset();
    shared.ipcPongSubscription.reset();
    shared.ipcTransport.reset();
}

void ipcTransportPong(PingPongShared& shared, util::IdleStrategy& idle)
{
    shared.rendezvous.arrive(PONG_SIDE, STAGE_TRANSPORT_READY);
    // The driver and client conductor run on the ping thread: the pong side only polls and offers.
    transportPongLoop(
        shared, idle, *shared.ipcPongPublication, *shared.ipcPongSubscription, [] { return 0; }, [] { return 0; });
    shared.rendezvous.arrive(PONG_SIDE, STAGE_TRANSPORT_DONE);
}

void pingSide(PingPongShared& shared)
{
    if (shared.config.pin)
    {
        bench::pinToCpu(0);
    }
    auto idle = util::newIdleStrategy(shared.config.idle);
    if (shared.config.isUdp())
    {
        udpBaselinePing(shared, *idle);
        udpTransportPing(shared, *idle);
    }
    else
    {
        ipcBaselinePing(shared, *idle);
        ipcTransportPing(shared, *idle);
    }
}

void pongSide(PingPongShared& shared)
{
    if (shared.config.pin)
    {
        bench::pinToCpu(1);
    }
    auto idle = util::newIdleStrategy(shared.config.idle);
    if (shared.config.isUdp())
    {
        udpBaselinePong(shared, *idle);
        udpTransportPong(shared, *idle);
    }
    else
    {
        ipcBaselinePong(shared, *idle);
        ipcTransportPong(shared, *idle);
    }
}

void report(const PingPongShared& shared)
{
    const PingPongConfig& config = shared.config;
    const bench::LatencyFigures ours = bench::LatencyFigures::from(shared.transport);
    const bench::LatencyFigures baseline = bench::LatencyFigures::from(shared.baseline);
    const double targetRatio = config.isUdp() ? 1.5 : 5.0;
    const double p50Ratio = bench::ratio(ours.p50Us, baseline.p50Us);
    const char* baselineName = config.isUdp() ? "raw UDP socket" : "bare shared memory";

    std::printf("transport-pingpong: media=%s size=%d messages=%lld warmup=%lld idle=%s\n", config.media.c_str(),
                config.size, static_cast<long long>(config.messages), static_cast<long long>(config.warmup),
                config.idle.c_str());
    std::printf("round-trip time:\n");
    ours.print("  coxswain");
    baseline.print(config.isUdp() ? "  baseline (raw UDP)" : "  baseline (bare shm)");
    std::printf("ratios (ours / %s): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", baselineName, p50Ratio,
                bench::ratio(ours.p90Us, baseline.p90Us), bench::ratio(ours.p99Us, baseline.p99Us),
                bench::ratio(ours.p999Us, baseline.p999Us), bench::ratio(ours.maxUs, baseline.maxUs));
    std::printf("target: p50 within %.1fx of %s: %s\n", targetRatio, baselineName,
                p50Ratio <= targetRatio ? "met" : "MISSED");
    if (shared.offerRetries > 0 || shared.baselineResends > 0)
    {
        std::printf("offer retries %lld, baseline resends %lld\n", static_cast<long long>(shared.offerRetries),
                    static_cast<long long>(shared.baselineResends));
    }

    const auto roundTripsPerSec = [&](std::int64_t elapsedNs)
    { return elapsedNs > 0 ? static_cast<double>(config.total()) * 1e9 / static_cast<double>(elapsedNs) : 0.0; };
    bench::JsonLine json;
    json.add("benchmark", "transport-pingpong")
        .add("media", config.media)
        .add("size", static_cast<std::int64_t>(config.size))
        .add("messages", config.messages)
        .add("warmup", config.warmup)
        .add("idle", config.idle)
        .add("pinned", config.pin);
    if (!config.isUdp())
    {
        json.add("driver_interval", config.driverInterval);
    }
    ours.addTo(json, "");
    json.add("msgs_per_sec", roundTripsPerSec(shared.transportElapsedNs));
    json.add("baseline", config.isUdp() ? "raw-udp-socket" : "bare-shared-memory");
    baseline.addTo(json, "baseline_");
    json.add("baseline_msgs_per_sec", roundTripsPerSec(shared.baselineElapsedNs))
        .add("p50_ratio", p50Ratio)
        .add("p90_ratio", bench::ratio(ours.p90Us, baseline.p90Us))
        .add("p99_ratio", bench::ratio(ours.p99Us, baseline.p99Us))
        .add("p999_ratio", bench::ratio(ours.p999Us, baseline.p999Us))
        .add("max_ratio", bench::ratio(ours.maxUs, baseline.maxUs))
        .add("offer_retries", shared.offerRetries)
        .add("baseline_resends", shared.baselineResends)
        .add("target_p50_ratio", targetRatio)
        .add("target_met", p50Ratio <= targetRatio);
    json.print();
}

int runPingPong(const std::vector<std::string>& args)
{
    bench::BenchArgs options("transport-pingpong");
    options.option("media", "udp", "udp | ipc")
        .option("size", "32", "message length in bytes, 8.." + std::to_string(bench::MAX_BENCH_MESSAGE_LENGTH))
        .option("messages", "100000", "measured round trips")
        .option("warmup", "10000", "round trips before measuring")
        .option("idle", "busy-spin", "idle strategy of both threads: busy-spin | yielding | backoff")
        .option("driver-interval", "64", "ipc: round trips between driver duty cycles")
        .option("pin", "on", "on: ping and pong threads each pinned to its own CPU | off")
        .option("port", std::to_string(bench::defaultPortBase()), "udp: first of the four ports used");
    return bench::runBenchmark(
        options,
        [&]
        {
            options.parse(args);
            PingPongConfig config;
            config.media = options.choice("media", {"udp", "ipc"});
            config.idle = options.choice("idle", {"busy-spin", "yielding", "backoff"});
            config.size = static_cast<std::int32_t>(options.integer("size", 8, bench::MAX_BENCH_MESSAGE_LENGTH));
            config.messages = options.integer("messages", 1, 1'000'000'000);
            config.warmup = options.integer("warmup", 0, 1'000'000'000);
            config.driverInterval = options.integer("driver-interval", 1, 1'000'000);
            config.portBase = static_cast<int>(options.integer("port", 1024, 65535 - 3));
            config.pin = options.choice("pin", {"on", "off"}) == "on";

            PingPongShared shared(config);
            std::thread pong(
                [&shared]
                {
                    try
                    {
                        pongSide(shared);
                    }
                    catch (const std::exception& e)
                    {
                        shared.pongError = e.what();
                        shared.rendezvous.fail();
                    }
                });
            std::string pingError;
            try
            {
                pingSide(shared);
            }
            catch (const std::exception& e)
            {
                pingError = e.what();
                shared.rendezvous.fail();
            }
            pong.join();
            // Both, as the side that failed second only saw "the other benchmark thread failed".
            if (!pingError.empty() || !shared.pongError.empty())
            {
                std::fprintf(stderr, "transport-pingpong failed: ping: %s; pong: %s\n",
                             pingError.empty() ? "ok" : pingError.c_str(),
                             shared.pongError.empty() ? "ok" : shared.pongError.c_str());
                return 1;
            }
            report(shared);
            return 0;
        });
}

const bench::BenchRegistration registration(
    "transport-pingpong",
    "round-trip latency over our UDP or IPC transport vs raw sockets / bare shared memory; --media udp|ipc",
    runPingPong);
} // namespace
