// A publisher thread and a subscriber thread over one IPC-style log (the fake's publication log, read
// through an Image), with the subscriber thread doing the driver's part: cleaning behind itself and
// raising pub-lmt from its position. Every message must arrive once, in order.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>

#include "FakeDriver.hpp"
#include "cox/transport/Aeron.hpp"

using namespace cox::transport;
using cox::transport::test::FakeDriver;

TEST(ClientConcurrentTest, shouldDeliverEveryMessageInOrderUnderBackPressure)
{
    constexpr std::int64_t MESSAGES = 1'000'000;
    FakeDriver driver;
    driver.initialPublicationLimit = FakeDriver::TERM_LENGTH / 2;
    auto aeron = Aeron::connect(driver.context());
    auto publication = aeron->addPublication("aeron:ipc", 77);
    auto subscription = aeron->addSubscription("aeron:ipc", 77);
    FakeDriver::PublicationState& state = driver.publication(publication->originalRegistrationId());
    driver.addImage(subscription->registrationId(), publication->sessionId(), 77, state.logFile);
    aeron->conductorAgentInvoker().invoke();
    ASSERT_EQ(subscription->imageCount(), 1u);
    auto image = subscription->images()[0];

    std::int64_t backPressured = 0;
    std::int64_t adminActions = 0;
    std::thread publisher(
        [&]
        {
            std::uint8_t payload[24] = {};
            for (std::int64_t sequence = 0; sequence < MESSAGES;)
            {
                std::memcpy(payload, &sequence, sizeof(sequence));
                // Vary the length so frames straddle terms at different offsets.
                const auto length = static_cast<std::int32_t>(8 + (sequence % 3) * 8);
                const std::int64_t result = publication->offer(payload, length);
                if (result > 0)
                {
                    ++sequence;
                }
                else if (result == PublicationResult::BACK_PRESSURED)
                {
                    ++backPressured;
                    std::this_thread::yield();
                }
                else if (result == PublicationResult::ADMIN_ACTION)
                {
                    ++adminActions;
                }
                else
                {
                    ADD_FAILURE() << "unexpected offer result " << result;
                    return;
                }
            }
        });

    std::int64_t expected = 0;
    bool inOrder = true;
    std::thread subscriber(
        [&]
        {
            const auto handler = [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                                     const Header&)
            {
                std::int64_t sequence = 0;
                std::memcpy(&sequence, buffer.buffer() + offset, sizeof(sequence));
                if (sequence != expected || length != 8 + (sequence % 3) * 8)
                {
                    inOrder = false;
                }
                ++expected;
            };
            while (expected < MESSAGES && inOrder)
            {
                if (subscription->poll(handler, 64) == 0)
                {
                    std::this_thread::yield();
                }
                driver.updatePublicationLimit(state, image->position(), FakeDriver::TERM_LENGTH / 2);
            }
        });
    publisher.join();
    subscriber.join();

    EXPECT_TRUE(inOrder) << "gap or reorder at message " << expected;
    EXPECT_EQ(expected, MESSAGES);
    EXPECT_EQ(image->position(), publication->position());
    EXPECT_GT(adminActions, 100) << "the stream crossed many terms";
}
