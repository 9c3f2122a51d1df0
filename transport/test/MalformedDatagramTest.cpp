// Hostile and broken datagrams sent from a raw socket at a real driver's endpoints: none may crash the
// driver, reach a subscriber, or stop a legitimate publisher on the same endpoint from delivering.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <vector>

#include "DriverTestSupport.hpp"
#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/codecs/frames/NakFlyweight.hpp"
#include "cox/codecs/frames/SetupFlyweight.hpp"
#include "cox/codecs/frames/StatusMessageFlyweight.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/transport/LogBufferDescriptor.hpp"

using namespace cox::transport;
using namespace cox::codecs::frames;
using cox::transport::test::InvokerDriverFixture;
using cox::transport::test::testPort;

namespace
{
constexpr std::int32_t STREAM_ID = 1001;
constexpr std::int32_t TERM_LENGTH = 4 * 1024 * 1024;

/// Counts the datagrams each endpoint of the driver actually read from one source port, so a test
/// knows the driver has consumed every crafted datagram before it checks that nothing came of them.
/// The driver exposes no invalid-packet counter, so this is the closest observable.
class CountingUdpMedia final : public UdpMedia
{
public:
    class Transport final : public UdpTransport
    {
    public:
        Transport(std::unique_ptr<UdpTransport> real, CountingUdpMedia& media) : m_real(std::move(real)), m_media(media)
        {
        }

        std::int64_t sendTo(const std::uint8_t* data, std::size_t length, const InetAddress& to) noexcept override
        {
            return m_real->sendTo(data, length, to);
        }

        std::int64_t receive(std::uint8_t* buffer, std::size_t capacity, InetAddress& from) noexcept override
        {
            const std::int64_t result = m_real->receive(buffer, capacity, from);
            if (result > 0 && from.port() == m_media.watchedSourcePort.load())
            {
                m_media.receivedFromWatched.fetch_add(1);
            }
            return result;
        }

        [[nodiscard]] const InetAddress& localAddress() const noexcept override { return m_real->localAddress(); }

    private:
        std::unique_ptr<UdpTransport> m_real;
        CountingUdpMedia& m_media;
    };

    std::unique_ptr<UdpTransport> open(const InetAddress& bindAddress, int soRcvBuf, int soSndBuf) override
    {
        auto transport = std::make_unique<Transport>(m_real->open(bindAddress, soRcvBuf, soSndBuf), *this);
        const std::lock_guard lock(m_mutex);
        m_localPorts.push_back(transport->localAddress().port());
        return transport;
    }

    std::vector<std::uint16_t> localPorts()
    {
        const std::lock_guard lock(m_mutex);
        return m_localPorts;
    }

    std::atomic<std::uint16_t> watchedSourcePort{0};
    std::atomic<std::int64_t> receivedFromWatched{0};

private:
    std::shared_ptr<UdpMedia> m_real = socketUdpMedia();
    std::mutex m_mutex;
    std::vector<std::uint16_t> m_localPorts;
};

/// A plain UDP socket on loopback that the driver has never heard of.
class RawSocket
{
public:
    RawSocket()
    {
        m_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
        socklen_t length = sizeof(address);
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length);
        m_port = ntohs(address.sin_port);
    }

    ~RawSocket() { ::close(m_fd); }

    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return m_port; }

    void sendTo(std::uint16_t port, const std::vector<std::uint8_t>& datagram) const
    {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(port);
        const ssize_t sent = ::sendto(m_fd, datagram.data(), datagram.size(), 0,
                                      reinterpret_cast<const sockaddr*>(&address), sizeof(address));
        ASSERT_EQ(sent, static_cast<ssize_t>(datagram.size())) << "sendto: " << std::strerror(errno);
    }

    /// Every datagram waiting, without blocking.
    std::vector<std::vector<std::uint8_t>> drain() const
    {
        std::vector<std::vector<std::uint8_t>> datagrams;
        std::uint8_t buffer[2048];
        ssize_t length;
        while ((length = ::recv(m_fd, buffer, sizeof(buffer), 0)) >= 0)
        {
            datagrams.emplace_back(buffer, buffer + length);
        }
        return datagrams;
    }

private:
    int m_fd = -1;
    std::uint16_t m_port = 0;
};

/// Little-endian field writer over a datagram of a fixed size.
class Datagram
{
public:
    explicit Datagram(std::size_t length) : m_bytes(length, 0) {}

    template <typename T> Datagram& put(std::size_t offset, T value)
    {
        std::memcpy(m_bytes.data() + offset, &value, sizeof(T));
        return *this;
    }

    Datagram& header(std::int32_t frameLength, std::uint8_t flags, std::uint16_t type, std::uint8_t version = 0)
    {
        put<std::int32_t>(HeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET, frameLength);
        put<std::uint8_t>(HeaderFlyweight::VERSION_FIELD_OFFSET, version);
        put<std::uint8_t>(HeaderFlyweight::FLAGS_FIELD_OFFSET, flags);
        put<std::uint16_t>(HeaderFlyweight::TYPE_FIELD_OFFSET, type);
        return *this;
    }

    operator const std::vector<std::uint8_t>&() const noexcept { return m_bytes; }

private:
    std::vector<std::uint8_t> m_bytes;
};

Datagram dataFrame(std::size_t datagramLength, std::int32_t frameLength, std::int32_t termOffset, std::int32_t sessionId,
                   std::int32_t streamId, std::int32_t termId, std::uint16_t type = HeaderFlyweight::HDR_TYPE_DATA,
                   std::uint8_t flags = DataHeaderFlyweight::BEGIN_AND_END_FLAGS)
{
    Datagram datagram(datagramLength);
    datagram.header(frameLength, flags, type)
        .put<std::int32_t>(DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET, termOffset)
        .put<std::int32_t>(DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET, sessionId)
        .put<std::int32_t>(DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET, streamId)
        .put<std::int32_t>(DataHeaderFlyweight::TERM_ID_FIELD_OFFSET, termId);
    for (std::size_t i = DataHeaderFlyweight::HEADER_LENGTH; i < datagramLength; ++i)
    {
        datagram.put<std::uint8_t>(i, 0xEE);
    }
    return datagram;
}

Datagram setupFrame(std::int32_t sessionId, std::int32_t termOffset, std::int32_t termLength, std::int32_t mtu)
{
    Datagram datagram(SetupFlyweight::HEADER_LENGTH);
    datagram.header(SetupFlyweight::HEADER_LENGTH, 0, HeaderFlyweight::HDR_TYPE_SETUP)
        .put<std::int32_t>(SetupFlyweight::TERM_OFFSET_FIELD_OFFSET, termOffset)
        .put<std::int32_t>(SetupFlyweight::SESSION_ID_FIELD_OFFSET, sessionId)
        .put<std::int32_t>(SetupFlyweight::STREAM_ID_FIELD_OFFSET, STREAM_ID)
        .put<std::int32_t>(SetupFlyweight::INITIAL_TERM_ID_FIELD_OFFSET, 5)
        .put<std::int32_t>(SetupFlyweight::ACTIVE_TERM_ID_FIELD_OFFSET, 5)
        .put<std::int32_t>(SetupFlyweight::TERM_LENGTH_FIELD_OFFSET, termLength)
        .put<std::int32_t>(SetupFlyweight::MTU_LENGTH_FIELD_OFFSET, mtu);
    return datagram;
}

Datagram nakFrame(std::int32_t frameLength, std::int32_t sessionId, std::int32_t termId, std::int32_t termOffset,
                  std::int32_t length)
{
    Datagram datagram(NakFlyweight::HEADER_LENGTH);
    datagram.header(frameLength, 0, HeaderFlyweight::HDR_TYPE_NAK)
        .put<std::int32_t>(NakFlyweight::SESSION_ID_FIELD_OFFSET, sessionId)
        .put<std::int32_t>(NakFlyweight::STREAM_ID_FIELD_OFFSET, STREAM_ID)
        .put<std::int32_t>(NakFlyweight::TERM_ID_FIELD_OFFSET, termId)
        .put<std::int32_t>(NakFlyweight::TERM_OFFSET_FIELD_OFFSET, termOffset)
        .put<std::int32_t>(NakFlyweight::LENGTH_FIELD_OFFSET, length);
    return datagram;
}

Datagram statusMessage(std::size_t datagramLength, std::int32_t frameLength, std::int32_t sessionId, std::int32_t termId,
                       std::int32_t termOffset, std::int32_t window, std::uint8_t flags = 0)
{
    Datagram datagram(datagramLength);
    datagram.header(frameLength, flags, HeaderFlyweight::HDR_TYPE_SM);
    const auto putIfRoom = [&](std::size_t offset, auto value)
    {
        if (offset + sizeof(value) <= datagramLength)
        {
            datagram.put(offset, value);
        }
    };
    putIfRoom(StatusMessageFlyweight::SESSION_ID_FIELD_OFFSET, sessionId);
    putIfRoom(StatusMessageFlyweight::STREAM_ID_FIELD_OFFSET, STREAM_ID);
    putIfRoom(StatusMessageFlyweight::CONSUMPTION_TERM_ID_FIELD_OFFSET, termId);
    putIfRoom(StatusMessageFlyweight::CONSUMPTION_TERM_OFFSET_FIELD_OFFSET, termOffset);
    putIfRoom(StatusMessageFlyweight::RECEIVER_WINDOW_FIELD_OFFSET, window);
    putIfRoom(StatusMessageFlyweight::RECEIVER_ID_FIELD_OFFSET, std::int64_t{4242});
    return datagram;
}

/// The payload of legitimate message i: its sequence number then a pattern derived from it.
std::vector<std::uint8_t> messageFor(std::int64_t i)
{
    std::vector<std::uint8_t> message(static_cast<std::size_t>(40 + (i * 37) % 3000));
    std::memcpy(message.data(), &i, sizeof(i));
    for (std::size_t j = sizeof(i); j < message.size(); ++j)
    {
        message[j] = static_cast<std::uint8_t>(i * 31 + static_cast<std::int64_t>(j));
    }
    return message;
}

class MalformedDatagramTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        MediaDriverContext context;
        context.udpMedia = m_media;
        context.publicationTermBufferLength = TERM_LENGTH;
        m_fixture = std::make_unique<InvokerDriverFixture>(context);
        m_subscriptionPort = static_cast<std::uint16_t>(testPort(20));
        const std::string channel = "aeron:udp?endpoint=127.0.0.1:" + std::to_string(m_subscriptionPort);
        m_subscription = m_fixture->aeron->addSubscription(channel, STREAM_ID);
        m_publication = m_fixture->aeron->addPublication(channel, STREAM_ID);
        ASSERT_TRUE(m_fixture->pumpUntil([&] { return m_publication->isConnected() && m_subscription->imageCount() == 1; }));
        for (const std::uint16_t port : m_media->localPorts())
        {
            if (port != m_subscriptionPort)
            {
                m_publisherControlPort = port;
            }
        }
        ASSERT_NE(m_publisherControlPort, 0) << "the publication's send endpoint was not opened through the media";
        m_media->watchedSourcePort.store(m_raw.port());
        // Some traffic first, so the image is past its join position when the attack starts.
        deliverAndVerify(50);
    }

    void TearDown() override
    {
        m_publication.reset();
        m_subscription.reset();
        m_fixture.reset();
    }

    [[nodiscard]] std::int32_t sessionId() const { return m_publication->sessionId(); }

    [[nodiscard]] std::int32_t activeTermId() const
    {
        return LogBufferDescriptor::computeTermIdFromPosition(
            m_publication->position(), LogBufferDescriptor::positionBitsToShift(TERM_LENGTH),
            m_publication->initialTermId());
    }

    [[nodiscard]] std::int32_t tailTermOffset() const
    {
        return static_cast<std::int32_t>(m_publication->position() & (TERM_LENGTH - 1));
    }

    /// Sends the datagrams from the raw socket, waits until the driver has read every one, then lets
    /// it run a little longer (NAK delays, SM timers) while checking nothing reaches the subscriber.
    void inject(std::uint16_t port, const std::vector<Datagram>& datagrams)
    {
        const std::int64_t before = m_media->receivedFromWatched.load();
        for (const auto& datagram : datagrams)
        {
            m_raw.sendTo(port, datagram);
        }
        const auto expected = before + static_cast<std::int64_t>(datagrams.size());
        ASSERT_TRUE(m_fixture->pumpUntil([&] { return m_media->receivedFromWatched.load() >= expected; }))
            << "driver read " << m_media->receivedFromWatched.load() - before << " of " << datagrams.size();

        const auto image = m_subscription->images().at(0);
        const std::int64_t positionBefore = image->position();
        int fragments = 0;
        m_fixture->pumpUntil(
            [&]
            {
                fragments += m_subscription->poll([](auto&&...) {}, 10);
                return false;
            },
            std::chrono::milliseconds(300));
        EXPECT_EQ(fragments, 0) << "a crafted datagram reached the subscriber";
        EXPECT_EQ(image->position(), positionBefore);
        EXPECT_EQ(m_subscription->imageCount(), 1U) << "a crafted datagram made an image";
    }

    /// The legitimate publisher sends `count` more messages; each must arrive intact, in order, once.
    void deliverAndVerify(std::int64_t count)
    {
        std::int64_t sent = 0;
        std::int64_t received = 0;
        std::int64_t errors = 0;
        const std::int64_t first = m_nextMessage;
        FragmentAssembler assembler(
            [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header&)
            {
                const std::vector<std::uint8_t> expected = messageFor(first + received);
                if (static_cast<std::size_t>(length) != expected.size() ||
                    std::memcmp(buffer.buffer() + offset, expected.data(), expected.size()) != 0)
                {
                    ++errors;
                }
                ++received;
            });
        auto handler = assembler.handler();
        const bool done = m_fixture->pumpUntil(
            [&]
            {
                while (sent < count)
                {
                    const auto message = messageFor(first + sent);
                    if (m_publication->offer(message.data(), static_cast<std::int32_t>(message.size())) < 0)
                    {
                        break;
                    }
                    ++sent;
                }
                m_subscription->poll(handler, 32);
                return received >= count;
            },
            std::chrono::seconds(20));
        EXPECT_TRUE(done) << "received " << received << " of " << count;
        EXPECT_EQ(received, count);
        EXPECT_EQ(errors, 0);
        m_nextMessage += count;
    }

    std::shared_ptr<CountingUdpMedia> m_media = std::make_shared<CountingUdpMedia>();
    std::unique_ptr<InvokerDriverFixture> m_fixture;
    std::shared_ptr<Subscription> m_subscription;
    std::shared_ptr<Publication> m_publication;
    std::uint16_t m_subscriptionPort = 0;
    std::uint16_t m_publisherControlPort = 0;
    RawSocket m_raw;
    std::int64_t m_nextMessage = 0;
};
} // namespace

TEST_F(MalformedDatagramTest, shouldDropDatagramsTooShortForAHeader)
{
    std::vector<Datagram> datagrams;
    for (const std::size_t length : {1U, 4U, 7U})
    {
        datagrams.emplace_back(length);
    }
    Datagram truncatedData(20);
    truncatedData.header(20, 0xC0, HeaderFlyweight::HDR_TYPE_DATA);
    datagrams.push_back(truncatedData);
    inject(m_subscriptionPort, datagrams);
    deliverAndVerify(200);
}

TEST_F(MalformedDatagramTest, shouldDropWrongVersionAndUnknownTypes)
{
    Datagram wrongVersion = dataFrame(64, 64, tailTermOffset(), sessionId(), STREAM_ID, activeTermId());
    wrongVersion.put<std::uint8_t>(HeaderFlyweight::VERSION_FIELD_OFFSET, 1);
    Datagram unknownType = dataFrame(64, 64, tailTermOffset(), sessionId(), STREAM_ID, activeTermId(), 0x0C);
    Datagram unknownType2 = dataFrame(64, 64, tailTermOffset(), sessionId(), STREAM_ID, activeTermId(), 0x1234);
    inject(m_subscriptionPort, {wrongVersion, unknownType, unknownType2});
    deliverAndVerify(200);
}

TEST_F(MalformedDatagramTest, shouldDropDataWithBadFrameLengths)
{
    const std::int32_t offset = tailTermOffset();
    const std::int32_t termId = activeTermId();
    inject(m_subscriptionPort,
           {
               dataFrame(64, 1000, offset, sessionId(), STREAM_ID, termId),       // longer than the datagram
               dataFrame(64, -32, offset, sessionId(), STREAM_ID, termId),        // negative
               dataFrame(64, 16, offset, sessionId(), STREAM_ID, termId),         // shorter than a header
               dataFrame(64, INT32_MAX, offset, sessionId(), STREAM_ID, termId),  // absurd
               dataFrame(96, 0, offset, sessionId(), STREAM_ID, termId),          // zero but not a heartbeat
           });
    deliverAndVerify(200);
}

TEST_F(MalformedDatagramTest, shouldDropDataWithBadTermOffsets)
{
    const std::int32_t offset = tailTermOffset();
    const std::int32_t termId = activeTermId();
    inject(m_subscriptionPort,
           {
               dataFrame(64, 64, offset + 4, sessionId(), STREAM_ID, termId),            // not 32-aligned
               dataFrame(64, 64, -64, sessionId(), STREAM_ID, termId),                   // negative
               dataFrame(64, 64, TERM_LENGTH, sessionId(), STREAM_ID, termId),           // at the end of the term
               dataFrame(64, 64, TERM_LENGTH - 32, sessionId(), STREAM_ID, termId),      // runs past the end
               dataFrame(64, 64, INT32_MAX & ~31, sessionId(), STREAM_ID, termId),       // far beyond the term
           });
    deliverAndVerify(200);
}

TEST_F(MalformedDatagramTest, shouldDropMultiFrameDatagramWhoseFramesDoNotFollowEachOther)
{
    Datagram twoFrames = dataFrame(128, 64, tailTermOffset(), sessionId(), STREAM_ID, activeTermId());
    twoFrames.header(64, 0xC0, HeaderFlyweight::HDR_TYPE_DATA)
        .put<std::int32_t>(64 + HeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET, 64)
        .put<std::uint16_t>(64 + HeaderFlyweight::TYPE_FIELD_OFFSET, HeaderFlyweight::HDR_TYPE_DATA)
        .put<std::int32_t>(64 + DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET, tailTermOffset() + 4096)
        .put<std::int32_t>(64 + DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET, sessionId())
        .put<std::int32_t>(64 + DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET, STREAM_ID)
        .put<std::int32_t>(64 + DataHeaderFlyweight::TERM_ID_FIELD_OFFSET, activeTermId());
    inject(m_subscriptionPort, {twoFrames});
    deliverAndVerify(200);
}

TEST_F(MalformedDatagramTest, shouldIgnoreHeartbeatsAtAbsurdPositions)
{
    const std::int32_t termId = activeTermId();
    const std::uint8_t eos = DataHeaderFlyweight::BEGIN_AND_END_FLAGS | DataHeaderFlyweight::EOS_FLAG;
    inject(m_subscriptionPort,
           {
               dataFrame(32, 0, 0, sessionId(), STREAM_ID, termId + 1000),
               dataFrame(32, 0, 0, sessionId(), STREAM_ID, termId - 1000),
               dataFrame(32, 0, 0, sessionId(), STREAM_ID, INT32_MIN),
               dataFrame(32, 0, 0, sessionId(), STREAM_ID, INT32_MAX),
               dataFrame(32, 0, TERM_LENGTH - 32, sessionId(), STREAM_ID, termId + 7, HeaderFlyweight::HDR_TYPE_DATA, eos),
               dataFrame(32, 0, 0, sessionId(), STREAM_ID, termId - 3, HeaderFlyweight::HDR_TYPE_DATA, eos),
           });
    deliverAndVerify(500);
}

TEST_F(MalformedDatagramTest, shouldIgnoreDataForAStreamNobodySubscribesTo)
{
    inject(m_subscriptionPort,
           {
               dataFrame(64, 64, 0, sessionId(), STREAM_ID + 1, activeTermId()),
               dataFrame(64, 64, 0, 12345, 77, 0),
           });
    EXPECT_TRUE(m_raw.drain().empty()) << "data for an unsubscribed stream should not be answered";
    deliverAndVerify(200);
}

TEST_F(MalformedDatagramTest, shouldAskUnknownSessionForSetupAndRejectBadSetups)
{
    constexpr std::int32_t strangerSession = 0x5EED;
    inject(m_subscriptionPort, {dataFrame(64, 64, 0, strangerSession, STREAM_ID, 5)});
    ASSERT_TRUE(m_fixture->pumpUntil(
        [&]
        {
            for (const auto& reply : m_raw.drain())
            {
                if (reply.size() >= StatusMessageFlyweight::HEADER_LENGTH &&
                    reply[HeaderFlyweight::TYPE_FIELD_OFFSET] == HeaderFlyweight::HDR_TYPE_SM &&
                    (reply[HeaderFlyweight::FLAGS_FIELD_OFFSET] & StatusMessageFlyweight::SEND_SETUP_FLAG) != 0)
                {
                    std::int32_t session;
                    std::memcpy(&session, reply.data() + StatusMessageFlyweight::SESSION_ID_FIELD_OFFSET, sizeof(session));
                    return session == strangerSession;
                }
            }
            return false;
        },
        std::chrono::seconds(3)))
        << "data from an unknown session did not elicit a SETUP";

    inject(m_subscriptionPort,
           {
               setupFrame(strangerSession, 0, 3 * 1024 * 1024 + 5, 1408),     // term length not a power of two
               setupFrame(strangerSession, 0, 1024, 1408),                    // below the minimum term length
               setupFrame(strangerSession, 0, INT32_MIN, 1408),               // negative term length
               setupFrame(strangerSession, 0, 64 * 1024, 1000),               // mtu not a multiple of 32
               setupFrame(strangerSession, 0, 64 * 1024, 0),                  // no room for a header
               setupFrame(strangerSession, 0, 64 * 1024, 1 << 20),            // mtu larger than any datagram
               setupFrame(strangerSession, -32, 64 * 1024, 1408),             // negative term offset
               setupFrame(strangerSession, 64 * 1024, 64 * 1024, 1408),       // term offset beyond the term
               setupFrame(strangerSession, 100, 64 * 1024, 1408),             // term offset not aligned
           });
    // A truncated SETUP (header claims more than arrived).
    Datagram truncated = setupFrame(strangerSession, 0, 64 * 1024, 1408);
    truncated.put<std::int32_t>(HeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET, 400);
    inject(m_subscriptionPort, {truncated});
    deliverAndVerify(200);
}

TEST_F(MalformedDatagramTest, shouldIgnoreAbsurdNaksAtThePublisher)
{
    const std::int32_t termId = activeTermId();
    inject(m_publisherControlPort,
           {
               nakFrame(NakFlyweight::HEADER_LENGTH, sessionId(), termId, 0, INT32_MAX), // huge length
               nakFrame(NakFlyweight::HEADER_LENGTH, sessionId(), termId, 0, -1),        // negative length
               nakFrame(NakFlyweight::HEADER_LENGTH, sessionId(), termId, -64, 1024),    // negative offset
               nakFrame(NakFlyweight::HEADER_LENGTH, sessionId(), termId, TERM_LENGTH, 1024),
               nakFrame(NakFlyweight::HEADER_LENGTH, sessionId(), termId + 5000, 0, 1024), // a term never written
               nakFrame(NakFlyweight::HEADER_LENGTH, sessionId(), termId - 5000, 0, 1024),
               nakFrame(NakFlyweight::HEADER_LENGTH, sessionId(), termId, 3, 1024),       // misaligned
               nakFrame(4000, sessionId(), termId, 0, 1024),                              // longer than datagram
               nakFrame(8, sessionId(), termId, 0, 1024),                                 // shorter than a NAK
           });
    deliverAndVerify(500);
}

TEST_F(MalformedDatagramTest, shouldIgnoreStatusMessagesWithBadLengthsOrForOtherSessions)
{
    const std::int32_t termId = activeTermId();
    inject(m_publisherControlPort,
           {
               statusMessage(36, 20, sessionId(), termId, 0, 1 << 20),          // frame length below the SM header
               statusMessage(20, 20, sessionId(), termId, 0, 1 << 20),          // datagram truncated
               statusMessage(36, 5000, sessionId(), termId, 0, 1 << 20),        // frame length past the datagram
               statusMessage(36, -36, sessionId(), termId, 0, 1 << 20),         // negative
               statusMessage(36, 36, sessionId() + 1, termId + 100, 0, INT32_MAX), // another session
           });
    deliverAndVerify(500);
}

TEST_F(MalformedDatagramTest, shouldKeepDeliveringAfterStatusMessagesWithAbsurdPositions)
{
    const std::int32_t termId = activeTermId();
    inject(m_publisherControlPort,
           {
               statusMessage(36, 36, sessionId(), termId, 0, -1),
               statusMessage(36, 36, sessionId(), termId, 0, INT32_MIN),
               statusMessage(36, 36, sessionId(), INT32_MIN, 0, 128 * 1024),
               statusMessage(36, 36, sessionId(), termId - 1000, 0, 128 * 1024),
           });
    deliverAndVerify(2000);
}

// A PAD frame goes out as its header alone, so the validator cannot hold its frame_length to the datagram.
// A forged one at the tail of a real session claims the rest of the stream; it must not swallow the
// legitimate messages that follow.
TEST_F(MalformedDatagramTest, shouldNotLetPaddingLongerThanTheTermSwallowTheStream)
{
    const std::int32_t offset = tailTermOffset();
    const std::int32_t termId = activeTermId();
    inject(m_subscriptionPort,
           {
               dataFrame(32, 0x7FFFFFE8, offset, sessionId(), STREAM_ID, termId, HeaderFlyweight::HDR_TYPE_PAD, 0),
           });
    deliverAndVerify(200);
}

// A frame of the real session placed beyond what the image allowed the sender (last SM position + half
// a term) is dropped and counted; had it been written, the legitimate frame at that position would be
// taken for a duplicate and the subscriber would read the forgery.
TEST_F(MalformedDatagramTest, shouldDropAndCountFramesBeyondTheImageWindow)
{
    const auto overRuns = [&]
    {
        std::int64_t value = -1;
        m_fixture->aeron->countersReader().forEach(
            [&](const cox::util::CounterMetadata& counter)
            {
                if (counter.typeId == 0 && counter.label == "Flow control over runs")
                {
                    value = counter.value;
                }
            });
        return value;
    };
    const std::int64_t before = overRuns();
    ASSERT_GE(before, 0) << "the driver should have a flow control over runs counter";
    ASSERT_LT(tailTermOffset(), TERM_LENGTH / 4) << "the next term must start beyond the window";
    inject(m_subscriptionPort,
           {
               dataFrame(96, 96, 0, sessionId(), STREAM_ID, activeTermId() + 1),
           });
    EXPECT_EQ(overRuns(), before + 1);
    // Enough legitimate messages to fill the rest of this term and cross the start of the next.
    deliverAndVerify(3'500);
    EXPECT_GT(activeTermId(), m_publication->initialTermId()) << "the stream should have passed the forged position";
}
