// Several recordings and replays at once, with the archive's conductor, recorder and replayer each on a thread
// of its own (DEDICATED) beside a SHARED media driver: four streams recorded while four replays run, two of
// them following their live recordings to the end and two bounded to what was recorded when they began.
// Every replayed message must be byte-identical to what was published, in order, with nothing missing.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "ArchiveTestSupport.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/MediaDriver.hpp"

using namespace cox;
using namespace cox::archive;
using codecs::archive::RecordingSignal;

namespace
{
constexpr int STREAMS = 4;
constexpr std::int32_t FIRST_STREAM_ID = 5100;
constexpr std::int32_t FIRST_REPLAY_STREAM_ID = 5200;
constexpr int BEFORE_REPLAY = 1500;
constexpr int AFTER_REPLAY = 1500;
const std::string CHANNEL = "aeron:ipc?term-length=64k";

/// Message `index` of stream `stream`: its length varies (16..527 bytes) and every byte depends on both.
std::vector<std::uint8_t> message(int stream, int index)
{
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(16 + (index * 37 + stream * 101) % 512));
    std::memcpy(bytes.data(), &index, sizeof(index));
    std::memcpy(bytes.data() + 4, &stream, sizeof(stream));
    for (std::size_t i = 8; i < bytes.size(); ++i)
    {
        bytes[i] = static_cast<std::uint8_t>((static_cast<std::size_t>(index) * 13 + i * 7 +
                                              static_cast<std::size_t>(stream) * 29) % 256);
    }
    return bytes;
}

struct Replay
{
    int stream;
    std::shared_ptr<transport::Subscription> subscription;
    int expected;
    int received = 0;
    int mismatched = 0;
};

class ArchiveConcurrentTest : public ::testing::Test, protected test::ArchiveHarness
{
protected:
    void SetUp() override
    {
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::SHARED;
        ArchiveContext context;
        context.threadingMode = ArchiveThreadingMode::DEDICATED;
        context.segmentFileLength = 64 * 1024;
        context.idleStrategy = "sleeping";
        launchHarness(driverContext, context, AeronArchiveContext{});
    }

    void TearDown() override { closeHarness(); }

    void poll(Replay& replay)
    {
        replay.subscription->poll(
            [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const transport::Header&)
            {
                const auto wanted = message(replay.stream, replay.received);
                if (static_cast<std::size_t>(length) != wanted.size() ||
                    std::memcmp(buffer.buffer() + offset, wanted.data(), wanted.size()) != 0)
                {
                    ++replay.mismatched;
                }
                ++replay.received;
            },
            64);
    }

    /// Publishes messages [from, to) on every stream, round robin, polling the replays as it goes.
    void publish(std::vector<std::shared_ptr<transport::ExclusivePublication>>& publications, int from, int to,
                 std::vector<Replay>& replays)
    {
        std::vector<int> next(STREAMS, from);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        bool done = false;
        while (!done)
        {
            ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "publishing stalled";
            done = true;
            for (int s = 0; s < STREAMS; ++s)
            {
                if (next[static_cast<std::size_t>(s)] < to)
                {
                    const auto bytes = message(s, next[static_cast<std::size_t>(s)]);
                    if (publications[static_cast<std::size_t>(s)]->offer(bytes.data(),
                                                                         static_cast<std::int32_t>(bytes.size())) > 0)
                    {
                        ++next[static_cast<std::size_t>(s)];
                    }
                    done = done && next[static_cast<std::size_t>(s)] == to;
                }
            }
            for (Replay& replay : replays)
            {
                poll(replay);
            }
            if (!done)
            {
                std::this_thread::yield();
            }
        }
    }

};
} // namespace

TEST_F(ArchiveConcurrentTest, shouldRecordFourStreamsWhileFourReplaysRunByteIdentical)
{
    std::vector<std::shared_ptr<transport::ExclusivePublication>> publications;
    std::vector<std::int64_t> recordingIds;
    for (int s = 0; s < STREAMS; ++s)
    {
        publications.push_back(m_client->addRecordedExclusivePublication(CHANNEL, FIRST_STREAM_ID + s));
        const std::int32_t sessionId = publications.back()->sessionId();
        std::int64_t recordingId = NULL_VALUE;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (recordingId == NULL_VALUE && std::chrono::steady_clock::now() < deadline)
        {
            recordingId = m_client->findLastMatchingRecording(0, "aeron:ipc", FIRST_STREAM_ID + s, sessionId);
        }
        ASSERT_NE(recordingId, NULL_VALUE) << "stream " << s << " is recorded";
        recordingIds.push_back(recordingId);
    }

    std::vector<Replay> replays;
    publish(publications, 0, BEFORE_REPLAY, replays);
    ASSERT_FALSE(HasFailure());

    // Streams 0 and 1 are replayed following the live recording; 2 and 3 up to what is recorded now.
    for (int s = 0; s < STREAMS; ++s)
    {
        const bool follow = s < 2;
        std::int64_t length = NULL_LENGTH;
        if (!follow)
        {
            const std::int64_t end = publications[static_cast<std::size_t>(s)]->position();
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (m_client->getRecordingPosition(recordingIds[static_cast<std::size_t>(s)]) < end &&
                   std::chrono::steady_clock::now() < deadline)
            {
                std::this_thread::yield();
            }
            length = end;
        }
        replays.push_back({s,
                           m_client->replay(recordingIds[static_cast<std::size_t>(s)], 0, length, "aeron:ipc",
                                            FIRST_REPLAY_STREAM_ID + s),
                           follow ? BEFORE_REPLAY + AFTER_REPLAY : BEFORE_REPLAY});
    }
    publish(publications, BEFORE_REPLAY, BEFORE_REPLAY + AFTER_REPLAY, replays);
    ASSERT_FALSE(HasFailure());

    std::vector<std::int64_t> ends;
    for (auto& publication : publications)
    {
        ends.push_back(publication->position());
        publication->close();
    }
    for (int s = 0; s < STREAMS; ++s)
    {
        std::int64_t stop = NULL_POSITION;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while ((stop = m_client->getStopPosition(recordingIds[static_cast<std::size_t>(s)])) == NULL_POSITION &&
               std::chrono::steady_clock::now() < deadline)
        {
            for (Replay& replay : replays)
            {
                poll(replay);
            }
        }
        EXPECT_EQ(stop, ends[static_cast<std::size_t>(s)]) << "stream " << s;
    }

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool complete = false;
    while (!complete && std::chrono::steady_clock::now() < deadline)
    {
        complete = true;
        for (Replay& replay : replays)
        {
            poll(replay);
            complete = complete && replay.received >= replay.expected;
        }
        std::this_thread::yield();
    }
    // A moment more: a replay that sent too much would show it now.
    for (int i = 0; i < 100; ++i)
    {
        for (Replay& replay : replays)
        {
            poll(replay);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (const Replay& replay : replays)
    {
        EXPECT_EQ(replay.received, replay.expected) << "replay of stream " << replay.stream;
        EXPECT_EQ(replay.mismatched, 0) << "replay of stream " << replay.stream;
    }
}
