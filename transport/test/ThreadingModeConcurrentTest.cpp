// The driver's threading modes with real threads everywhere: driver agents on their own threads
// (DEDICATED: one each; SHARED: one for all), the client conductor on its own thread, and the publisher
// and subscriber each on another. Every message must arrive, once, in order, over IPC and UDP.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "DriverTestSupport.hpp"
#include "cox/transport/PublicationResult.hpp"

using namespace cox::transport;
using cox::transport::test::testPort;

namespace
{
constexpr std::int64_t MESSAGE_COUNT = 200'000;
constexpr std::int32_t STREAM_ID = 6006;

struct Case
{
    ThreadingMode mode;
    bool udp;
    int portOffset;
};

std::string nameOf(const ::testing::TestParamInfo<Case>& info)
{
    return std::string(info.param.mode == ThreadingMode::DEDICATED ? "Dedicated" : "Shared") +
        (info.param.udp ? "Udp" : "Ipc");
}

/// Message i: its sequence number, then its length (16..191 bytes) worth of a pattern derived from i.
std::int32_t lengthOf(std::int64_t i)
{
    return 16 + static_cast<std::int32_t>((i * 7919) % 176);
}

class ThreadingModeConcurrentTest : public ::testing::TestWithParam<Case>
{
};
} // namespace

TEST_P(ThreadingModeConcurrentTest, shouldDeliverEveryMessageInOrderWithAgentsOnTheirOwnThreads)
{
    const Case& param = GetParam();
    MediaDriverContext driverContext;
    driverContext.threadingMode = param.mode;
    auto driver = MediaDriver::launch(driverContext);
    AeronContext clientContext;
    clientContext.aeronDirectoryName = driver->aeronDirectoryName();
    auto aeron = Aeron::connect(clientContext);

    const std::string channel =
        param.udp ? "aeron:udp?endpoint=127.0.0.1:" + std::to_string(testPort(param.portOffset)) : "aeron:ipc";
    auto subscription = aeron->addSubscription(channel, STREAM_ID);
    auto publication = aeron->addPublication(channel, STREAM_ID);
    const auto connectDeadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!(publication->isConnected() && subscription->imageCount() == 1) &&
           std::chrono::steady_clock::now() < connectDeadline)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(publication->isConnected());
    ASSERT_EQ(subscription->imageCount(), 1U);

    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> offerErrors{0};
    std::thread publisher(
        [&]
        {
            std::uint8_t message[192];
            for (std::int64_t i = 0; i < MESSAGE_COUNT && !stop.load(std::memory_order_relaxed);)
            {
                const std::int32_t length = lengthOf(i);
                std::memcpy(message, &i, sizeof(i));
                std::memset(message + sizeof(i), static_cast<int>(i & 0xFF), static_cast<std::size_t>(length) - sizeof(i));
                const std::int64_t result = publication->offer(message, length);
                if (result > 0)
                {
                    ++i;
                }
                else if (result == PublicationResult::BACK_PRESSURED || result == PublicationResult::ADMIN_ACTION)
                {
                    std::this_thread::yield();
                }
                else
                {
                    offerErrors.fetch_add(1);
                    std::this_thread::yield();
                }
            }
        });

    std::int64_t received = 0;
    std::int64_t errors = 0;
    std::thread subscriber(
        [&]
        {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
            while (received < MESSAGE_COUNT && std::chrono::steady_clock::now() < deadline)
            {
                const int fragments = subscription->poll(
                    [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header&)
                    {
                        std::int64_t sequence = -1;
                        std::memcpy(&sequence, buffer.buffer() + offset, sizeof(sequence));
                        bool ok = sequence == received && length == lengthOf(received);
                        for (std::int32_t j = sizeof(sequence); ok && j < length; ++j)
                        {
                            ok = buffer.buffer()[offset + j] == static_cast<std::uint8_t>(received & 0xFF);
                        }
                        errors += ok ? 0 : 1;
                        ++received;
                    },
                    256);
                if (fragments == 0)
                {
                    std::this_thread::yield();
                }
            }
            stop.store(true);
        });
    subscriber.join();
    publisher.join();

    EXPECT_EQ(received, MESSAGE_COUNT);
    EXPECT_EQ(errors, 0);
    EXPECT_EQ(offerErrors.load(), 0);
    publication.reset();
    subscription.reset();
    aeron->close();
    driver->close();
}

INSTANTIATE_TEST_SUITE_P(
    Modes,
    ThreadingModeConcurrentTest,
    ::testing::Values(Case{ThreadingMode::DEDICATED, false, 50}, Case{ThreadingMode::SHARED, false, 51},
                      Case{ThreadingMode::DEDICATED, true, 52}, Case{ThreadingMode::SHARED, true, 53}),
    nameOf);
