// A publisher thread offering pre-framed blocks and a subscriber thread reading them through an Image, the
// subscriber doing the driver's part (cleaning behind itself, raising pub-lmt). A block is released by its
// first frame's length alone, so every frame in it must be whole and in order when the reader gets there.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "FakeDriver.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ExclusivePublication.hpp"

using namespace cox::transport;
using cox::codecs::frames::DataHeaderFlyweight;
using cox::transport::test::FakeDriver;

namespace
{
constexpr std::int32_t STREAM_ID = 78;
constexpr std::int32_t PAYLOAD = 24;
constexpr std::int32_t ALIGNED = 64;

void putHeader(std::uint8_t* frame, std::int32_t frameLength, std::uint16_t type, std::int32_t termOffset,
               std::int32_t sessionId, std::int32_t termId)
{
    const std::uint8_t flags = DataHeaderFlyweight::BEGIN_AND_END_FLAGS;
    const std::int32_t streamId = STREAM_ID;
    std::memcpy(frame + DataHeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET, &frameLength, 4);
    std::memcpy(frame + DataHeaderFlyweight::FLAGS_FIELD_OFFSET, &flags, 1);
    std::memcpy(frame + DataHeaderFlyweight::TYPE_FIELD_OFFSET, &type, 2);
    std::memcpy(frame + DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET, &termOffset, 4);
    std::memcpy(frame + DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET, &sessionId, 4);
    std::memcpy(frame + DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET, &streamId, 4);
    std::memcpy(frame + DataHeaderFlyweight::TERM_ID_FIELD_OFFSET, &termId, 4);
}
} // namespace

TEST(ExclusivePublicationBlockConcurrentTest, shouldDeliverEveryFrameOfEveryBlockInOrder)
{
    constexpr std::int64_t MESSAGES = 300'000;
    FakeDriver driver;
    auto aeron = Aeron::connect(driver.context());
    auto publication = aeron->addExclusivePublication("aeron:ipc", STREAM_ID);
    auto subscription = aeron->addSubscription("aeron:ipc", STREAM_ID);
    FakeDriver::PublicationState& state = driver.publication(publication->originalRegistrationId());
    driver.addImage(subscription->registrationId(), publication->sessionId(), STREAM_ID, state.logFile);
    aeron->conductorAgentInvoker().invoke();
    ASSERT_EQ(subscription->imageCount(), 1u);
    auto image = subscription->images()[0];
    const std::int32_t termLength = publication->termBufferLength();

    std::int64_t adminActions = 0;
    std::thread publisher(
        [&]
        {
            std::vector<std::uint8_t> block(static_cast<std::size_t>(termLength), 0);
            for (std::int64_t sequence = 0, blockNumber = 0; sequence < MESSAGES;)
            {
                const std::int64_t position = publication->position();
                const auto termOffset = static_cast<std::int32_t>(position & (termLength - 1));
                const auto termId = static_cast<std::int32_t>(
                    publication->initialTermId() + position / termLength);
                // Blocks of 1 to 40 messages, so that they end anywhere, some with the term's padding.
                const std::int32_t room = (termLength - termOffset) / ALIGNED;
                const auto frames = static_cast<std::int32_t>(std::min<std::int64_t>(
                    {1 + blockNumber % 40, room, MESSAGES - sequence}));
                std::int32_t length = 0;
                for (std::int32_t i = 0; i < frames; ++i, length += ALIGNED)
                {
                    putHeader(block.data() + length, DataHeaderFlyweight::HEADER_LENGTH + PAYLOAD,
                              DataHeaderFlyweight::HDR_TYPE_DATA, termOffset + length, publication->sessionId(), termId);
                    const std::int64_t value = sequence + i;
                    std::memcpy(block.data() + length + DataHeaderFlyweight::HEADER_LENGTH, &value, sizeof(value));
                }
                const std::int32_t left = termLength - termOffset - length;
                if (left > 0 && left < 3 * ALIGNED)
                {
                    putHeader(block.data() + length, left, DataHeaderFlyweight::HDR_TYPE_PAD, termOffset + length,
                              publication->sessionId(), termId);
                    std::memset(block.data() + length + DataHeaderFlyweight::HEADER_LENGTH, 0,
                                static_cast<std::size_t>(left - DataHeaderFlyweight::HEADER_LENGTH));
                    length += left;
                }
                const std::int64_t result = publication->offerBlock(block.data(), length);
                if (result > 0)
                {
                    sequence += frames;
                    ++blockNumber;
                }
                else if (result == PublicationResult::BACK_PRESSURED)
                {
                    std::this_thread::yield();
                }
                else if (result == PublicationResult::ADMIN_ACTION)
                {
                    ++adminActions;
                }
                else
                {
                    ADD_FAILURE() << "unexpected offerBlock result " << result;
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
                std::int64_t sequence = -1;
                std::memcpy(&sequence, buffer.buffer() + offset, sizeof(sequence));
                inOrder = inOrder && sequence == expected && length == PAYLOAD;
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
    EXPECT_GT(adminActions, 10) << "the stream crossed many terms";
}
