// `cox-bench transport-throughput`: one publisher thread offering (or claiming) as fast as it can and
// one subscriber thread polling, over UDP or IPC; messages and megabytes per second received over
// the measured interval, after a warm-up, with the publisher's back-pressure counted.
//
// Threads: as in transport-pingpong, no more busy threads than the machine's two cores. For IPC one
// driver in invoker mode runs on the publisher thread between bursts (it only moves the publisher
// limit); for UDP each side has its own driver, run by its own thread between bursts and polls. The
// calling thread only sleeps and samples the counters. With --pin on (the default) publisher and
// subscriber are pinned to different CPUs: two busy threads taking turns on one CPU would measure how
// much a time slice holds (the window), not the transport.
//
// Baseline (--baseline spsc, the default for IPC): the same two-thread exchange over the bare
// one-to-one ring buffer of util (Agrona's OneToOneRingBuffer, the queue Aeron itself uses between
// threads), with the same message size and burst, run for the same interval before ours. It tells
// what this machine's cores and caches allow a shared-memory queue, whatever the transport does.
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "BenchCommand.hpp"
#include "BenchSupport.hpp"
#include "cox/transport/BufferClaim.hpp"
#include "cox/transport/Publication.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/Subscription.hpp"
#include "cox/util/OneToOneRingBuffer.hpp"
#include "cox/util/RingBufferDescriptor.hpp"

namespace
{
using namespace cox;
using bench::benchNanoTime;

constexpr int PUBLISHER_SIDE = 0;
constexpr int SUBSCRIBER_SIDE = 1;
constexpr std::int32_t STREAM_ID = 1001;
constexpr int STAGE_READY = 1;
constexpr int STAGE_DONE = 2;
/// Loops of either side between client conductor duty cycles (keepalives only, once connected).
constexpr std::int64_t CLIENT_WORK_INTERVAL = 256;
constexpr std::int64_t READY_TIMEOUT_NS = 30'000'000'000;
/// The baseline ring's capacity: 4 MiB, the default IPC term length.
constexpr std::size_t BASELINE_RING_CAPACITY = 4 * 1024 * 1024;
constexpr std::int32_t BASELINE_MSG_TYPE_ID = 1;

struct ThroughputConfig
{
    std::string media;
    std::string api;
    std::string baseline;
    std::int32_t size = 32;
    double seconds = 0;
    double warmupSeconds = 0;
    std::int64_t burst = 0;
    int fragmentLimit = 0;
    int portBase = 0;
    /// 0: the driver's default.
    std::int64_t termLength = 0;
    bool pin = true;

    [[nodiscard]] bool isUdp() const noexcept { return media == "udp"; }
    [[nodiscard]] bool useClaim() const noexcept { return api == "claim"; }
    [[nodiscard]] bool hasBaseline() const noexcept { return baseline == "spsc"; }
    [[nodiscard]] std::string channel() const
    {
        std::string channel = isUdp() ? "aeron:udp?endpoint=127.0.0.1:" + std::to_string(portBase) : "aeron:ipc";
        if (termLength > 0)
        {
            channel += (isUdp() ? "|" : "?") + std::string("term-length=") + std::to_string(termLength);
        }
        return channel;
    }
};

/// Counters each written by one thread and sampled by the calling thread.
struct ThroughputShared
{
    const ThroughputConfig& config;
    bench::Rendezvous rendezvous;
    bench::PaddedAtomic<bool> stop;
    bench::PaddedAtomic<std::int64_t> published;
    bench::PaddedAtomic<std::int64_t> backPressured;
    bench::PaddedAtomic<std::int64_t> adminActions;
    bench::PaddedAtomic<std::int64_t> received;
    bench::PaddedAtomic<std::int64_t> sequenceErrors;
    // IPC: the publisher thread owns the transport; the subscriber thread polls this once ready.
    // The baseline's ring is created before either thread starts.
    std::unique_ptr<util::OneToOneRingBuffer> baselineRing;
    std::unique_ptr<bench::InvokerTransport> ipcTransport;
    std::shared_ptr<transport::Subscription> ipcSubscription;
    std::string publisherError;
    std::string subscriberError;

    explicit ThroughputShared(const ThroughputConfig& c) : config(c) {}

    [[nodiscard]] bool isStopped() const noexcept { return stop.value.load(std::memory_order_relaxed); }
};

struct Sample
{
    std::int64_t timeNs = 0;
    std::int64_t published = 0;
    std::int64_t backPressured = 0;
    std::int64_t received = 0;

    static Sample take(const ThroughputShared& shared)
    {
        Sample sample;
        sample.timeNs = benchNanoTime();
        sample.published = shared.published.value.load(std::memory_order_relaxed);
        sample.backPressured = shared.backPressured.value.load(std::memory_order_relaxed);
        sample.received = shared.received.value.load(std::memory_order_relaxed);
        return sample;
    }
};

/// The publisher's hot loop: bursts of offers or claims, each message carrying its sequence number,
/// with driverWork (and now and then the client conductor) between bursts and on back-pressure.
template <typename DriverWork, typename ClientWork>
void publishLoop(ThroughputShared& shared, transport::Publication& publication, DriverWork&& driverWork,
                 ClientWork&& clientWork)
{
    const ThroughputConfig& config = shared.config;
    const std::int32_t size = config.size;
    const bool useClaim = config.useClaim();
    std::vector<std::uint8_t> message(static_cast<std::size_t>(size));
    transport::BufferClaim claim;
    std::int64_t sequence = 0;
    std::int64_t backPressured = 0;
    std::int64_t adminActions = 0;
    std::int64_t loops = 0;
    while (!shared.isStopped())
    {
        for (std::int64_t i = 0; i < config.burst; ++i)
        {
            std::int64_t result;
            if (useClaim)
            {
                result = publication.tryClaim(size, claim);
                if (result > 0)
                {
                    // The whole payload is written, as offer copies it, so both move the same bytes.
                    std::memcpy(message.data(), &sequence, sizeof(sequence));
                    claim.putBytes(message.data(), size);
                    claim.commit();
                }
            }
            else
            {
                std::memcpy(message.data(), &sequence, sizeof(sequence));
                result = publication.offer(message.data(), size);
            }
            if (result > 0)
            {
                ++sequence;
                continue;
            }
            if (result == transport::PublicationResult::BACK_PRESSURED ||
                result == transport::PublicationResult::NOT_CONNECTED)
            {
                ++backPressured;
                break;
            }
            if (result == transport::PublicationResult::ADMIN_ACTION)
            {
                ++adminActions;
                continue;
            }
            throw util::IllegalStateException(std::string("publication failed: ") +
                                              transport::PublicationResult::name(result));
        }
        shared.published.value.store(sequence, std::memory_order_relaxed);
        shared.backPressured.value.store(backPressured, std::memory_order_relaxed);
        shared.adminActions.value.store(adminActions, std::memory_order_relaxed);
        driverWork();
        if (++loops % CLIENT_WORK_INTERVAL == 0)
        {
            clientWork();
        }
    }
}

/// The subscriber's hot loop: polls, checking every message's sequence number.
template <typename DriverWork, typename ClientWork>
void subscribeLoop(ThroughputShared& shared, transport::Subscription& subscription, DriverWork&& driverWork,
                   ClientWork&& clientWork)
{
    std::int64_t expected = 0;
    std::int64_t errors = 0;
    auto onMessage = [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                         const transport::Header&)
    {
        const std::int64_t sequence = length >= static_cast<std::int32_t>(sizeof(std::int64_t))
            ? buffer.getInt64(static_cast<std::size_t>(offset))
            : -1;
        errors += sequence != expected ? 1 : 0;
        expected = sequence + 1;
    };
    std::int64_t received = 0;
    std::int64_t loops = 0;
    const int fragmentLimit = shared.config.fragmentLimit;
    while (!shared.isStopped())
    {
        const int fragments = subscription.poll(onMessage, fragmentLimit);
        received += fragments;
        shared.received.value.store(received, std::memory_order_relaxed);
        int workCount = fragments + driverWork();
        if (++loops % CLIENT_WORK_INTERVAL == 0)
        {
            workCount += clientWork();
        }
        if (workCount == 0)
        {
            util::BusySpinIdleStrategy::pause();
        }
    }
    shared.sequenceErrors.value.store(errors, std::memory_order_relaxed);
}

/// The baseline producer: the publisher's loop over the bare ring (write copies like offer; tryClaim
/// and commit write in place like claim).
void spscProducer(ThroughputShared& shared)
{
    util::OneToOneRingBuffer& ring = *shared.baselineRing;
    shared.rendezvous.arrive(PUBLISHER_SIDE, STAGE_READY);
    const ThroughputConfig& config = shared.config;
    const auto size = static_cast<std::size_t>(config.size);
    std::vector<std::uint8_t> message(size);
    const util::AtomicBuffer source(message.data(), message.size());
    const bool useClaim = config.useClaim();
    std::int64_t sequence = 0;
    std::int64_t backPressured = 0;
    while (!shared.isStopped())
    {
        for (std::int64_t i = 0; i < config.burst; ++i)
        {
            bool accepted;
            if (useClaim)
            {
                const std::int32_t index = ring.tryClaim(BASELINE_MSG_TYPE_ID, size);
                accepted = index >= 0;
                if (accepted)
                {
                    std::memcpy(message.data(), &sequence, sizeof(sequence));
                    ring.buffer().putBytes(static_cast<std::size_t>(index), message.data(), size);
                    ring.commit(index);
                }
            }
            else
            {
                std::memcpy(message.data(), &sequence, sizeof(sequence));
                accepted = ring.write(BASELINE_MSG_TYPE_ID, source, 0, size);
            }
            if (!accepted)
            {
                ++backPressured;
                break;
            }
            ++sequence;
        }
        shared.published.value.store(sequence, std::memory_order_relaxed);
        shared.backPressured.value.store(backPressured, std::memory_order_relaxed);
    }
    shared.rendezvous.arrive(PUBLISHER_SIDE, STAGE_DONE);
}

void spscConsumer(ThroughputShared& shared)
{
    util::OneToOneRingBuffer& ring = *shared.baselineRing;
    shared.rendezvous.arrive(SUBSCRIBER_SIDE, STAGE_READY);
    std::int64_t expected = 0;
    std::int64_t errors = 0;
    auto onMessage = [&](std::int32_t, util::AtomicBuffer& buffer, std::size_t index, std::size_t length)
    {
        const std::int64_t sequence = length >= sizeof(std::int64_t) ? buffer.getInt64(index) : -1;
        errors += sequence != expected ? 1 : 0;
        expected = sequence + 1;
    };
    std::int64_t received = 0;
    const int fragmentLimit = shared.config.fragmentLimit;
    while (!shared.isStopped())
    {
        const int messages = ring.read(onMessage, fragmentLimit);
        received += messages;
        shared.received.value.store(received, std::memory_order_relaxed);
        if (messages == 0)
        {
            util::BusySpinIdleStrategy::pause();
        }
    }
    shared.sequenceErrors.value.store(errors, std::memory_order_relaxed);
    shared.rendezvous.arrive(SUBSCRIBER_SIDE, STAGE_DONE);
}

void udpPublisher(ThroughputShared& shared)
{
    bench::InvokerTransport transport;
    auto publication = transport.aeron().addPublication(shared.config.channel(), STREAM_ID);
    transport.pumpUntil([&] { return publication->isConnected(); }, "the UDP stream to connect");
    shared.rendezvous.arrive(PUBLISHER_SIDE, STAGE_READY, [&] { return transport.pump(); });
    publishLoop(
        shared, *publication, [&] { return transport.driverWork(); }, [&] { return transport.clientWork(); });
    shared.rendezvous.arrive(PUBLISHER_SIDE, STAGE_DONE);
}

void udpSubscriber(ThroughputShared& shared)
{
    bench::InvokerTransport transport;
    auto subscription = transport.aeron().addSubscription(shared.config.channel(), STREAM_ID);
    transport.pumpUntil([&] { return subscription->imageCount() > 0; }, "an image of the UDP stream");
    shared.rendezvous.arrive(SUBSCRIBER_SIDE, STAGE_READY, [&] { return transport.pump(); });
    subscribeLoop(
        shared, *subscription, [&] { return transport.driverWork(); }, [&] { return transport.clientWork(); });
    shared.rendezvous.arrive(SUBSCRIBER_SIDE, STAGE_DONE);
}

void ipcPublisher(ThroughputShared& shared)
{
    shared.ipcTransport = std::make_unique<bench::InvokerTransport>();
    bench::InvokerTransport& transport = *shared.ipcTransport;
    shared.ipcSubscription = transport.aeron().addSubscription(shared.config.channel(), STREAM_ID);
    auto publication = transport.aeron().addPublication(shared.config.channel(), STREAM_ID);
    transport.pumpUntil([&] { return publication->isConnected() && shared.ipcSubscription->imageCount() > 0; },
                        "the IPC stream to connect");
    shared.rendezvous.arrive(PUBLISHER_SIDE, STAGE_READY);
    publishLoop(
        shared, *publication, [&] { return transport.driverWork(); }, [&] { return transport.clientWork(); });
    // Only once the subscriber has stopped polling may its subscription and the driver go.
    shared.rendezvous.arrive(PUBLISHER_SIDE, STAGE_DONE);
    publication->close();
    shared.ipcSubscription->close();
    shared.ipcSubscription.reset();
    shared.ipcTransport.reset();
}

void ipcSubscriber(ThroughputShared& shared)
{
    shared.rendezvous.arrive(SUBSCRIBER_SIDE, STAGE_READY);
    subscribeLoop(
        shared, *shared.ipcSubscription, [] { return 0; }, [] { return 0; });
    shared.rendezvous.arrive(SUBSCRIBER_SIDE, STAGE_DONE);
}

/// Runs side on a new thread (pinned to the cpu-th allowed CPU with --pin on), turning an exception
/// into the error text and a failed rendezvous.
template <typename Side> std::thread startSide(ThroughputShared& shared, std::string& error, Side side, int cpu)
{
    return std::thread(
        [&shared, &error, side, cpu]
        {
            try
            {
                if (shared.config.pin)
                {
                    bench::pinToCpu(cpu);
                }
                side(shared);
            }
            catch (const std::exception& e)
            {
                error = e.what();
                shared.rendezvous.fail();
            }
        });
}

/// Sleeps until both sides are connected; false if one failed or they took too long.
bool awaitReady(const ThroughputShared& shared)
{
    const std::int64_t deadlineNs = benchNanoTime() + READY_TIMEOUT_NS;
    while (shared.rendezvous.peerStage(PUBLISHER_SIDE) < STAGE_READY ||
           shared.rendezvous.peerStage(SUBSCRIBER_SIDE) < STAGE_READY)
    {
        if (shared.rendezvous.hasFailed() || benchNanoTime() > deadlineNs)
        {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

/// Sleeps for seconds, returning early if a side failed.
void sleepWatching(const ThroughputShared& shared, double seconds)
{
    const auto deadlineNs = benchNanoTime() + static_cast<std::int64_t>(seconds * 1e9);
    while (benchNanoTime() < deadlineNs && !shared.rendezvous.hasFailed())
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

/// The figures of one measured interval.
struct Rates
{
    double elapsedSec = 0;
    double msgsPerSec = 0;
    double mbPerSec = 0;
    double publishedPerSec = 0;
    std::int64_t received = 0;
    std::int64_t backPressured = 0;
    std::int64_t sequenceErrors = 0;

    void addTo(bench::JsonLine& json, const std::string& prefix) const
    {
        json.add(prefix + "msgs_per_sec", msgsPerSec)
            .add(prefix + "mb_per_sec", mbPerSec)
            .add(prefix + "published_msgs_per_sec", publishedPerSec)
            .add(prefix + "messages_received", received)
            .add(prefix + "back_pressure_count", backPressured)
            .add(prefix + "back_pressure_per_sec", static_cast<double>(backPressured) / elapsedSec)
            .add(prefix + "sequence_errors", sequenceErrors);
    }

    void print(const char* label) const
    {
        std::printf("  %-10s received %12.0f msgs/s %9.2f MB/s | published %12.0f msgs/s, back-pressured %lld "
                    "times | sequence errors %lld\n",
                    label, msgsPerSec, mbPerSec, publishedPerSec, static_cast<long long>(backPressured),
                    static_cast<long long>(sequenceErrors));
    }
};

/// Runs publisher and subscriber on two new threads, measures the interval after the warm-up and
/// stops them. Throws IllegalStateException with either side's error.
template <typename PublisherSide, typename SubscriberSide>
Rates measure(ThroughputShared& shared, PublisherSide publisherSide, SubscriberSide subscriberSide)
{
    const ThroughputConfig& config = shared.config;
    std::thread publisher = startSide(shared, shared.publisherError, publisherSide, 0);
    std::thread subscriber = startSide(shared, shared.subscriberError, subscriberSide, 1);
    Sample start;
    Sample end;
    if (awaitReady(shared))
    {
        sleepWatching(shared, config.warmupSeconds);
        start = Sample::take(shared);
        sleepWatching(shared, config.seconds);
        end = Sample::take(shared);
    }
    shared.stop.value.store(true, std::memory_order_relaxed);
    publisher.join();
    subscriber.join();
    if (shared.rendezvous.hasFailed() || end.timeNs == 0)
    {
        throw util::IllegalStateException(
            "publisher: " + (shared.publisherError.empty() ? std::string("ok") : shared.publisherError) +
            "; subscriber: " + (shared.subscriberError.empty() ? std::string("ok") : shared.subscriberError));
    }
    Rates rates;
    rates.elapsedSec = static_cast<double>(end.timeNs - start.timeNs) / 1e9;
    rates.received = end.received - start.received;
    rates.msgsPerSec = static_cast<double>(rates.received) / rates.elapsedSec;
    rates.mbPerSec = rates.msgsPerSec * config.size / 1e6;
    rates.publishedPerSec = static_cast<double>(end.published - start.published) / rates.elapsedSec;
    rates.backPressured = end.backPressured - start.backPressured;
    rates.sequenceErrors = shared.sequenceErrors.value.load(std::memory_order_relaxed);
    return rates;
}

void report(const ThroughputConfig& config, const Rates& ours, const Rates* baseline)
{
    const bool hasTarget = !config.isUdp() && config.size == 32;
    constexpr double IPC_TARGET_MSGS_PER_SEC = 20e6;

    std::printf("transport-throughput: media=%s size=%d api=%s seconds=%.1f (after %.1f s warm-up) burst=%lld "
                "fragment-limit=%d (MB = 10^6 bytes of payload)\n",
                config.media.c_str(), config.size, config.api.c_str(), ours.elapsedSec, config.warmupSeconds,
                static_cast<long long>(config.burst), config.fragmentLimit);
    ours.print("coxswain");
    if (baseline != nullptr)
    {
        baseline->print("bare spsc");
        std::printf("ratio (ours / bare one-to-one ring buffer): %.2f\n",
                    bench::ratio(ours.msgsPerSec, baseline->msgsPerSec));
    }
    if (hasTarget)
    {
        std::printf("target: IPC 32-byte >= 20 million msgs/s: %s\n",
                    ours.msgsPerSec >= IPC_TARGET_MSGS_PER_SEC ? "met" : "MISSED");
    }

    bench::JsonLine json;
    json.add("benchmark", "transport-throughput")
        .add("media", config.media)
        .add("size", static_cast<std::int64_t>(config.size))
        .add("api", config.api)
        .add("seconds", ours.elapsedSec)
        .add("warmup_seconds", config.warmupSeconds)
        .add("burst", config.burst)
        .add("fragment_limit", static_cast<std::int64_t>(config.fragmentLimit))
        .add("term_length", config.termLength)
        .add("pinned", config.pin);
    ours.addTo(json, "");
    if (baseline != nullptr)
    {
        json.add("baseline", "one-to-one-ring-buffer");
        baseline->addTo(json, "baseline_");
        json.add("msgs_per_sec_ratio", bench::ratio(ours.msgsPerSec, baseline->msgsPerSec));
    }
    if (hasTarget)
    {
        json.add("target_msgs_per_sec", IPC_TARGET_MSGS_PER_SEC)
            .add("target_ratio", ours.msgsPerSec / IPC_TARGET_MSGS_PER_SEC)
            .add("target_met", ours.msgsPerSec >= IPC_TARGET_MSGS_PER_SEC);
    }
    json.print();
}

int runThroughput(const std::vector<std::string>& args)
{
    bench::BenchArgs options("transport-throughput");
    options.option("media", "ipc", "udp | ipc")
        .option("size", "32", "message length in bytes, 8.." + std::to_string(bench::MAX_BENCH_MESSAGE_LENGTH))
        .option("api", "claim", "offer | claim (tryClaim + commit)")
        .option("seconds", "5", "measured interval")
        .option("warmup-seconds", "1", "interval before measuring")
        .option("burst", "256", "messages offered between driver duty cycles (fewer on back-pressure)")
        .option("fragment-limit", "256", "fragments per subscription poll")
        .option("baseline", "auto", "spsc (bare one-to-one ring buffer, run first) | none | auto (spsc for ipc)")
        .option("term-length", "0", "log term length (a power of two, 64 KiB..1 GiB); 0: the driver's 4 MiB")
        .option("pin", "on", "on: publisher and subscriber each pinned to its own CPU | off")
        .option("port", std::to_string(bench::defaultPortBase()), "udp: the port of the stream");
    return bench::runBenchmark(
        options,
        [&]
        {
            options.parse(args);
            ThroughputConfig config;
            config.media = options.choice("media", {"udp", "ipc"});
            config.api = options.choice("api", {"offer", "claim"});
            config.baseline = options.choice("baseline", {"auto", "spsc", "none"});
            if (config.baseline == "auto")
            {
                config.baseline = config.isUdp() ? "none" : "spsc";
            }
            config.size = static_cast<std::int32_t>(options.integer("size", 8, bench::MAX_BENCH_MESSAGE_LENGTH));
            config.seconds = options.real("seconds", 0.1, 3600);
            config.warmupSeconds = options.real("warmup-seconds", 0, 3600);
            config.burst = options.integer("burst", 1, 1'000'000);
            config.fragmentLimit = static_cast<int>(options.integer("fragment-limit", 1, 1'000'000));
            config.portBase = static_cast<int>(options.integer("port", 1024, 65535));
            config.termLength = options.integer("term-length", 0, 1LL << 30);
            config.pin = options.choice("pin", {"on", "off"}) == "on";

            Rates baseline;
            if (config.hasBaseline())
            {
                // Zeroed, 8-byte aligned memory for the ring and its trailer.
                std::vector<std::int64_t> memory(
                    (BASELINE_RING_CAPACITY + util::RingBufferDescriptor::TRAILER_LENGTH) / sizeof(std::int64_t));
                ThroughputShared shared(config);
                shared.baselineRing = std::make_unique<util::OneToOneRingBuffer>(
                    util::AtomicBuffer(memory.data(), memory.size() * sizeof(std::int64_t)));
                baseline = measure(shared, spscProducer, spscConsumer);
            }
            ThroughputShared shared(config);
            const Rates ours = config.isUdp() ? measure(shared, udpPublisher, udpSubscriber)
                                              : measure(shared, ipcPublisher, ipcSubscriber);
            report(config, ours, config.hasBaseline() ? &baseline : nullptr);
            return 0;
        });
}

const bench::BenchRegistration registration(
    "transport-throughput",
    "messages/s from one publisher thread to one subscriber thread over UDP or IPC vs a bare SPSC ring; "
    "--media udp|ipc --api offer|claim",
    runThroughput);
} // namespace
