// libFuzzer target: arbitrary datagrams into the receive path of the media driver, as the receiver
// agent runs it: ReceiveChannelEndpoint::poll (FrameValidator, dispatch by type, SETUP checks) →
// PublicationImage::insertPacket (TermRebuilder into a real log buffer) → PublicationImage::doDuties
// (gap scan, NAK, status messages) → a subscriber reading the term as Image::poll does.
//
// Input: records of [uint16 little-endian length][datagram bytes]; a short last record is taken as is.
// Each input starts from a fresh endpoint and image (stream 1001, session 0x0A0B0C0D, initial term id 7,
// term length 64 KiB), so a crash reproduces from its input alone.
//
// Invariant beyond "no ASan/UBSan report": a subscriber never reads a frame that runs past the end of its
// term (a frame there would move its position into a term the receiver never rebuilt).
//
// COX_FUZZ_WRITE_SEEDS=<dir> writes a seed corpus of valid traffic and exits.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

#include "PublicationImage.hpp"
#include "ReceiveChannelEndpoint.hpp"
#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/codecs/frames/SetupFlyweight.hpp"
#include "cox/transport/ChannelUri.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/transport/LogBuffers.hpp"
#include "cox/transport/TermReader.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/CountersDescriptor.hpp"
#include "cox/util/CountersManager.hpp"

using namespace cox;
using namespace cox::transport;
using namespace cox::codecs::frames;

namespace
{
constexpr std::int32_t STREAM_ID = 1001;
constexpr std::int32_t SESSION_ID = 0x0A0B0C0D;
constexpr std::int32_t INITIAL_TERM_ID = 7;
constexpr std::int32_t TERM_LENGTH = LogBufferDescriptor::TERM_MIN_LENGTH;
constexpr std::int32_t MAX_COUNTERS = 16;

/// Hands the fuzz input out as received datagrams; swallows everything sent.
class FuzzTransport final : public UdpTransport
{
public:
    explicit FuzzTransport(std::deque<std::vector<std::uint8_t>>& datagrams)
        : m_datagrams(datagrams), m_local(InetAddress::fromNumeric("127.0.0.1", 40123)),
          m_source(InetAddress::fromNumeric("127.0.0.1", 40999))
    {
    }

    std::int64_t sendTo(const std::uint8_t*, std::size_t length, const InetAddress&) noexcept override
    {
        return static_cast<std::int64_t>(length);
    }

    std::int64_t receive(std::uint8_t* buffer, std::size_t capacity, InetAddress& from) noexcept override
    {
        if (m_datagrams.empty())
        {
            return 0;
        }
        const std::vector<std::uint8_t> datagram = std::move(m_datagrams.front());
        m_datagrams.pop_front();
        const std::size_t length = std::min(datagram.size(), capacity);
        if (length == 0)
        {
            return 0;
        }
        std::memcpy(buffer, datagram.data(), length);
        from = m_source;
        return static_cast<std::int64_t>(length);
    }

    [[nodiscard]] const InetAddress& localAddress() const noexcept override { return m_local; }

private:
    std::deque<std::vector<std::uint8_t>>& m_datagrams;
    InetAddress m_local;
    InetAddress m_source;
};

class FuzzMedia final : public UdpMedia
{
public:
    explicit FuzzMedia(std::deque<std::vector<std::uint8_t>>& datagrams) : m_datagrams(datagrams) {}

    std::unique_ptr<UdpTransport> open(const InetAddress&, int, int) override
    {
        return std::make_unique<FuzzTransport>(m_datagrams);
    }

private:
    std::deque<std::vector<std::uint8_t>>& m_datagrams;
};

std::deque<std::vector<std::uint8_t>> split(const std::uint8_t* data, std::size_t size)
{
    std::deque<std::vector<std::uint8_t>> datagrams;
    std::size_t at = 0;
    while (at < size)
    {
        std::size_t length = size - at;
        if (length >= 2)
        {
            const std::size_t declared = static_cast<std::size_t>(data[at]) | static_cast<std::size_t>(data[at + 1]) << 8;
            at += 2;
            length = std::min(declared, size - at);
        }
        datagrams.emplace_back(data + at, data + at + length);
        at += length;
    }
    return datagrams;
}

[[noreturn]] void fail(const char* what, std::int64_t a, std::int64_t b)
{
    std::fprintf(stderr, "receive path invariant broken: %s (%lld, %lld)\n", what, static_cast<long long>(a),
                 static_cast<long long>(b));
    std::abort();
}

/// One endpoint, one image joined at position 0, one subscriber; everything a receiver would own.
class ReceivePath
{
public:
    explicit ReceivePath(std::deque<std::vector<std::uint8_t>>& datagrams)
        : m_media(datagrams),
          m_counterMetadata(static_cast<std::size_t>(MAX_COUNTERS) * util::CountersDescriptor::METADATA_LENGTH),
          m_counterValues(static_cast<std::size_t>(MAX_COUNTERS) * util::CountersDescriptor::COUNTER_LENGTH),
          m_counters(util::AtomicBuffer(m_counterMetadata.data(), m_counterMetadata.size()),
                     util::AtomicBuffer(m_counterValues.data(), m_counterValues.size()), m_epochClock),
          m_logMemory(static_cast<std::size_t>(3 * TERM_LENGTH + LogBufferDescriptor::LOG_META_DATA_LENGTH) / 8),
          m_endpoint(ChannelUri::parse("aeron:udp?endpoint=127.0.0.1:40123"), "fuzz", m_media, m_context, 4242)
    {
        auto logBuffers = std::make_unique<LogBuffers>(reinterpret_cast<std::uint8_t*>(m_logMemory.data()),
                                                       static_cast<std::int64_t>(m_logMemory.size() * 8), TERM_LENGTH);
        m_logBuffers = logBuffers.get();
        util::AtomicBuffer& metaData = logBuffers->metaDataBuffer();
        LogBufferDescriptor::initialTermId(metaData, INITIAL_TERM_ID);
        LogBufferDescriptor::mtuLength(metaData, 1408);
        LogBufferDescriptor::endOfStreamPosition(metaData, INT64_MAX);

        m_subscriberPosition = m_counters.newPosition("sub-pos");
        std::vector<PublicationImage::SubscriberPosition> subscribers{{1, m_subscriberPosition}};
        m_hwm = m_counters.newPosition("rcv-hwm");
        m_image = std::make_unique<PublicationImage>(
            1, SESSION_ID, STREAM_ID, 0, "fuzz.logbuffer", std::move(logBuffers), m_endpoint,
            InetAddress::fromNumeric("127.0.0.1", 40999), 0, m_hwm, m_counters.newPosition("rcv-pos"),
            std::move(subscribers), m_context, m_counters, m_nowNs);
        m_endpoint.addSubscription(STREAM_ID, std::nullopt);
        m_endpoint.addImage(m_image.get());
    }

    ~ReceivePath() { m_endpoint.removeImage(m_image.get()); }

    /// Receiver duty cycles until the input is used up, with the subscriber reading after each.
    void run(const std::deque<std::vector<std::uint8_t>>& datagrams)
    {
        for (int cycle = 0; cycle < 4096 && (!datagrams.empty() || cycle < 4); ++cycle)
        {
            m_endpoint.poll(m_nowNs, [](const SetupRequest&) {});
            if (m_image->state() == PublicationImage::State::ACTIVE)
            {
                m_image->doDuties(m_nowNs);
            }
            readAsSubscriber();
            m_nowNs += 1'000'000;
        }
    }

private:
    void readAsSubscriber()
    {
        const std::int32_t bitsToShift = LogBufferDescriptor::positionBitsToShift(TERM_LENGTH);
        const std::int64_t position = m_subscriberPosition.get();
        const std::int32_t termOffset = static_cast<std::int32_t>(position & (TERM_LENGTH - 1));
        util::AtomicBuffer& term = m_logBuffers->termBuffer(LogBufferDescriptor::indexByPosition(position, bitsToShift));
        Header header(INITIAL_TERM_ID, bitsToShift);
        const TermReader::ReadOutcome outcome = TermReader::read(
            term, termOffset,
            [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header&)
            {
                if (offset < 0 || length < 0 || static_cast<std::int64_t>(offset) + length > TERM_LENGTH)
                {
                    fail("fragment outside its term", offset, length);
                }
                volatile std::uint8_t sum = 0;
                for (std::int32_t i = 0; i < length; ++i)
                {
                    sum = static_cast<std::uint8_t>(sum + buffer.getUInt8(static_cast<std::size_t>(offset + i)));
                }
            },
            16, header);
        if (outcome.offset < termOffset || outcome.offset > TERM_LENGTH)
        {
            fail("read ended outside the term", termOffset, outcome.offset);
        }
        const std::int64_t newPosition = position + (outcome.offset - termOffset);
        m_subscriberPosition.setOrdered(newPosition);
    }

    FuzzMedia m_media;
    MediaDriverContext m_context;
    util::ManualEpochClock m_epochClock;
    std::vector<std::uint8_t> m_counterMetadata;
    std::vector<std::uint8_t> m_counterValues;
    util::CountersManager m_counters;
    std::vector<std::uint64_t> m_logMemory;
    ReceiveChannelEndpoint m_endpoint;
    LogBuffers* m_logBuffers = nullptr;
    util::Position m_subscriberPosition;
    util::Position m_hwm;
    std::unique_ptr<PublicationImage> m_image;
    std::int64_t m_nowNs = 1'000'000'000;
};

// ---- seeds ----

std::vector<std::uint8_t> dataFrame(std::int32_t termOffset, std::int32_t payload, std::uint16_t type, std::uint8_t flags,
                                    std::int32_t frameLength)
{
    std::vector<std::uint8_t> frame(static_cast<std::size_t>(DataHeaderFlyweight::HEADER_LENGTH + payload), 0x5A);
    DataHeaderFlyweight header(frame.data(), frame.size());
    header.writeHeader(frameLength, flags, type);
    header.termOffset(termOffset);
    header.sessionId(SESSION_ID);
    header.streamId(STREAM_ID);
    header.termId(INITIAL_TERM_ID);
    header.reservedValue(0);
    return frame;
}

void appendRecord(std::string& corpus, const std::vector<std::uint8_t>& datagram)
{
    corpus.push_back(static_cast<char>(datagram.size() & 0xFF));
    corpus.push_back(static_cast<char>(datagram.size() >> 8));
    corpus.append(datagram.begin(), datagram.end());
}

void writeSeeds(const std::string& directory)
{
    const auto write = [&](const std::string& name, const std::string& bytes)
    {
        std::ofstream out(directory + "/" + name, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    };
    std::string inOrder;
    std::string outOfOrder;
    std::int32_t offset = 0;
    for (int i = 0; i < 8; ++i)
    {
        const std::int32_t payload = 32 + i * 40;
        const std::int32_t frameLength = DataHeaderFlyweight::HEADER_LENGTH + payload;
        appendRecord(inOrder, dataFrame(offset, payload, HeaderFlyweight::HDR_TYPE_DATA,
                                        DataHeaderFlyweight::BEGIN_AND_END_FLAGS, frameLength));
        offset += (frameLength + 31) & ~31;
    }
    appendRecord(inOrder, dataFrame(offset, 0, HeaderFlyweight::HDR_TYPE_DATA, 0, 0)); // heartbeat
    write("data-in-order", inOrder);

    appendRecord(outOfOrder, dataFrame(1024, 96, HeaderFlyweight::HDR_TYPE_DATA, DataHeaderFlyweight::BEGIN_FLAG, 128));
    appendRecord(outOfOrder, dataFrame(0, 992, HeaderFlyweight::HDR_TYPE_DATA, DataHeaderFlyweight::END_FLAG, 1024));
    appendRecord(outOfOrder, dataFrame(1152, 0, HeaderFlyweight::HDR_TYPE_PAD, 0, TERM_LENGTH - 1152));
    write("data-gap-then-fill-and-pad", outOfOrder);

    std::string eos;
    appendRecord(eos, dataFrame(0, 64, HeaderFlyweight::HDR_TYPE_DATA, DataHeaderFlyweight::BEGIN_AND_END_FLAGS, 96));
    appendRecord(eos, dataFrame(96, 0, HeaderFlyweight::HDR_TYPE_DATA,
                                DataHeaderFlyweight::BEGIN_AND_END_FLAGS | DataHeaderFlyweight::EOS_FLAG, 0));
    write("data-end-of-stream", eos);

    std::vector<std::uint8_t> setup(SetupFlyweight::HEADER_LENGTH);
    SetupFlyweight setupFrame(setup.data(), setup.size());
    setupFrame.writeHeader(SetupFlyweight::HEADER_LENGTH, 0, HeaderFlyweight::HDR_TYPE_SETUP);
    setupFrame.termOffset(0);
    setupFrame.sessionId(SESSION_ID + 1);
    setupFrame.streamId(STREAM_ID);
    setupFrame.initialTermId(3);
    setupFrame.activeTermId(3);
    setupFrame.termLength(TERM_LENGTH);
    setupFrame.mtu(1408);
    setupFrame.ttl(0);
    std::string setupSeed;
    appendRecord(setupSeed, setup);
    write("setup-other-session", setupSeed);
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    if (const char* directory = std::getenv("COX_FUZZ_WRITE_SEEDS"))
    {
        writeSeeds(directory);
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::deque<std::vector<std::uint8_t>> datagrams = split(data, size);
    ReceivePath path(datagrams);
    path.run(datagrams);
    return 0;
}
