// kill -9 in the middle of a recording: a forked child runs a media driver, an archive and a publisher (all
// INVOKER mode, one thread, started after the fork) and reports its recorded position through a pipe; the
// parent kills it with SIGKILL while it is still publishing, launches an archive on the same directory, and
// checks the recovered recording frame by frame against the deterministic pattern the child wrote.
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>

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
constexpr std::int32_t STREAM_ID = 4711;
const std::string CHANNEL = "aeron:ipc?term-length=64k";
constexpr std::int32_t SEGMENT_LENGTH = 64 * 1024;
/// 32-byte header + 224 = 256: frames tile each 64 KiB term exactly, so message i sits at position i * 256.
constexpr std::int32_t PAYLOAD_LENGTH = 224;
constexpr std::int32_t FRAME_LENGTH = 256;
/// The child is killed once it has recorded this much (several segments), while still publishing.
constexpr std::int64_t KILL_AFTER = 6 * SEGMENT_LENGTH + 40 * FRAME_LENGTH;

std::uint8_t patternByte(std::int64_t message, std::int32_t i)
{
    return static_cast<std::uint8_t>((message * 31 + i * 7) % 253 + 1);
}

void fillMessage(std::uint8_t* message, std::int64_t index)
{
    std::memcpy(message, &index, sizeof(index));
    for (std::int32_t i = static_cast<std::int32_t>(sizeof(index)); i < PAYLOAD_LENGTH; ++i)
    {
        message[i] = patternByte(index, i);
    }
}

void writeAll(int fd, const void* data, std::size_t length)
{
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    while (length > 0)
    {
        const ssize_t n = ::write(fd, bytes, length);
        if (n <= 0)
        {
            ::_exit(3);
        }
        bytes += n;
        length -= static_cast<std::size_t>(n);
    }
}

/// The child: records and publishes until killed, writing its recording id and then every new recorded
/// position to the pipe. Never returns.
[[noreturn]] void runRecordingChild(const std::string& archiveDir, const std::string& aeronDir, FileSyncLevel level,
                                    int out)
{
    try
    {
        transport::MediaDriverContext driverContext;
        driverContext.threadingMode = transport::ThreadingMode::INVOKER;
        driverContext.aeronDirectoryName = aeronDir;
        auto driver = transport::MediaDriver::launch(driverContext);
        ArchiveContext context;
        context.archiveDir = archiveDir;
        context.aeronDirectoryName = aeronDir;
        context.threadingMode = ArchiveThreadingMode::INVOKER;
        context.segmentFileLength = SEGMENT_LENGTH;
        context.fileSyncLevel = level;
        context.catalogFileSyncLevel = level;
        context.driverInvoker = [&driver] { return driver->doWork(); };
        auto archive = Archive::launch(context);
        transport::AeronContext aeronContext;
        aeronContext.aeronDirectoryName = aeronDir;
        aeronContext.useConductorAgentInvoker = true;
        aeronContext.driverInvoker = [&] { return driver->doWork() + archive->doWork(); };
        auto aeron = transport::Aeron::connect(aeronContext);
        std::int64_t recordingId = NULL_VALUE;
        AeronArchiveContext clientContext;
        clientContext.aeron = aeron;
        clientContext.recordingSignalConsumer =
            [&](std::int64_t, std::int64_t, std::int64_t id, std::int64_t, std::int64_t, RecordingSignal signal)
        {
            if (signal == RecordingSignal::START)
            {
                recordingId = id;
            }
        };
        auto client = AeronArchive::connect(clientContext);
        auto publication = client->addRecordedExclusivePublication(CHANNEL, STREAM_ID);
        auto pump = [&] { driver->doWork(); archive->doWork(); aeron->conductorAgentInvoker().invoke(); };
        while (recordingId == NULL_VALUE)
        {
            pump();
            client->pollForRecordingSignals();
        }
        writeAll(out, &recordingId, sizeof(recordingId));

        std::uint8_t message[PAYLOAD_LENGTH];
        std::int64_t next = 0;
        std::int64_t reported = 0;
        for (;;)
        {
            fillMessage(message, next);
            if (publication->offer(message, PAYLOAD_LENGTH) > 0)
            {
                ++next;
            }
            pump();
            if ((next & 63) == 0)
            {
                const std::int64_t recorded = client->getRecordingPosition(recordingId);
                if (recorded > reported)
                {
                    reported = recorded;
                    writeAll(out, &reported, sizeof(reported));
                }
            }
        }
    }
    catch (...)
    {
        ::_exit(2);
    }
}

/// Reads exactly one int64 from fd within the timeout; false on timeout or end of stream.
bool readInt64(int fd, std::int64_t& value, int timeoutMs)
{
    std::size_t done = 0;
    auto* bytes = reinterpret_cast<std::uint8_t*>(&value);
    while (done < sizeof(value))
    {
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, timeoutMs) <= 0)
        {
            return false;
        }
        const ssize_t n = ::read(fd, bytes + done, sizeof(value) - done);
        if (n <= 0)
        {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

class ArchiveCrashTest : public ::testing::TestWithParam<FileSyncLevel>
{
protected:
    /// Forks the child, waits until it has recorded KILL_AFTER bytes, kills it; returns the last position it
    /// reported (recorded, so on disk at the level) and sets m_recordingId.
    std::int64_t recordAndKill(const std::string& aeronDir)
    {
        int fds[2];
        if (::pipe(fds) != 0)
        {
            ADD_FAILURE() << "pipe failed";
            return NULL_POSITION;
        }
        const pid_t child = ::fork();
        if (child == 0)
        {
            ::close(fds[0]);
            runRecordingChild(m_dir.path() + "/archive", aeronDir, GetParam(), fds[1]);
        }
        ::close(fds[1]);
        std::int64_t reported = NULL_POSITION;
        bool ok = readInt64(fds[0], m_recordingId, 30'000);
        while (ok && reported < KILL_AFTER)
        {
            ok = readInt64(fds[0], reported, 30'000);
        }
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        ::close(fds[0]);
        EXPECT_TRUE(ok) << "the child stopped reporting before recording " << KILL_AFTER << " bytes";
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
        return reported;
    }

    test::TempDirectory m_dir;
    std::int64_t m_recordingId = NULL_VALUE;
};

TEST_P(ArchiveCrashTest, shouldRecoverEveryWholeFrameUpToTheStopPositionAfterKill9)
{
    const std::string aeronDir = m_dir.path() + "/aeron-child";
    const std::int64_t reported = recordAndKill(aeronDir);
    ASSERT_GE(reported, KILL_AFTER);

    transport::MediaDriverContext driverContext;
    driverContext.threadingMode = transport::ThreadingMode::INVOKER;
    driverContext.aeronDirectoryName = m_dir.path() + "/aeron-parent";
    auto driver = transport::MediaDriver::launch(driverContext);
    ArchiveContext context;
    context.archiveDir = m_dir.path() + "/archive";
    context.aeronDirectoryName = driver->aeronDirectoryName();
    context.threadingMode = ArchiveThreadingMode::INVOKER;
    context.segmentFileLength = SEGMENT_LENGTH;
    context.fileSyncLevel = GetParam();
    context.catalogFileSyncLevel = GetParam();
    context.driverInvoker = [&driver] { return driver->doWork(); };
    auto archive = Archive::launch(context);
    transport::AeronContext aeronContext;
    aeronContext.aeronDirectoryName = driver->aeronDirectoryName();
    aeronContext.useConductorAgentInvoker = true;
    aeronContext.driverInvoker = [&] { return driver->doWork() + archive->doWork(); };
    auto aeron = transport::Aeron::connect(aeronContext);
    AeronArchiveContext clientContext;
    clientContext.aeron = aeron;
    auto client = AeronArchive::connect(clientContext);

    const std::int64_t stop = client->getStopPosition(m_recordingId);
    EXPECT_EQ(client->getRecordingPosition(m_recordingId), NULL_POSITION) << "no longer active after restart";
    ASSERT_GE(stop, reported) << "a position the archive reported as recorded was lost";
    ASSERT_EQ(stop % FRAME_LENGTH, 0) << "the stop is the end of the last whole frame";

    // Every byte below the stop is what the child published, frame by frame, straight from the segment files.
    std::vector<std::uint8_t> segment;
    std::int64_t segmentBase = -1;
    for (std::int64_t position = 0; position < stop; position += FRAME_LENGTH)
    {
        const std::int64_t base = position - position % SEGMENT_LENGTH;
        if (base != segmentBase)
        {
            segment = test::readBytes(context.archiveDir + "/" + std::to_string(m_recordingId) + "-" +
                                      std::to_string(base) + ".rec");
            segmentBase = base;
            ASSERT_EQ(segment.size(), static_cast<std::size_t>(SEGMENT_LENGTH)) << "segment at " << base;
        }
        const std::uint8_t* frame = segment.data() + (position - base);
        std::int32_t frameLength = 0;
        std::memcpy(&frameLength, frame, sizeof(frameLength));
        ASSERT_EQ(frameLength, 32 + PAYLOAD_LENGTH) << "frame at " << position;
        std::int64_t index = -1;
        std::memcpy(&index, frame + 32, sizeof(index));
        ASSERT_EQ(index, position / FRAME_LENGTH) << "message number at " << position;
        for (std::int32_t i = static_cast<std::int32_t>(sizeof(index)); i < PAYLOAD_LENGTH; ++i)
        {
            ASSERT_EQ(frame[32 + i], patternByte(index, i)) << "payload byte " << i << " of message " << index;
        }
    }
    // Nothing past the stop is claimed: a frame there, if any bytes of one survived, was not whole.
    const std::int64_t stopBase = stop - stop % SEGMENT_LENGTH;
    const auto tail = test::readBytes(context.archiveDir + "/" + std::to_string(m_recordingId) + "-" +
                                      std::to_string(stopBase) + ".rec");
    if (!tail.empty() && stop - stopBase < static_cast<std::int64_t>(tail.size()))
    {
        std::int32_t nextLength = 0;
        std::memcpy(&nextLength, tail.data() + (stop - stopBase), sizeof(nextLength));
        EXPECT_EQ(nextLength, 0) << "recovery leaves no frame header at the stop position";
    }

    // And the archive replays exactly those messages.
    auto replay = client->replay(m_recordingId, 0, NULL_LENGTH, "aeron:ipc", 9001);
    std::int64_t received = 0;
    std::int64_t bad = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (received < stop / FRAME_LENGTH && std::chrono::steady_clock::now() < deadline)
    {
        driver->doWork();
        archive->doWork();
        aeron->conductorAgentInvoker().invoke();
        replay->poll(
            [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length, const transport::Header&)
            {
                std::int64_t index = -1;
                std::memcpy(&index, buffer.buffer() + offset, sizeof(index));
                bad += (length != PAYLOAD_LENGTH || index != received) ? 1 : 0;
                ++received;
            },
            64);
    }
    EXPECT_EQ(received, stop / FRAME_LENGTH);
    EXPECT_EQ(bad, 0);
    client.reset();
    aeron->close();
}

INSTANTIATE_TEST_SUITE_P(SyncLevels, ArchiveCrashTest, ::testing::Values(FileSyncLevel::NONE, FileSyncLevel::DATA),
                         [](const ::testing::TestParamInfo<FileSyncLevel>& param)
                         { return param.param == FileSyncLevel::NONE ? std::string("level0") : std::string("level1"); });
} // namespace
