#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <thread>
#include <vector>

#include "LogTestSupport.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/TermAppender.hpp"
#include "cox/transport/TermReader.hpp"

using namespace cox::transport;
using cox::transport::test::InMemoryLog;

namespace
{
// The offer loop of a concurrent publication, minus limits: enough to drive appends across a rotation.
std::int64_t offer(InMemoryLog& log, std::array<TermAppender, 3>& appenders, const HeaderWriter& writer, const std::uint8_t* data,
    std::int32_t length)
{
    auto& meta = log.meta();
    const std::int32_t termCount = LogBufferDescriptor::activeTermCount(meta);
    const std::int32_t index = LogBufferDescriptor::indexByTermCount(termCount);
    const std::int64_t rawTail = LogBufferDescriptor::rawTailVolatile(meta, index);
    const std::int32_t termId = LogBufferDescriptor::termId(rawTail);
    if (LogBufferDescriptor::computeTermCount(termId, InMemoryLog::INITIAL_TERM_ID) != termCount)
    {
        return PublicationResult::ADMIN_ACTION;
    }
    const std::int32_t result = appenders[static_cast<std::size_t>(index)].appendUnfragmentedMessage(writer, data, length, {}, termId);
    if (result < 0)
    {
        LogBufferDescriptor::rotateLog(meta, termCount, termId);
        return PublicationResult::ADMIN_ACTION;
    }
    return result;
}
} // namespace

TEST(TermAppenderConcurrentTest, shouldDeliverEveryMessageFromTwoWritersAcrossRotationInOrderPerWriter)
{
    InMemoryLog log;
    std::array<TermAppender, 3> appenders{
        TermAppender(log.term(0), log.meta(), 0), TermAppender(log.term(1), log.meta(), 1),
        TermAppender(log.term(2), log.meta(), 2)};
    // 1.5 terms of 64-byte frames: crosses one rotation and never reuses a partition, so no cleaning is needed.
    constexpr std::int32_t MESSAGES_PER_WRITER = 768;

    const auto write = [&](std::int32_t writerId)
    {
        const HeaderWriter writer(writerId, InMemoryLog::STREAM_ID);
        for (std::int32_t sequence = 0; sequence < MESSAGES_PER_WRITER;)
        {
            std::uint8_t message[8];
            std::memcpy(message, &writerId, 4);
            std::memcpy(message + 4, &sequence, 4);
            if (offer(log, appenders, writer, message, sizeof(message)) >= 0)
            {
                ++sequence;
            }
        }
    };

    std::array<std::int32_t, 2> nextSequence{0, 0};
    std::atomic<bool> outOfOrder{false};
    std::thread first(write, 0);
    std::thread second(write, 1);

    Header header(InMemoryLog::INITIAL_TERM_ID, LogBufferDescriptor::positionBitsToShift(InMemoryLog::TERM_LENGTH));
    std::int32_t received = 0;
    std::int32_t partition = 0;
    std::int32_t offset = 0;
    while (received < 2 * MESSAGES_PER_WRITER)
    {
        const auto outcome = TermReader::read(
            log.term(partition),
            offset,
            [&](const cox::util::AtomicBuffer& buffer, std::int32_t at, std::int32_t, const Header&)
            {
                const std::int32_t writerId = buffer.getInt32(static_cast<std::size_t>(at));
                const std::int32_t sequence = buffer.getInt32(static_cast<std::size_t>(at + 4));
                if (sequence != nextSequence[static_cast<std::size_t>(writerId)]++)
                {
                    outOfOrder = true;
                }
            },
            100,
            header);
        received += outcome.fragmentsRead;
        offset = outcome.offset;
        if (offset == InMemoryLog::TERM_LENGTH)
        {
            partition = (partition + 1) % 3;
            offset = 0;
        }
        if (outcome.fragmentsRead == 0)
        {
            std::this_thread::yield();
        }
    }
    first.join();
    second.join();

    EXPECT_FALSE(outOfOrder.load());
    EXPECT_EQ(MESSAGES_PER_WRITER, nextSequence[0]);
    EXPECT_EQ(MESSAGES_PER_WRITER, nextSequence[1]);
    EXPECT_EQ(1, LogBufferDescriptor::activeTermCount(log.meta()));
}
