// The transport poller finds the sockets with datagrams waiting, so a receiver or sender with many endpoints
// (a leader with a session per client) reads only those.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "DriverTestSupport.hpp"
#include "cox/transport/UdpMedia.hpp"

using namespace cox::transport;
using cox::transport::test::InvokerDriverFixture;
using cox::transport::test::testPort;

namespace
{
class UdpTransportPollerTest : public ::testing::Test
{
protected:
    /// Opens count loopback sockets on ephemeral ports, watched by the poller, all drained.
    void open(int count)
    {
        for (int i = 0; i < count; ++i)
        {
            transports.push_back(media->open(InetAddress::parse("127.0.0.1:0"), 0, 0));
            poller->add(*transports.back());
            transports.back()->markDrained();
        }
    }

    void sendTo(UdpTransport& to)
    {
        const std::uint8_t datagram[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        ASSERT_EQ(sender->sendTo(datagram, sizeof(datagram), to.localAddress()), 8);
    }

    std::vector<bool> readable() const
    {
        std::vector<bool> flags;
        for (const auto& transport : transports)
        {
            flags.push_back(transport->isReadable());
        }
        return flags;
    }

    std::shared_ptr<UdpMedia> media = socketUdpMedia();
    std::unique_ptr<UdpTransportPoller> poller = media->newPoller();
    std::unique_ptr<UdpTransport> sender = media->open(InetAddress::parse("127.0.0.1:0"), 0, 0);
    std::vector<std::unique_ptr<UdpTransport>> transports;
};
} // namespace

TEST_F(UdpTransportPollerTest, shouldMarkOnlyTheSocketsWithDatagramsWaitingAmongMany)
{
    open(6);
    sendTo(*transports[4]);
    sendTo(*transports[1]);

    EXPECT_EQ(poller->poll(), 2);
    EXPECT_EQ(readable(), (std::vector<bool>{false, true, false, false, true, false}));
}

TEST_F(UdpTransportPollerTest, shouldMarkNothingWhenNoSocketHasDatagrams)
{
    open(6);

    EXPECT_EQ(poller->poll(), 0);
    EXPECT_EQ(readable(), std::vector<bool>(6, false));
}

TEST_F(UdpTransportPollerTest, shouldReportASocketAgainWhileDatagramsAreLeftInIt)
{
    open(4);
    sendTo(*transports[2]);
    sendTo(*transports[2]);
    ASSERT_EQ(poller->poll(), 1);

    std::uint8_t buffer[64];
    InetAddress from;
    ASSERT_EQ(transports[2]->receive(buffer, sizeof(buffer), from), 8); // one of two read, as at a read limit
    transports[2]->markDrained();

    EXPECT_EQ(poller->poll(), 1);
    EXPECT_TRUE(transports[2]->isReadable());
    ASSERT_EQ(transports[2]->receive(buffer, sizeof(buffer), from), 8);
    transports[2]->markDrained();
    EXPECT_EQ(poller->poll(), 0);
}

TEST_F(UdpTransportPollerTest, shouldStopWatchingARemovedSocket)
{
    open(5);
    poller->remove(*transports[3]);
    sendTo(*transports[3]);
    sendTo(*transports[0]);

    EXPECT_EQ(poller->poll(), 1);
    EXPECT_EQ(readable(), (std::vector<bool>{true, false, false, false, false}));
}

TEST_F(UdpTransportPollerTest, shouldMarkEverySocketWhenWatchingOnlyAFewSinceReadingThemCostsNoMore)
{
    open(2);

    EXPECT_EQ(poller->poll(), 2);
    EXPECT_EQ(readable(), (std::vector<bool>{true, true}));
}

TEST(IteratingUdpTransportPollerTest, shouldMarkEveryWatchedTransportOnEveryPoll)
{
    auto media = socketUdpMedia();
    auto first = media->open(InetAddress::parse("127.0.0.1:0"), 0, 0);
    auto second = media->open(InetAddress::parse("127.0.0.1:0"), 0, 0);
    IteratingUdpTransportPoller poller;
    poller.add(*first);
    poller.add(*second);
    first->markDrained();
    second->markDrained();
    poller.remove(*second);

    EXPECT_EQ(poller.poll(), 1);
    EXPECT_TRUE(first->isReadable());
    EXPECT_FALSE(second->isReadable());
}

// Ten UDP streams, each on its own port: the driver's receiver watches ten sockets and its sender ten (the status
// messages come back to each publication's own socket), so both read through the poller's wait, not in turn.
TEST(UdpTransportPollerDriverTest, shouldDeliverEveryStreamWhenTheDriverWatchesManySockets)
{
    InvokerDriverFixture fixture;
    constexpr int STREAMS = 10;
    std::vector<std::shared_ptr<Subscription>> subscriptions;
    std::vector<std::shared_ptr<Publication>> publications;
    for (int i = 0; i < STREAMS; ++i)
    {
        const std::string channel = "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(200 + i));
        subscriptions.push_back(fixture.aeron->addSubscription(channel, 7000 + i));
        publications.push_back(fixture.aeron->addPublication(channel, 7000 + i));
    }
    ASSERT_TRUE(fixture.pumpUntil(
        [&]
        {
            for (int i = 0; i < STREAMS; ++i)
            {
                if (!publications[i]->isConnected() || subscriptions[i]->imageCount() != 1)
                {
                    return false;
                }
            }
            return true;
        }));

    constexpr int MESSAGES = 200;
    std::vector<int> sent(STREAMS, 0);
    std::vector<int> received(STREAMS, 0);
    std::vector<int> outOfOrder(STREAMS, 0);
    int turn = 0;
    const bool done = fixture.pumpUntil(
        [&]
        {
            ++turn;
            bool all = true;
            for (int i = 0; i < STREAMS; ++i)
            {
                // Streams take turns, so at any moment only some sockets have data.
                if (sent[i] < MESSAGES && (turn + i) % 3 == 0)
                {
                    const std::int32_t value = sent[i];
                    if (publications[i]->offer(reinterpret_cast<const std::uint8_t*>(&value), sizeof(value)) >= 0)
                    {
                        ++sent[i];
                    }
                }
                subscriptions[i]->poll(
                    [&, i](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t, const Header&)
                    {
                        outOfOrder[i] += buffer.getInt32(offset) != received[i] ? 1 : 0;
                        ++received[i];
                    },
                    16);
                all = all && received[i] == MESSAGES;
            }
            return all;
        });
    EXPECT_TRUE(done);
    for (int i = 0; i < STREAMS; ++i)
    {
        EXPECT_EQ(received[i], MESSAGES) << "stream " << i;
        EXPECT_EQ(outOfOrder[i], 0) << "stream " << i;
    }
}

// Hundreds of endpoints on ephemeral ports (a leader's egress to each client, each client's egress subscription):
// each must get a port of its own, or datagrams for one go to another.
TEST(SocketUdpMediaTest, shouldGiveEveryEphemeralBindAPortOfItsOwn)
{
    auto media = socketUdpMedia();
    auto named = media->open(InetAddress::parse("127.0.0.1:" + std::to_string(testPort(260))), 0, 0);
    std::vector<std::unique_ptr<UdpTransport>> transports;
    std::set<std::uint16_t> ports{named->localAddress().port()};
    for (int i = 0; i < 1500; ++i)
    {
        transports.push_back(media->open(InetAddress::parse(i % 2 == 0 ? "127.0.0.1:0" : "0.0.0.0:0"), 0, 0));
        EXPECT_TRUE(ports.insert(transports.back()->localAddress().port()).second)
            << "port " << transports.back()->localAddress().port() << " handed out twice";
    }
}
