// `cox-bench archive-replay`: how fast an Archive replays a whole recording to an IPC subscription,
// beside reading the same segment files sequentially with read() in the same run.
//
// Stack as in archive-record: a media driver in invoker mode run by the archive's duty cycle, the archive's
// agents on one thread (SHARED) or a thread each (--threading dedicated), and the calling thread as the
// client. First, untimed, the calling thread publishes --messages messages (each carrying its index) on an
// exclusive IPC publication recorded LOCAL and stops the recording once all of it is recorded. Then:
//
// - baseline: read() of every segment file of the recording from start to the recorded end, in blocks of
//   the archive's fileIoMaxLength (1 MiB), into one buffer;
// - ours: replay of the whole recording (bounded by its stop position) to an IPC subscription polled by
//   the calling thread, which checks that every message arrives once and in order. Timed from the replay
//   request to the last message, so the control round trip and the replay publication's set-up count;
//   the request-to-first-message time is reported on its own.
//
// Both read what the recording just wrote, so both come from the page cache. MB are 10^6 bytes of the
// stream, frame headers included; payload MB/s is reported too.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "BenchCommand.hpp"
#include "ArchiveBenchSupport.hpp"
#include "BenchSupport.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/archive/RecordingPos.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/Header.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/transport/Subscription.hpp"

namespace
{
using namespace cox;
using bench::ArchiveStack;
using bench::ArchiveStackConfig;
using bench::Rates;
using bench::benchNanoTime;
using bench::throwIo;
using bench::WorkDirectory;

constexpr std::int32_t RECORDED_STREAM_ID = 1201;
constexpr std::int32_t REPLAY_STREAM_ID = 1202;
constexpr std::int32_t HEADER_LENGTH = 32;
constexpr std::int64_t CLIENT_WORK_INTERVAL = 1024;
constexpr std::int64_t SETUP_TIMEOUT_NS = 20'000'000'000;
/// Replay and recording must make progress at least this often, or the run fails instead of hanging.
constexpr std::int64_t STALL_TIMEOUT_NS = 20'000'000'000;

struct ReplayConfig
{
    std::int32_t size = 32;
    std::int64_t messages = 0;
    std::int32_t termLength = 0;
    std::int32_t segmentLength = 0;
    std::int32_t fragmentLimit = 0;
    std::int32_t readLength = 0;
    std::string threading;
    std::string idle;
    std::string parentDir;

    [[nodiscard]] std::string channel() const { return "aeron:ipc?term-length=" + std::to_string(termLength); }
};

/// What the untimed recording left behind.
struct Recording
{
    std::int64_t recordingId = -1;
    std::int64_t stopPosition = 0;
};

/// Throws IllegalStateException naming what when nothing has moved for STALL_TIMEOUT_NS.
class StallGuard
{
public:
    explicit StallGuard(const char* what) : m_what(what), m_lastProgressNs(benchNanoTime()) {}

    void check(std::int64_t progress, std::int64_t nowNs)
    {
        if (progress != m_lastProgress)
        {
            m_lastProgress = progress;
            m_lastProgressNs = nowNs;
        }
        else if (nowNs - m_lastProgressNs > STALL_TIMEOUT_NS)
        {
            throw util::IllegalStateException(std::string(m_what) + " stalled (the archive's errors go to stderr)");
        }
    }

private:
    const char* m_what;
    std::int64_t m_lastProgress = -1;
    std::int64_t m_lastProgressNs;
};

/// Publishes config.messages messages (index in the first 8 bytes) on a recorded publication, waits for
/// all of them to be recorded and stops the recording.
Recording recordMessages(const ReplayConfig& config, ArchiveStack& stack)
{
    auto publication = stack.client().addRecordedExclusivePublication(config.channel(), RECORDED_STREAM_ID);
    const util::CountersReader& counters = stack.counters();
    std::int32_t counterId = archive::RecordingPos::NULL_COUNTER_ID;
    const std::int64_t setupDeadlineNs = benchNanoTime() + SETUP_TIMEOUT_NS;
    while (counterId == archive::RecordingPos::NULL_COUNTER_ID || !publication->isConnected())
    {
        if (benchNanoTime() > setupDeadlineNs)
        {
            throw util::IllegalStateException("the archive did not start recording the publication");
        }
        stack.clientWork();
        std::this_thread::yield();
        counterId = archive::RecordingPos::findCounterIdBySession(counters, publication->sessionId());
    }
    Recording recording;
    recording.recordingId = archive::RecordingPos::getRecordingId(counters, counterId);

    std::vector<std::uint8_t> message(static_cast<std::size_t>(config.size), 0);
    StallGuard guard("the recording");
    std::int64_t attempts = 0;
    for (std::int64_t index = 0; index < config.messages;)
    {
        std::memcpy(message.data(), &index, sizeof(index));
        const std::int64_t result = publication->offer(message.data(), config.size);
        if (result > 0)
        {
            ++index;
        }
        else if (result != transport::PublicationResult::BACK_PRESSURED &&
                 result != transport::PublicationResult::ADMIN_ACTION)
        {
            throw util::IllegalStateException(std::string("offer failed: ") +
                                              transport::PublicationResult::name(result));
        }
        else
        {
            std::this_thread::yield();
        }
        if (++attempts % CLIENT_WORK_INTERVAL == 0)
        {
            stack.clientWork();
            guard.check(counters.getCounterValue(counterId), benchNanoTime());
        }
    }
    recording.stopPosition = publication->position();
    while (counters.getCounterValue(counterId) < recording.stopPosition)
    {
        stack.clientWork();
        guard.check(counters.getCounterValue(counterId), benchNanoTime());
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    stack.client().stopRecording(*publication);
    publication->close();
    while (stack.client().getStopPosition(recording.recordingId) != recording.stopPosition)
    {
        guard.check(0, benchNanoTime());
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return recording;
}


/// read() of the recording's segment files in order, each up to the recorded end.
Rates readSegments(const ReplayConfig& config, const std::string& dir, const Recording& recording,
                   std::int64_t& segmentFiles)
{
    std::vector<std::uint8_t> buffer(static_cast<std::size_t>(config.readLength));
    Rates rates;
    rates.payloadLength = config.size;
    rates.messages = config.messages;
    const std::int64_t startNs = benchNanoTime();
    const std::vector<std::int64_t> bases = archive::SegmentFile::listBases(dir, recording.recordingId);
    for (const std::int64_t base : bases)
    {
        const std::string path = dir + "/" + archive::SegmentFile::fileName(recording.recordingId, base);
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
        {
            throwIo("open " + path, errno);
        }
        // Segments are pre-sized: past the recorded end they hold only a sparse hole.
        std::int64_t remaining = std::min<std::int64_t>(recording.stopPosition - base, config.segmentLength);
        while (remaining > 0)
        {
            const auto length = static_cast<std::size_t>(std::min<std::int64_t>(remaining, config.readLength));
            const ssize_t n = ::read(fd, buffer.data(), length);
            if (n < 0 && errno == EINTR)
            {
                continue;
            }
            if (n <= 0)
            {
                const int savedErrno = n < 0 ? errno : EIO;
                ::close(fd);
                throwIo("read " + path, savedErrno);
            }
            remaining -= n;
            rates.bytes += n;
        }
        ::close(fd);
    }
    rates.elapsedSec = static_cast<double>(benchNanoTime() - startNs) / 1e9;
    segmentFiles = static_cast<std::int64_t>(bases.size());
    return rates;
}

struct ReplayResult
{
    Rates rates;
    double firstMessageMs = 0;
    std::int64_t sequenceErrors = 0;
};

/// Replays the whole recording to an IPC subscription and takes every message, checking their order.
ReplayResult replay(const ReplayConfig& config, ArchiveStack& stack, const Recording& recording)
{
    ReplayResult result;
    std::int64_t received = 0;
    std::int64_t expected = 0;
    std::int64_t firstMessageNs = 0;
    auto onMessage = [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t length,
                         const transport::Header&)
    {
        std::int64_t index = -1;
        if (length >= static_cast<std::int32_t>(sizeof(index)))
        {
            std::memcpy(&index, buffer.buffer() + offset, sizeof(index));
        }
        result.sequenceErrors += index != expected ? 1 : 0;
        expected = index + 1;
        ++received;
    };

    const std::int64_t startNs = benchNanoTime();
    auto subscription =
        stack.client().replay(recording.recordingId, 0, recording.stopPosition, "aeron:ipc", REPLAY_STREAM_ID);
    StallGuard guard("the replay");
    std::int64_t idlePolls = 0;
    while (received < config.messages)
    {
        const int fragments = subscription->poll(onMessage, config.fragmentLimit);
        if (firstMessageNs == 0 && received > 0)
        {
            firstMessageNs = benchNanoTime();
        }
        if (fragments == 0)
        {
            // Two cores for two busy threads: an empty poll gives the replayer its turn.
            std::this_thread::yield();
            if (++idlePolls % CLIENT_WORK_INTERVAL == 0)
            {
                stack.clientWork();
                guard.check(received, benchNanoTime());
            }
        }
    }
    const std::int64_t endNs = benchNanoTime();
    subscription->close();

    result.rates.payloadLength = config.size;
    result.rates.elapsedSec = static_cast<double>(endNs - startNs) / 1e9;
    result.rates.bytes = recording.stopPosition;
    result.rates.messages = received;
    result.firstMessageMs = static_cast<double>(firstMessageNs - startNs) / 1e6;
    return result;
}

void report(const ReplayConfig& config, const std::string& dir, const Recording& recording,
            std::int64_t segmentFiles, const ReplayResult& ours, const Rates& read)
{
    std::printf("archive-replay: size=%d messages=%lld threading=%s idle=%s term-length=%d segment-length=%d dir=%s\n"
                "  (MB = 10^6 bytes of stream, frame headers included; %.1f MB recorded in %lld segment files)\n",
                config.size, static_cast<long long>(config.messages), config.threading.c_str(), config.idle.c_str(),
                config.termLength, config.segmentLength, dir.c_str(),
                static_cast<double>(recording.stopPosition) / 1e6, static_cast<long long>(segmentFiles));
    ours.rates.print("replay");
    std::printf("  %-12s first message %.3f ms after the request; sequence errors %lld\n", "", ours.firstMessageMs,
                static_cast<long long>(ours.sequenceErrors));
    read.print("read()");
    std::printf("ratio (replay / read of the segment files): %.3f\n",
                bench::ratio(ours.rates.mbPerSec(), read.mbPerSec()));

    bench::JsonLine json;
    json.add("benchmark", "archive-replay")
        .add("size", static_cast<std::int64_t>(config.size))
        .add("messages", config.messages)
        .add("threading", config.threading)
        .add("idle", config.idle)
        .add("term_length", static_cast<std::int64_t>(config.termLength))
        .add("segment_length", static_cast<std::int64_t>(config.segmentLength))
        .add("fragment_limit", static_cast<std::int64_t>(config.fragmentLimit))
        .add("read_length", static_cast<std::int64_t>(config.readLength))
        .add("recorded_bytes", recording.stopPosition)
        .add("segment_files", segmentFiles)
        .add("dir", config.parentDir);
    ours.rates.addTo(json, "");
    json.add("first_message_ms", ours.firstMessageMs)
        .add("sequence_errors", ours.sequenceErrors)
        .add("baseline", "read");
    read.addTo(json, "baseline_");
    json.add("msgs_per_sec_ratio", bench::ratio(ours.rates.msgsPerSec(), read.msgsPerSec()))
        .add("mb_per_sec_ratio", bench::ratio(ours.rates.mbPerSec(), read.mbPerSec()));
    json.print();
}

std::string defaultParentDir()
{
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

int runReplay(const std::vector<std::string>& args)
{
    const archive::ArchiveContext archiveDefaults;
    const transport::MediaDriverContext driverDefaults;
    bench::BenchArgs options("archive-replay");
    options.option("size", "32", "message length in bytes (32 | 1024; any of 8.." +
                                     std::to_string(bench::MAX_BENCH_MESSAGE_LENGTH) + ")")
        .option("messages", "2000000", "messages recorded (untimed) and then replayed")
        .option("dir", defaultParentDir(), "where the run's directory (the archive) goes")
        .option("threading", "shared", "archive agents: shared (one thread) | dedicated (a thread each)")
        .option("idle", "backoff", "archive idle strategy: busy-spin | yielding | sleeping | backoff")
        .option("term-length", std::to_string(driverDefaults.ipcTermBufferLength), "term length of the stream")
        .option("segment-length", std::to_string(archiveDefaults.segmentFileLength), "archive segment file length")
        .option("fragment-limit", "256", "fragments per subscription poll");
    return bench::runBenchmark(
        options,
        [&]
        {
            options.parse(args);
            ReplayConfig config;
            config.size = static_cast<std::int32_t>(options.integer("size", 8, bench::MAX_BENCH_MESSAGE_LENGTH));
            config.messages = options.integer("messages", 1, 1'000'000'000);
            config.parentDir = options.text("dir");
            config.threading = options.choice("threading", {"shared", "dedicated"});
            config.idle = options.choice("idle", {"busy-spin", "yielding", "sleeping", "backoff"});
            config.termLength = static_cast<std::int32_t>(options.integer("term-length", 64 * 1024, 1 << 30));
            config.segmentLength = static_cast<std::int32_t>(options.integer("segment-length", 64 * 1024, 1 << 30));
            if (!util::isPowerOfTwo(config.termLength) || !util::isPowerOfTwo(config.segmentLength) ||
                config.segmentLength < config.termLength)
            {
                throw util::IllegalArgumentException(
                    "--term-length and --segment-length must be powers of two, the segment at least a term");
            }
            config.fragmentLimit = static_cast<std::int32_t>(options.integer("fragment-limit", 1, 1'000'000));
            config.readLength = archiveDefaults.fileIoMaxLength;

            const WorkDirectory dir(config.parentDir);
            ArchiveStack stack(ArchiveStackConfig{config.threading, config.idle, config.segmentLength,
                                                  archive::FileSyncLevel::NONE},
                               dir.path());
            const Recording recording = recordMessages(config, stack);
            std::int64_t segmentFiles = 0;
            const Rates read = readSegments(config, dir.path(), recording, segmentFiles);
            const ReplayResult ours = replay(config, stack, recording);
            report(config, dir.path(), recording, segmentFiles, ours, read);
            if (ours.sequenceErrors != 0)
            {
                std::fprintf(stderr, "error: the replay delivered %lld messages out of order\n",
                             static_cast<long long>(ours.sequenceErrors));
                return 1;
            }
            return 0;
        });
}

const bench::BenchRegistration registration(
    "archive-replay",
    "msgs/s and MB/s of replaying a whole recording to an IPC subscription vs read() of its segment files; "
    "--size 32|1024 --messages N",
    runReplay);
} // namespace
