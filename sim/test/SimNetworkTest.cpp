#include <gtest/gtest.h>

#include <array>
#include <string>

#include "cox/sim/SimClock.hpp"
#include "cox/sim/SimNetwork.hpp"

namespace cox::sim
{
namespace
{
transport::InetAddress loopback(std::uint16_t port)
{
    return transport::InetAddress::fromNumeric("127.0.0.1", port);
}

class SimNetworkTest : public ::testing::Test
{
protected:
    NetworkOptions fixedDelay(std::int64_t delayNs)
    {
        NetworkOptions options;
        options.minDelayNs = delayNs;
        options.maxDelayNs = delayNs;
        return options;
    }

    std::int64_t send(transport::UdpTransport& from, std::uint16_t toPort, const std::string& text)
    {
        return from.sendTo(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), loopback(toPort));
    }

    std::string receive(transport::UdpTransport& on, transport::InetAddress* from = nullptr)
    {
        std::array<std::uint8_t, 256> buffer{};
        transport::InetAddress source;
        const std::int64_t length = on.receive(buffer.data(), buffer.size(), source);
        if (from != nullptr)
        {
            *from = source;
        }
        return length <= 0 ? std::string() : std::string(reinterpret_cast<const char*>(buffer.data()),
                                                         static_cast<std::size_t>(length));
    }

    SimulatedTime m_time;
};

TEST_F(SimNetworkTest, shouldDeliverOnlyWhenTheDelayHasPassed)
{
    SimNetwork network(m_time, 1, fixedDelay(1000));
    auto a = network.media(0)->open(loopback(9000), 0, 0);
    auto b = network.media(1)->open(loopback(9001), 0, 0);

    EXPECT_EQ(5, send(*a, 9001, "hello"));
    EXPECT_EQ("", receive(*b));
    m_time.advance(999);
    EXPECT_EQ("", receive(*b));
    m_time.advance(1);
    transport::InetAddress from;
    EXPECT_EQ("hello", receive(*b, &from));
    EXPECT_EQ(9000, from.port());
    EXPECT_EQ("", receive(*b));
    EXPECT_EQ(1, network.stats().delivered);
}

TEST_F(SimNetworkTest, shouldResolvePortZeroToDistinctEphemeralPorts)
{
    SimNetwork network(m_time, 1);
    auto a = network.media(0)->open(loopback(0), 0, 0);
    auto b = network.media(0)->open(loopback(0), 0, 0);

    EXPECT_EQ(SimNetwork::FIRST_EPHEMERAL_PORT, a->localAddress().port());
    EXPECT_EQ(SimNetwork::FIRST_EPHEMERAL_PORT + 1, b->localAddress().port());
}

TEST_F(SimNetworkTest, shouldDropDatagramsInTheBlockedDirectionOnly)
{
    SimNetwork network(m_time, 1, fixedDelay(10));
    auto a = network.media(0)->open(loopback(9000), 0, 0);
    auto b = network.media(1)->open(loopback(9001), 0, 0);
    network.block(0, 1);

    send(*a, 9001, "a-to-b");
    send(*b, 9000, "b-to-a");
    m_time.advance(10);

    EXPECT_EQ("", receive(*b));
    EXPECT_EQ("b-to-a", receive(*a));
    EXPECT_EQ(1, network.stats().blocked);

    network.healAll();
    send(*a, 9001, "after-heal");
    m_time.advance(10);
    EXPECT_EQ("after-heal", receive(*b));
}

TEST_F(SimNetworkTest, shouldDropDatagramsInFlightWhenAPartitionBegins)
{
    SimNetwork network(m_time, 1, fixedDelay(100));
    auto a = network.media(0)->open(loopback(9000), 0, 0);
    auto b = network.media(1)->open(loopback(9001), 0, 0);

    send(*a, 9001, "in-flight");
    network.isolate(1, {0, 1});
    m_time.advance(100);

    EXPECT_EQ("", receive(*b));
}

TEST_F(SimNetworkTest, shouldLoseAndDuplicateAtTheConfiguredRates)
{
    NetworkOptions options = fixedDelay(10);
    options.lossRate = 0.25;
    options.duplicateRate = 0.25;
    SimNetwork network(m_time, 42, options);
    auto a = network.media(0)->open(loopback(9000), 0, 0);
    auto b = network.media(1)->open(loopback(9001), 0, 0);

    for (int i = 0; i < 400; ++i)
    {
        send(*a, 9001, std::to_string(i));
    }
    m_time.advance(10);
    int received = 0;
    while (!receive(*b).empty())
    {
        ++received;
    }

    EXPECT_GT(network.stats().lost, 60);
    EXPECT_LT(network.stats().lost, 140);
    EXPECT_GT(network.stats().duplicated, 40);
    EXPECT_EQ(400 - network.stats().lost + network.stats().duplicated, received);
}

TEST_F(SimNetworkTest, shouldReorderWhenDelaysSpread)
{
    NetworkOptions options;
    options.minDelayNs = 0;
    options.maxDelayNs = 1000;
    SimNetwork network(m_time, 7, options);
    auto a = network.media(0)->open(loopback(9000), 0, 0);
    auto b = network.media(1)->open(loopback(9001), 0, 0);
    for (int i = 0; i < 20; ++i)
    {
        send(*a, 9001, std::to_string(i));
    }
    m_time.advance(1000);
    std::string order;
    for (std::string text = receive(*b); !text.empty(); text = receive(*b))
    {
        order += text + ",";
    }

    EXPECT_NE("0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,", order);
    EXPECT_EQ(20, network.stats().delivered);
}

TEST_F(SimNetworkTest, shouldGiveTheSameTraceForTheSameSeed)
{
    const auto runOnce = [this](std::uint64_t seed)
    {
        SimulatedTime time;
        NetworkOptions options;
        options.lossRate = 0.1;
        options.duplicateRate = 0.1;
        options.reorderRate = 0.1;
        SimNetwork network(time, seed, options);
        auto a = network.media(0)->open(loopback(9000), 0, 0);
        auto b = network.media(1)->open(loopback(9001), 0, 0);
        for (int i = 0; i < 100; ++i)
        {
            send(*a, 9001, std::to_string(i));
            time.advance(50'000);
            while (!receive(*b).empty())
            {
            }
        }
        return network.traceHash();
    };

    EXPECT_EQ(runOnce(3), runOnce(3));
    EXPECT_NE(runOnce(3), runOnce(4));
}

TEST_F(SimNetworkTest, shouldLoseWhatWasInFlightToAClosedSocket)
{
    SimNetwork network(m_time, 1, fixedDelay(10));
    auto a = network.media(0)->open(loopback(9000), 0, 0);
    auto b = network.media(1)->open(loopback(9001), 0, 0);
    send(*a, 9001, "to-old");
    b.reset();
    b = network.media(1)->open(loopback(9001), 0, 0);
    send(*a, 9001, "to-new");
    m_time.advance(10);

    EXPECT_EQ("to-new", receive(*b));
    EXPECT_EQ("", receive(*b));
}

TEST(SimClockTest, shouldSkewMembersAndOnlyJumpForward)
{
    SimulatedTime time;
    SimNanoClock clock(time, 5'000'000, 100);
    SimEpochClock epoch(clock, 10);
    time.advance(1'000'000'000);

    EXPECT_EQ(1'000'000'000 + 5'000'000 + 100'000, clock.nanoTime());
    EXPECT_EQ(SimEpochClock::START_EPOCH_MS + 10 + 1005, epoch.time());
    clock.jumpForward(-1'000);
    EXPECT_EQ(1'005'100'000, clock.nanoTime());
    clock.jumpForward(1'000);
    EXPECT_EQ(1'005'101'000, clock.nanoTime());
    epoch.jump(-20);
    EXPECT_EQ(SimEpochClock::START_EPOCH_MS - 10 + 1005, epoch.time());
}
} // namespace
} // namespace cox::sim
