// End to end through the real media driver: client API → driver → (IPC log | UDP sockets) → image.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "DriverTestSupport.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/transport/PublicationResult.hpp"

using namespace cox::transport;
using cox::transport::test::InvokerDriverFixture;
using cox::transport::test::testPort;

namespace
{
/// Message i has a deterministic length (1 byte to maxLength) and content, so the receiver can check
/// each one exactly; from 8 bytes up it starts with its index, so loss, duplication and reordering
/// cannot go unseen.
std::vector<std::uint8_t> messageFor(std::int64_t i, std::int32_t maxLength)
{
    std::mt19937 random(static_cast<std::uint32_t>(i * 2654435761u));
    const std::int32_t length = 1 + static_cast<std::int32_t>(random() % static_cast<std::uint32_t>(maxLength));
    std::vector<std::uint8_t> message(static_cast<std::size_t>(length));
    for (auto& byte : message)
    {
        byte = static_cast<std::uint8_t>(random());
    }
    if (message.size() >= sizeof(i))
    {
        std::memcpy(message.data(), &i, sizeof(i));
    }
    return message;
}

/// CI runs a few thousand messages per loss test; scripts/soak-transport sets COX_TRANSPORT_SOAK_MESSAGES
/// to run the million.
std::int64_t messageCount(std::int64_t ciDefault)
{
    const char* value = std::getenv("COX_TRANSPORT_SOAK_MESSAGES");
    return value != nullptr ? std::atoll(value) : ciDefault;
}

struct StreamChecker
{
    std::int64_t next = 0;
    std::int64_t errors = 0;
    std::int32_t maxLength;

    void onMessage(const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length)
    {
        const std::vector<std::uint8_t> expected = messageFor(next, maxLength);
        if (static_cast<std::size_t>(length) != expected.size() ||
            std::memcmp(buffer.buffer() + offset, expected.data(), expected.size()) != 0)
        {
            ++errors;
        }
        ++next;
    }
};

/// Sends `count` messages over the channel and checks every one arrives, complete, in order, once.
void sendAndVerify(InvokerDriverFixture& fixture, const std::string& channel, std::int64_t count, std::int32_t maxLength)
{
    auto subscription = fixture.aeron->addSubscription(channel, 1001);
    auto publication = fixture.aeron->addPublication(channel, 1001);
    ASSERT_TRUE(fixture.pumpUntil([&] { return publication->isConnected() && subscription->imageCount() == 1; }))
        << "no connection on " << channel;

    StreamChecker checker{0, 0, maxLength};
    FragmentAssembler assembler(
        [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header&)
        { checker.onMessage(buffer, offset, length); });
    auto handler = assembler.handler();

    std::int64_t sent = 0;
    std::vector<std::uint8_t> pending = messageFor(0, maxLength);
    const bool done = fixture.pumpUntil(
        [&]
        {
            for (int burst = 0; burst < 16 && sent < count; ++burst)
            {
                const std::int64_t result = publication->offer(pending.data(), static_cast<std::int32_t>(pending.size()));
                if (result < 0)
                {
                    EXPECT_TRUE(result == PublicationResult::BACK_PRESSURED || result == PublicationResult::ADMIN_ACTION)
                        << "offer failed with " << result;
                    break;
                }
                if (++sent < count)
                {
                    pending = messageFor(sent, maxLength);
                }
            }
            subscription->poll(handler, 64);
            return checker.next >= count;
        },
        std::chrono::seconds(messageCount(0) > 0 ? 7200 : 60));
    EXPECT_TRUE(done) << "received " << checker.next << " of " << count;
    EXPECT_EQ(checker.errors, 0);
    EXPECT_EQ(checker.next, count);
}
} // namespace

TEST(MediaDriverTest, shouldDeliverIpcMessagesCompleteInOrderIncludingFragmented)
{
    InvokerDriverFixture fixture;
    sendAndVerify(fixture, "aeron:ipc", messageCount(20'000), 8 * 1408);
}

TEST(MediaDriverTest, shouldDeliverUdpUnicastMessagesCompleteInOrderIncludingFragmented)
{
    InvokerDriverFixture fixture;
    sendAndVerify(fixture, "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(1)), messageCount(20'000), 8 * 1408);
}

TEST(MediaDriverTest, shouldRecoverEveryMessageWithFivePercentLoss)
{
    MediaDriverContext context;
    context.receiveDataLossRate = 0.05;
    context.receiveDataLossSeed = 42;
    InvokerDriverFixture fixture(context);
    sendAndVerify(fixture, "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(2)), messageCount(20'000), 8 * 1408);
}

TEST(MediaDriverTest, shouldRecoverEveryMessageWithTwentyPercentLoss)
{
    MediaDriverContext context;
    context.receiveDataLossRate = 0.20;
    context.receiveDataLossSeed = 7;
    InvokerDriverFixture fixture(context);
    sendAndVerify(fixture, "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(3)), messageCount(5'000), 8 * 1408);
}

TEST(MediaDriverTest, shouldReportNotConnectedWithoutSubscriber)
{
    InvokerDriverFixture fixture;
    auto publication = fixture.aeron->addPublication("aeron:ipc", 7);
    fixture.pump();
    const std::uint8_t message[8] = {};
    EXPECT_EQ(publication->offer(message, sizeof(message)), PublicationResult::NOT_CONNECTED);
}

TEST(MediaDriverTest, shouldBackPressureWhenSubscriberStopsPolling)
{
    InvokerDriverFixture fixture;
    auto subscription = fixture.aeron->addSubscription("aeron:ipc", 9);
    auto publication = fixture.aeron->addPublication("aeron:ipc", 9);
    ASSERT_TRUE(fixture.pumpUntil([&] { return publication->isConnected(); }));
    std::vector<std::uint8_t> message(1024);
    std::int64_t result = 0;
    int accepted = 0;
    for (int i = 0; i < 100'000 && result >= 0; ++i)
    {
        result = publication->offer(message.data(), static_cast<std::int32_t>(message.size()));
        accepted += result >= 0 ? 1 : 0;
        fixture.pump();
    }
    EXPECT_EQ(result, PublicationResult::BACK_PRESSURED);
    // The window is half a term: 2 MiB of 1 KiB messages (+32-byte headers), give or take one.
    EXPECT_NEAR(accepted, (4 * 1024 * 1024 / 2) / 1056, 2);
    int drained = 0;
    fixture.pumpUntil(
        [&]
        {
            drained += subscription->poll([](auto&&...) {}, 100);
            return drained >= accepted;
        });
    EXPECT_EQ(drained, accepted);
    EXPECT_TRUE(fixture.pumpUntil(
        [&] { return publication->offer(message.data(), static_cast<std::int32_t>(message.size())) >= 0; }));
}

TEST(MediaDriverTest, shouldRejectMalformedChannelWithClearError)
{
    InvokerDriverFixture fixture;
    try
    {
        (void)fixture.aeron->addPublication("aeron:udp?endpoint", 1);
        FAIL() << "expected RegistrationException";
    }
    catch (const RegistrationException& e)
    {
        EXPECT_NE(std::string(e.what()).find("endpoint"), std::string::npos) << e.what();
    }
}

TEST(MediaDriverTest, shouldGiveNewImageToRestartedUdpPublisher)
{
    InvokerDriverFixture fixture;
    const std::string channel = "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(4));
    int available = 0;
    int unavailable = 0;
    auto subscription = fixture.aeron->addSubscription(
        channel, 3, [&](Image&) { ++available; }, [&](Image&) { ++unavailable; });
    auto first = fixture.aeron->addPublication(channel, 3);
    ASSERT_TRUE(fixture.pumpUntil([&] { return available == 1 && first->isConnected(); }));
    const std::int32_t firstSession = first->sessionId();
    first->close();
    first.reset();
    ASSERT_TRUE(fixture.pumpUntil([&] { return unavailable == 1; }, std::chrono::seconds(15)))
        << "image did not go unavailable after the publisher closed";
    auto second = fixture.aeron->addPublication(channel, 3);
    ASSERT_TRUE(fixture.pumpUntil([&] { return available == 2 && second->isConnected(); }));
    EXPECT_NE(second->sessionId(), firstSession);
    const std::uint8_t message[16] = {1, 2, 3};
    ASSERT_TRUE(fixture.pumpUntil([&] { return second->offer(message, sizeof(message)) > 0; }));
    int received = 0;
    EXPECT_TRUE(fixture.pumpUntil(
        [&]
        {
            received += subscription->poll([](auto&&...) {}, 10);
            return received == 1;
        }));
}

TEST(MediaDriverTest, shouldStartPublicationAtTheGivenPosition)
{
    InvokerDriverFixture fixture;
    const std::string channel = "aeron:ipc?term-length=64k|init-term-id=5|term-id=7|term-offset=64";
    auto subscription = fixture.aeron->addSubscription("aeron:ipc", 11);
    auto publication = fixture.aeron->addExclusivePublication(channel, 11);
    ASSERT_TRUE(fixture.pumpUntil([&] { return publication->isConnected() && subscription->imageCount() == 1; }));
    const std::int64_t expected = 2 * 65536 + 64;
    EXPECT_EQ(publication->position(), expected);
    EXPECT_EQ(subscription->images()[0]->joinPosition(), expected);
}

TEST(MediaDriverTest, shouldRefusePartialStartPosition)
{
    InvokerDriverFixture fixture;
    EXPECT_THROW((void)fixture.aeron->addPublication("aeron:ipc?init-term-id=5|term-id=7", 11), RegistrationException);
}

TEST(MediaDriverTest, shouldHandOverWholeFramesAsBlocks)
{
    InvokerDriverFixture fixture;
    auto subscription = fixture.aeron->addSubscription("aeron:ipc", 12);
    auto publication = fixture.aeron->addPublication("aeron:ipc?term-length=64k", 12);
    ASSERT_TRUE(fixture.pumpUntil([&] { return publication->isConnected() && subscription->imageCount() == 1; }));
    const std::uint8_t message[100] = {};
    for (int i = 0; i < 10; ++i)
    {
        ASSERT_GT(publication->offer(message, sizeof(message)), 0);
    }
    auto image = subscription->images()[0];
    std::int32_t blockLength = 0;
    const std::int32_t consumed = image->blockPoll(
        [&](const cox::util::AtomicBuffer&, std::int32_t termOffset, std::int32_t length, std::int32_t sessionId,
            std::int32_t)
        {
            EXPECT_EQ(termOffset, 0);
            EXPECT_EQ(sessionId, publication->sessionId());
            blockLength = length;
        },
        1000);
    EXPECT_EQ(consumed, 6 * 160) << "only whole 160-byte frames that fit in 1000 bytes";
    EXPECT_EQ(blockLength, consumed);
    EXPECT_EQ(image->position(), 6 * 160);
}

TEST(MediaDriverTest, shouldAllocateClientCountersThatOthersCanRead)
{
    InvokerDriverFixture fixture;
    const std::uint8_t key[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    auto counter = fixture.aeron->addCounter(100, key, "rec-pos: test");
    counter->setOrdered(4242);
    const cox::util::CountersReader& reader = fixture.aeron->countersReader();
    EXPECT_EQ(reader.getCounterValue(counter->id()), 4242);
    EXPECT_EQ(reader.getCounterTypeId(counter->id()), 100);
    EXPECT_EQ(reader.getCounterLabel(counter->id()), "rec-pos: test");
    ASSERT_EQ(reader.getCounterKey(counter->id()).size(), cox::util::CountersDescriptor::MAX_KEY_LENGTH);
    EXPECT_EQ(reader.getCounterKey(counter->id())[11], 12);
    const std::int32_t id = counter->id();
    counter->close();
    EXPECT_TRUE(fixture.pumpUntil(
        [&] { return reader.getCounterState(id) != cox::util::CountersDescriptor::RECORD_ALLOCATED; }));
}

TEST(MediaDriverTest, shouldReceiveOnAPortAgainAfterTheLastSubscriptionClosed)
{
    InvokerDriverFixture fixture;
    const std::string channel = "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(5));
    auto publication = fixture.aeron->addPublication(channel, 21);
    for (int round = 0; round < 3; ++round)
    {
        auto subscription = fixture.aeron->addSubscription(channel, 21);
        ASSERT_TRUE(fixture.pumpUntil([&] { return subscription->imageCount() == 1 && publication->isConnected(); }))
            << "round " << round;
        const std::uint8_t message[16] = {static_cast<std::uint8_t>(round)};
        ASSERT_TRUE(fixture.pumpUntil([&] { return publication->offer(message, sizeof(message)) > 0; }));
        int received = 0;
        ASSERT_TRUE(fixture.pumpUntil(
            [&]
            {
                received += subscription->poll([](auto&&...) {}, 10);
                return received >= 1;
            }))
            << "round " << round;
        subscription->close();
        fixture.pump();
    }
}

TEST(MediaDriverTest, shouldSendToManuallyAddedDestinations)
{
    InvokerDriverFixture fixture;
    const int portA = testPort(6);
    const int portB = testPort(7);
    auto subA = fixture.aeron->addSubscription("aeron:udp?endpoint=127.0.0.1:" + std::to_string(portA), 31);
    auto subB = fixture.aeron->addSubscription("aeron:udp?endpoint=127.0.0.1:" + std::to_string(portB), 31);
    auto publication = fixture.aeron->addPublication("aeron:udp?control-mode=manual", 31);
    EXPECT_THROW(publication->addDestination("aeron:udp?endpoint"), RegistrationException);
    publication->addDestination("aeron:udp?endpoint=127.0.0.1:" + std::to_string(portA));
    publication->addDestination("aeron:udp?endpoint=127.0.0.1:" + std::to_string(portB));
    ASSERT_TRUE(fixture.pumpUntil([&] { return subA->imageCount() == 1 && subB->imageCount() == 1; }));
    const std::uint8_t message[64] = {7};
    int receivedA = 0;
    int receivedB = 0;
    int sent = 0;
    ASSERT_TRUE(fixture.pumpUntil(
        [&]
        {
            if (sent < 100 && publication->offer(message, sizeof(message)) > 0)
            {
                ++sent;
            }
            receivedA += subA->poll([](auto&&...) {}, 10);
            receivedB += subB->poll([](auto&&...) {}, 10);
            return receivedA == 100 && receivedB == 100;
        }));
    publication->removeDestination("aeron:udp?endpoint=127.0.0.1:" + std::to_string(portB));
}

TEST(MediaDriverTest, shouldSamplePublisherPositionInACounter)
{
    InvokerDriverFixture fixture;
    auto subscription = fixture.aeron->addSubscription("aeron:ipc", 32);
    auto publication = fixture.aeron->addPublication("aeron:ipc", 32);
    ASSERT_TRUE(fixture.pumpUntil([&] { return publication->isConnected(); }));
    const std::uint8_t message[100] = {};
    ASSERT_GT(publication->offer(message, sizeof(message)), 0);
    std::int64_t sampled = -1;
    EXPECT_TRUE(fixture.pumpUntil(
        [&]
        {
            fixture.aeron->countersReader().forEach(
                [&](const cox::util::CounterMetadata& counter)
                {
                    if (counter.typeId == 12)
                    {
                        sampled = counter.value;
                    }
                });
            return sampled == publication->position();
        }));
}

TEST(MediaDriverTest, shouldDeliverEverythingThroughTheReceiveDelayGenerator)
{
    MediaDriverContext context;
    context.receiveDataDelayNs = 2'000'000;
    InvokerDriverFixture fixture(context);
    sendAndVerify(fixture, "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(8)), 2'000, 4 * 1408);
}

TEST(MediaDriverTest, shouldCountLossRecoveryInSystemCounters)
{
    MediaDriverContext context;
    context.receiveDataLossRate = 0.05;
    context.receiveDataLossSeed = 3;
    InvokerDriverFixture fixture(context);
    sendAndVerify(fixture, "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(9)), 2'000, 4 * 1408);
    std::map<std::string, std::int64_t> systemCounters;
    fixture.aeron->countersReader().forEach(
        [&](const cox::util::CounterMetadata& counter)
        {
            if (counter.typeId == 0)
            {
                systemCounters[std::string(counter.label)] = counter.value;
            }
        });
    EXPECT_GT(systemCounters["Loss generator drops (tests)"], 0);
    EXPECT_GT(systemCounters["NAKs sent"], 0);
    EXPECT_GT(systemCounters["Retransmits sent"], 0);
    EXPECT_EQ(systemCounters["Invalid packets"], 0);
}
