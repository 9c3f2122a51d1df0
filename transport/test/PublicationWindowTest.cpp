// pub-wnd bounds how far a publication runs ahead of its slowest subscriber; without it the window is half a term.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "DriverTestSupport.hpp"
#include "cox/transport/ExclusivePublication.hpp"

namespace
{
using namespace cox::transport;
using namespace cox::transport::test;

constexpr std::int32_t STREAM_ID = 4321;
constexpr std::int32_t MESSAGE_LENGTH = 992; // 1 KiB frames

/// Offers until back-pressured (nobody polls); returns how many bytes the publication took.
std::int64_t fillWindow(InvokerDriverFixture& fixture, ExclusivePublication& publication)
{
    std::vector<std::uint8_t> message(MESSAGE_LENGTH, 7);
    const std::int64_t start = publication.position();
    for (int attempts = 0; attempts < 10'000; ++attempts)
    {
        fixture.pump();
        if (publication.offer(message.data(), MESSAGE_LENGTH) == PublicationResult::BACK_PRESSURED)
        {
            fixture.pump();
            if (publication.offer(message.data(), MESSAGE_LENGTH) == PublicationResult::BACK_PRESSURED)
            {
                break;
            }
        }
    }
    return publication.position() - start;
}
} // namespace

TEST(PublicationWindowTest, shouldLimitAnIpcPublicationToItsPubWnd)
{
    InvokerDriverFixture fixture;
    auto subscription = fixture.aeron->addSubscription("aeron:ipc", STREAM_ID);
    auto publication = fixture.aeron->addExclusivePublication("aeron:ipc?term-length=1m|pub-wnd=64k", STREAM_ID);
    ASSERT_TRUE(fixture.pumpUntil([&] { return publication->isConnected(); }));
    EXPECT_EQ(fillWindow(fixture, *publication), 64 * 1024);
}

TEST(PublicationWindowTest, shouldDefaultToHalfATermAndNeverExceedIt)
{
    InvokerDriverFixture fixture;
    auto subscription = fixture.aeron->addSubscription("aeron:ipc", STREAM_ID);
    auto halfTerm = fixture.aeron->addExclusivePublication("aeron:ipc?term-length=256k", STREAM_ID);
    auto tooLarge = fixture.aeron->addExclusivePublication("aeron:ipc?term-length=256k|pub-wnd=1m", STREAM_ID + 1);
    auto other = fixture.aeron->addSubscription("aeron:ipc", STREAM_ID + 1);
    ASSERT_TRUE(fixture.pumpUntil([&] { return halfTerm->isConnected() && tooLarge->isConnected(); }));
    EXPECT_EQ(fillWindow(fixture, *halfTerm), 128 * 1024);
    EXPECT_EQ(fillWindow(fixture, *tooLarge), 128 * 1024);
}

TEST(PublicationWindowTest, shouldRefuseAWindowSmallerThanTheMtu)
{
    InvokerDriverFixture fixture;
    try
    {
        (void)fixture.aeron->addExclusivePublication("aeron:ipc?mtu=1408|pub-wnd=1k", STREAM_ID);
        FAIL() << "expected the driver to refuse the publication";
    }
    catch (const std::exception& e)
    {
        EXPECT_NE(std::string(e.what()).find("pub-wnd=1024 is less than the mtu 1408"), std::string::npos)
            << e.what();
    }
}
