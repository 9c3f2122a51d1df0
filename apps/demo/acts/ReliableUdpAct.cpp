#include "ReliableUdpAct.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "ActSupport.hpp"
#include "DemoMessages.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/transport/FrameDescriptor.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::apps::demo
{
namespace
{
using act::Clock;
using transport::PublicationResult;

/// The driver counters worth showing for one stream, in the order data flows through them.
constexpr const char* STREAM_COUNTER_NAMES[] = {"pub-lmt", "snd-pos", "snd-lmt", "rcv-hwm", "rcv-pos", "sub-pos"};

bool interrupted(const ReliableUdpConfig& config) noexcept
{
    return config.interrupted != nullptr && config.interrupted->load(std::memory_order_acquire);
}

/// The publishing thread: offers messages 0..count-1 in order, retrying each until the log takes it.
class Publisher
{
public:
    Publisher(transport::Publication& publication, const DemoMessages& messages, std::int64_t count)
        : m_publication(publication), m_messages(messages), m_count(count)
    {
    }

    void run() noexcept
    {
        // The one buffer is allocated here, before the loop; the loop itself allocates nothing.
        std::vector<std::uint8_t> buffer(static_cast<std::size_t>(m_messages.maxLength()));
        const std::unique_ptr<util::IdleStrategy> idle = util::newIdleStrategy("backoff");
        for (std::int64_t index = 0; index < m_count; ++index)
        {
            const std::int32_t length = m_messages.fill(index, buffer.data());
            for (;;)
            {
                const std::int64_t result = m_publication.offer(buffer.data(), length);
                if (result > 0)
                {
                    break;
                }
                if (m_stop.load(std::memory_order_acquire))
                {
                    return;
                }
                if (result != PublicationResult::BACK_PRESSURED && result != PublicationResult::ADMIN_ACTION &&
                    result != PublicationResult::NOT_CONNECTED)
                {
                    m_failure.store(result, std::memory_order_release);
                    return;
                }
                m_retries.store(m_retries.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
                idle->idle();
            }
            idle->reset();
            m_sent.store(index + 1, std::memory_order_release);
        }
    }

    void stop() noexcept { m_stop.store(true, std::memory_order_release); }
    [[nodiscard]] std::int64_t sent() const noexcept { return m_sent.load(std::memory_order_acquire); }
    [[nodiscard]] std::int64_t retries() const noexcept { return m_retries.load(std::memory_order_relaxed); }
    /// The offer result that ended publishing, or 0.
    [[nodiscard]] std::int64_t failure() const noexcept { return m_failure.load(std::memory_order_acquire); }

private:
    transport::Publication& m_publication;
    const DemoMessages& m_messages;
    std::int64_t m_count;
    std::atomic<std::int64_t> m_sent{0};
    std::atomic<std::int64_t> m_retries{0};
    std::atomic<std::int64_t> m_failure{0};
    std::atomic<bool> m_stop{false};
};

/// Labels read "<name>: <registrationId> <sessionId> <streamId> <channel>..." (Aeron's stream counters).
std::vector<StreamCounterValue> readStreamCounters(const transport::Aeron& aeron, std::int32_t sessionId,
                                                   std::int32_t streamId)
{
    std::vector<StreamCounterValue> found;
    aeron.countersReader().forEach(
        [&](const util::CounterMetadata& counter)
        {
            std::istringstream words{std::string(counter.label)};
            std::string name;
            std::string registrationId;
            std::int32_t labelSessionId = 0;
            std::int32_t labelStreamId = 0;
            if (!(words >> name >> registrationId >> labelSessionId >> labelStreamId) || name.empty() ||
                name.back() != ':' || labelSessionId != sessionId || labelStreamId != streamId)
            {
                return;
            }
            name.pop_back();
            found.push_back({name, counter.value});
        });

    std::vector<StreamCounterValue> ordered;
    for (const char* name : STREAM_COUNTER_NAMES)
    {
        for (const StreamCounterValue& counter : found)
        {
            if (counter.name == name)
            {
                ordered.push_back(counter);
                break;
            }
        }
    }
    return ordered;
}

bool positionsSettled(const ReliableUdpResult& result)
{
    const std::int64_t end = result.publicationPosition;
    return result.counter("snd-pos") == end && result.counter("rcv-pos") == end && result.counter("sub-pos") == end;
}
} // namespace

std::int64_t ReliableUdpResult::counter(const std::string& name) const noexcept
{
    for (const StreamCounterValue& value : counters)
    {
        if (value.name == name)
        {
            return value.value;
        }
    }
    return -1;
}

bool ReliableUdpResult::passed() const noexcept
{
    return failure.empty() && sent == expected && received == expected && inOrder == expected && duplicates == 0 &&
           gaps == 0 && corrupt == 0 && positionsSettled(*this);
}

int findFreeUdpPort()
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
    {
        throw util::IoException("socket() failed while looking for a free UDP port");
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                       ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    if (!bound)
    {
        throw util::IoException("cannot bind a UDP socket on 127.0.0.1 to find a free port");
    }
    return ntohs(address.sin_port);
}

ReliableUdpResult runReliableUdpAct(transport::Aeron& aeron, const ReliableUdpConfig& config, std::ostream& out)
{
    const DemoMessages messages(config.maxMessageLength);
    ReliableUdpResult result;
    result.expected = config.messages;
    result.channel =
        "aeron:udp?endpoint=127.0.0.1:" + std::to_string(config.port > 0 ? config.port : findFreeUdpPort());

    out << "Subscribing and publishing on " << result.channel << " stream " << config.streamId << "\n" << std::flush;
    const std::shared_ptr<transport::Subscription> subscription =
        aeron.addSubscription(result.channel, config.streamId);
    const std::shared_ptr<transport::ExclusivePublication> publication =
        aeron.addExclusivePublication(result.channel, config.streamId);

    // The driver's setup / status message handshake: the publication connects once the receiver answers.
    const Clock::time_point connectDeadline =
        Clock::now() +
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config.stallTimeoutSeconds));
    while (!(publication->isConnected() && subscription->isConnected()))
    {
        if (Clock::now() > connectDeadline || interrupted(config))
        {
            result.failure = "the publication never connected to the subscription";
            publication->close();
            subscription->close();
            return result;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    out << "Connected (session " << publication->sessionId() << ", term length "
        << act::binarySize(publication->termBufferLength()) << ", max payload per frame "
        << publication->maxPayloadLength() << " bytes); sending " << formatThousands(config.messages)
        << " messages of 8 to " << formatThousands(config.maxMessageLength) << " bytes from a second thread\n"
        << std::flush;

    MessageChecker checker(messages, 0);
    std::int64_t fragmented = 0;
    transport::FragmentAssembler assembler(
        [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const transport::Header& header)
        {
            if ((header.flags() & transport::FrameDescriptor::UNFRAGMENTED) != transport::FrameDescriptor::UNFRAGMENTED)
            {
                ++fragmented;
            }
            checker.onMessage(buffer.buffer() + offset, length);
        });
    auto handler = assembler.handler();

    Publisher publisher(*publication, messages, config.messages);
    const Clock::time_point start = Clock::now();
    std::thread publisherThread([&publisher] { publisher.run(); });

    const std::unique_ptr<util::IdleStrategy> idle = util::newIdleStrategy("backoff");
    Clock::time_point lastReport = start;
    Clock::time_point lastProgress = start;
    std::int64_t reportedReceived = 0;
    std::int64_t lastReceived = 0;
    while (checker.received() < config.messages)
    {
        const int fragments = subscription->poll(handler, 256);
        idle->idle(fragments);
        const Clock::time_point now = Clock::now();
        if (checker.received() != lastReceived)
        {
            lastReceived = checker.received();
            lastProgress = now;
        }
        if (publisher.failure() != 0)
        {
            result.failure = std::string("offer failed with ") + PublicationResult::name(publisher.failure());
            break;
        }
        if (interrupted(config))
        {
            result.failure = "interrupted";
            break;
        }
        if (act::secondsBetween(lastProgress, now) > config.stallTimeoutSeconds)
        {
            result.failure = "no message arrived for " + act::fixed(config.stallTimeoutSeconds, "%.0f") + " s";
            break;
        }
        if (config.progressIntervalSeconds > 0.0 &&
            act::secondsBetween(lastReport, now) >= config.progressIntervalSeconds)
        {
            out << act::elapsedPrefix(act::secondsBetween(start, now)) << "  sent " << formatThousands(publisher.sent())
                << "  received " << formatThousands(checker.received()) << "  ("
                << formatThousands(
                       act::perSecond(checker.received() - reportedReceived, act::secondsBetween(lastReport, now)))
                << " msg/s)\n"
                << std::flush;
            reportedReceived = checker.received();
            lastReport = now;
        }
    }
    result.seconds = act::secondsBetween(start, Clock::now());
    publisher.stop();
    publisherThread.join();

    result.sent = publisher.sent();
    result.offerRetries = publisher.retries();
    result.received = checker.received();
    result.inOrder = checker.received() - checker.errors();
    result.duplicates = checker.duplicates();
    result.gaps = checker.gaps();
    result.corrupt = checker.corrupt();
    result.fragmentedMessages = fragmented;
    result.bytes = checker.bytes();
    result.publicationPosition = publication->position();

    // The sender's and receiver's positions are published by the driver's agents on their own schedule;
    // give them a moment to reach the end before reading them.
    const Clock::time_point settleDeadline = Clock::now() + std::chrono::seconds(2);
    do
    {
        result.counters = readStreamCounters(aeron, publication->sessionId(), config.streamId);
        if (positionsSettled(result))
        {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } while (Clock::now() < settleDeadline);

    publication->close();
    subscription->close();
    return result;
}

std::string formatReliableUdpSummary(const ReliableUdpResult& result)
{
    std::ostringstream out;
    out << "Summary\n";
    out << "  messages     " << formatThousands(result.sent) << " sent, " << formatThousands(result.received)
        << " received (" << formatThousands(result.fragmentedMessages) << " reassembled from fragments) in "
        << act::fixed(result.seconds) << " s\n";
    out << "  throughput   " << formatThousands(act::perSecond(result.received, result.seconds)) << " msg/s, "
        << act::megabytesPerSecond(result.bytes, result.seconds) << " of payload (" << formatThousands(result.bytes)
        << " bytes)\n";
    out << "  checks       " << formatThousands(result.inOrder) << " complete and in order, " << result.duplicates
        << " duplicated, " << result.gaps << " gaps, " << result.corrupt << " corrupt\n";
    out << "  back press.  " << formatThousands(result.offerRetries) << " offers retried\n";
    out << "  counters    ";
    if (result.counters.empty())
    {
        out << " none found for the stream";
    }
    for (const StreamCounterValue& counter : result.counters)
    {
        out << ' ' << counter.name << ' ' << formatThousands(counter.value);
    }
    out << "\n               (publication position " << formatThousands(result.publicationPosition) << ": "
        << (positionsSettled(result) ? "snd-pos, rcv-pos and sub-pos all reached it"
                                     : "the driver's positions fell short")
        << ")\n";
    if (!result.failure.empty())
    {
        out << "  failure      " << result.failure << "\n";
    }
    out << "  result       " << (result.passed() ? "PASS" : "FAIL") << "\n";
    return out.str();
}
} // namespace cox::apps::demo
