// ExclusivePublication::offerBlock: pre-framed blocks land in the term exactly as offers of the same messages
// would, become readable through an Image, and a block that breaks the rules is refused with nothing written.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "FakeDriver.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ExclusivePublication.hpp"

using namespace cox::transport;
using cox::codecs::frames::DataHeaderFlyweight;
using cox::transport::test::FakeDriver;

namespace
{
constexpr std::int32_t STREAM_ID = 1002;
constexpr std::int32_t HEADER = DataHeaderFlyweight::HEADER_LENGTH;

/// Frames as ExclusivePublication::offer lays them out, built by hand.
class BlockBuilder
{
public:
    BlockBuilder(std::int32_t sessionId, std::int32_t streamId) : m_sessionId(sessionId), m_streamId(streamId) {}

    BlockBuilder& data(std::int32_t termId, std::int32_t termOffset, const std::string& payload)
    {
        const auto frameLength = static_cast<std::int32_t>(HEADER + payload.size());
        const std::size_t at = header(termId, termOffset, frameLength, DataHeaderFlyweight::HDR_TYPE_DATA);
        std::memcpy(m_bytes.data() + at + HEADER, payload.data(), payload.size());
        return *this;
    }

    BlockBuilder& padding(std::int32_t termId, std::int32_t termOffset, std::int32_t length)
    {
        header(termId, termOffset, length, DataHeaderFlyweight::HDR_TYPE_PAD);
        return *this;
    }

    std::vector<std::uint8_t>& bytes() { return m_bytes; }
    [[nodiscard]] std::int32_t length() const { return static_cast<std::int32_t>(m_bytes.size()); }

private:
    std::size_t header(std::int32_t termId, std::int32_t termOffset, std::int32_t frameLength, std::uint16_t type)
    {
        const std::size_t at = m_bytes.size();
        m_bytes.resize(at + static_cast<std::size_t>(FrameDescriptor::alignedLength(frameLength)), 0);
        std::uint8_t* frame = m_bytes.data() + at;
        const std::uint8_t flags = DataHeaderFlyweight::BEGIN_AND_END_FLAGS;
        std::memcpy(frame + DataHeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET, &frameLength, 4);
        std::memcpy(frame + DataHeaderFlyweight::FLAGS_FIELD_OFFSET, &flags, 1);
        std::memcpy(frame + DataHeaderFlyweight::TYPE_FIELD_OFFSET, &type, 2);
        std::memcpy(frame + DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET, &termOffset, 4);
        std::memcpy(frame + DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET, &m_sessionId, 4);
        std::memcpy(frame + DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET, &m_streamId, 4);
        std::memcpy(frame + DataHeaderFlyweight::TERM_ID_FIELD_OFFSET, &termId, 4);
        return at;
    }

    std::int32_t m_sessionId;
    std::int32_t m_streamId;
    std::vector<std::uint8_t> m_bytes;
};

class ExclusivePublicationTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        aeron = Aeron::connect(driver.context());
        publication = aeron->addExclusivePublication("aeron:ipc", STREAM_ID);
        subscription = aeron->addSubscription("aeron:ipc", STREAM_ID);
        driver.addImage(subscription->registrationId(), publication->sessionId(), STREAM_ID, state().logFile);
        aeron->conductorAgentInvoker().invoke();
        ASSERT_EQ(subscription->imageCount(), 1u);
    }

    FakeDriver::PublicationState& state() { return driver.publication(publication->originalRegistrationId()); }
    BlockBuilder builder() const { return {publication->sessionId(), STREAM_ID}; }

    /// The term bytes [offset, offset + length) of partition index.
    std::vector<std::uint8_t> termBytes(std::int32_t index, std::int32_t offset, std::int32_t length)
    {
        const std::uint8_t* term = state().log->termBuffer(index).buffer();
        return {term + offset, term + offset + length};
    }

    std::vector<std::pair<std::string, std::int64_t>> pollAll()
    {
        std::vector<std::pair<std::string, std::int64_t>> received;
        subscription->poll(
            [&](const cox::util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const Header& header)
            {
                received.emplace_back(std::string(reinterpret_cast<const char*>(buffer.buffer() + offset),
                                                  static_cast<std::size_t>(length)),
                                      header.position());
            },
            1'000);
        return received;
    }

    FakeDriver driver;
    std::shared_ptr<Aeron> aeron;
    std::shared_ptr<ExclusivePublication> publication;
    std::shared_ptr<Subscription> subscription;
};
} // namespace

TEST_F(ExclusivePublicationTest, shouldWriteTheSameTermBytesAsOffersOfTheSameMessages)
{
    const std::int32_t termId = FakeDriver::INITIAL_TERM_ID;
    BlockBuilder block = builder();
    block.data(termId, 0, "first").data(termId, 64, std::string(40, 'x')).data(termId, 160, "third");
    ASSERT_EQ(publication->offerBlock(block.bytes().data(), block.length()), 224);
    const std::vector<std::uint8_t> fromBlock = termBytes(0, 0, 224);

    // A second log, written by offer(), must hold the same bytes but for the session id.
    auto other = aeron->addExclusivePublication("aeron:ipc", STREAM_ID);
    ASSERT_NE(other->sessionId(), publication->sessionId());
    const auto offerText = [&](const std::string& text)
    { return other->offer(reinterpret_cast<const std::uint8_t*>(text.data()), static_cast<std::int32_t>(text.size())); };
    ASSERT_EQ(offerText("first"), 64);
    ASSERT_EQ(offerText(std::string(40, 'x')), 160);
    ASSERT_EQ(offerText("third"), 224);
    const std::uint8_t* otherTerm = driver.publication(other->originalRegistrationId()).log->termBuffer(0).buffer();
    std::vector<std::uint8_t> fromOffers(otherTerm, otherTerm + 224);
    for (const std::int32_t frame : {0, 64, 160})
    {
        const std::int32_t sessionId = publication->sessionId();
        std::memcpy(fromOffers.data() + frame + DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET, &sessionId, 4);
    }
    EXPECT_EQ(fromBlock, fromOffers);
}

TEST_F(ExclusivePublicationTest, shouldDeliverEveryFrameOfABlockAndMoveThePosition)
{
    const std::int32_t termId = FakeDriver::INITIAL_TERM_ID;
    ASSERT_EQ(publication->offer(reinterpret_cast<const std::uint8_t*>("before"), 6), 64);
    BlockBuilder block = builder();
    block.data(termId, 64, "a").data(termId, 128, "b");
    EXPECT_EQ(publication->offerBlock(block.bytes().data(), block.length()), 192);
    EXPECT_EQ(publication->position(), 192);
    EXPECT_EQ(publication->offer(reinterpret_cast<const std::uint8_t*>("after"), 5), 256) << "offer goes on from the block";

    const auto received = pollAll();
    ASSERT_EQ(received.size(), 4u);
    EXPECT_EQ(received[0].first, "before");
    EXPECT_EQ(received[1].first, "a");
    EXPECT_EQ(received[1].second, 128);
    EXPECT_EQ(received[2].first, "b");
    EXPECT_EQ(received[2].second, 192);
    EXPECT_EQ(received[3].first, "after");
}

TEST_F(ExclusivePublicationTest, shouldAcceptABlockThroughAnAtomicBufferAtAnOffset)
{
    BlockBuilder block = builder();
    std::vector<std::uint8_t> bytes(32, 0xEE);
    block.data(FakeDriver::INITIAL_TERM_ID, 0, "held");
    bytes.insert(bytes.end(), block.bytes().begin(), block.bytes().end());
    const cox::util::AtomicBuffer buffer(bytes.data(), bytes.size());
    EXPECT_EQ(publication->offerBlock(buffer, 32, block.length()), 64);
    EXPECT_EQ(publication->offerBlock(buffer, 64, block.length()), PublicationResult::ERROR) << "out of bounds";
    ASSERT_EQ(pollAll().size(), 1u);
}

TEST_F(ExclusivePublicationTest, shouldRefuseABlockThatDoesNotStartWhereTheTermEnds)
{
    const std::int32_t termId = FakeDriver::INITIAL_TERM_ID;
    const auto refused = [&](BlockBuilder block, std::int32_t length)
    { return publication->offerBlock(block.bytes().data(), length) == PublicationResult::ERROR; };

    EXPECT_TRUE(refused(builder().data(termId, 32, "x"), 64)) << "wrong term offset";
    EXPECT_TRUE(refused(builder().data(termId + 1, 0, "x"), 64)) << "wrong term id";
    EXPECT_TRUE(refused(BlockBuilder(publication->sessionId() + 1, STREAM_ID).data(termId, 0, "x"), 64))
        << "another session";
    EXPECT_TRUE(refused(BlockBuilder(publication->sessionId(), STREAM_ID + 1).data(termId, 0, "x"), 64))
        << "another stream";
    EXPECT_TRUE(refused(builder().padding(termId, 0, 64), 64)) << "first frame not DATA";
    EXPECT_TRUE(refused(builder().data(termId, 0, std::string(40, 'x')), 64)) << "first frame longer than the block";
    EXPECT_TRUE(refused(builder().data(termId, 0, "x"), 48)) << "length not a multiple of the frame alignment";
    EXPECT_TRUE(refused(builder().data(termId, 0, "x"), 0)) << "empty";
    EXPECT_EQ(publication->offerBlock(nullptr, 64), PublicationResult::ERROR);

    EXPECT_EQ(publication->position(), 0);
    EXPECT_EQ(termBytes(0, 0, 64), std::vector<std::uint8_t>(64, 0)) << "nothing written";
    EXPECT_TRUE(pollAll().empty());
}

TEST_F(ExclusivePublicationTest, shouldRefuseABlockLongerThanTheRestOfTheTerm)
{
    state().limit.setOrdered(std::numeric_limits<std::int64_t>::max());
    const std::int32_t termId = FakeDriver::INITIAL_TERM_ID;
    const std::int32_t start = FakeDriver::TERM_LENGTH - 64;
    LogBufferDescriptor::initialiseTails(state().log->metaDataBuffer(), FakeDriver::INITIAL_TERM_ID, termId, start);
    BlockBuilder tooLong = builder();
    tooLong.data(termId, start, "a").data(termId, start + 64, "b");
    EXPECT_EQ(publication->offerBlock(tooLong.bytes().data(), tooLong.length()), PublicationResult::ERROR);

    BlockBuilder fits = builder();
    fits.data(termId, start, "a");
    EXPECT_EQ(publication->offerBlock(fits.bytes().data(), fits.length()), FakeDriver::TERM_LENGTH);
}

TEST_F(ExclusivePublicationTest, shouldRotateToTheNextTermWhenABlockFilledTheTerm)
{
    state().limit.setOrdered(std::numeric_limits<std::int64_t>::max());
    const std::int32_t termId = FakeDriver::INITIAL_TERM_ID;
    const std::int32_t start = FakeDriver::TERM_LENGTH - 128;
    LogBufferDescriptor::initialiseTails(state().log->metaDataBuffer(), FakeDriver::INITIAL_TERM_ID, termId, start);
    BlockBuilder last = builder();
    last.data(termId, start, "end").padding(termId, start + 64, 64);
    ASSERT_EQ(publication->offerBlock(last.bytes().data(), last.length()), FakeDriver::TERM_LENGTH);
    EXPECT_EQ(publication->position(), FakeDriver::TERM_LENGTH);

    BlockBuilder next = builder();
    next.data(termId + 1, 0, "next");
    EXPECT_EQ(publication->offerBlock(next.bytes().data(), next.length()), PublicationResult::ADMIN_ACTION);
    EXPECT_EQ(publication->offerBlock(next.bytes().data(), next.length()), FakeDriver::TERM_LENGTH + 64);
    EXPECT_EQ(termBytes(1, 0, 64), next.bytes());
}

TEST_F(ExclusivePublicationTest, shouldReturnBackPressuredAtTheLimitAndWriteNothing)
{
    const std::int32_t termId = FakeDriver::INITIAL_TERM_ID;
    state().limit.setOrdered(64);
    BlockBuilder first = builder();
    first.data(termId, 0, "a").data(termId, 64, "b");
    EXPECT_EQ(publication->offerBlock(first.bytes().data(), first.length()), 128)
        << "a block under the limit may end past it, as a long message may";
    BlockBuilder second = builder();
    second.data(termId, 128, "c");
    EXPECT_EQ(publication->offerBlock(second.bytes().data(), second.length()), PublicationResult::BACK_PRESSURED);
    EXPECT_EQ(termBytes(0, 128, 64), std::vector<std::uint8_t>(64, 0));

    LogBufferDescriptor::isConnected(state().log->metaDataBuffer(), false);
    EXPECT_EQ(publication->offerBlock(second.bytes().data(), second.length()), PublicationResult::NOT_CONNECTED);
}

TEST_F(ExclusivePublicationTest, shouldReturnMaxPositionExceededAtTheEndOfTheLastTerm)
{
    state().limit.setOrdered(std::numeric_limits<std::int64_t>::max());
    const auto lastTermId = static_cast<std::int32_t>(static_cast<std::uint32_t>(FakeDriver::INITIAL_TERM_ID) +
                                                    static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max()));
    LogBufferDescriptor::initialiseTails(state().log->metaDataBuffer(), FakeDriver::INITIAL_TERM_ID, lastTermId,
                                         FakeDriver::TERM_LENGTH);
    BlockBuilder block = builder();
    block.data(lastTermId + 1, 0, "x");
    EXPECT_EQ(publication->offerBlock(block.bytes().data(), block.length()), PublicationResult::MAX_POSITION_EXCEEDED);
}

TEST_F(ExclusivePublicationTest, shouldReturnClosedOnceClosed)
{
    BlockBuilder block = builder();
    block.data(FakeDriver::INITIAL_TERM_ID, 0, "x");
    publication->close();
    EXPECT_EQ(publication->offerBlock(block.bytes().data(), block.length()), PublicationResult::CLOSED);
}
