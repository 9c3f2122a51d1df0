// `cox-bench archive-record`: how fast an Archive records a local IPC stream, beside what the same
// directory takes from a raw sequential write() loop in the same run.
//
// Stack: one media driver in invoker mode, driven from the archive's own duty cycle
// (ArchiveContext::driverInvoker), so that there are only two busy threads for the two cores: the
// archive's (SHARED, the default: conductor, recorder and replayer on one thread; --threading dedicated
// gives each its own) and the calling thread, which publishes as fast as the recorder lets it on an
// exclusive IPC publication recorded LOCAL (AeronArchive::addRecordedExclusivePublication). With a
// term window of half a term the publisher is back-pressured by the recorder, so the recorded rate is
// the archive's rate whenever the back-pressure count is not zero.
//
// Figures: bytes per second by which the recording's RecordingPos counter (read through the client's
// countersReader()) moved over the measured interval, after a warm-up. MB are 10^6 bytes of the stream,
// frame headers included, since those are the bytes that go to disk; payload MB/s is reported too.
// Messages per second are the whole messages below the recorded position (every frame is one message
// here). The process's write syscalls over the interval (/proc/self/io) give the recorder's mean write.
//
// Baselines, run first in the same directory with the same frames as the stream: raw sequential
// write() of blocks as large as the recorder's largest (min(the archive's fileIoMaxLength of 1 MiB,
// the term length): a recorder that keeps up with nothing to spare gets whole blocks of that size)
// into files rolled at the archive's segment length; for --sync 1 also write + fdatasync per block.
// Every phase runs for --seconds or until it has written --max-mb, whichever comes first, so that the
// page cache and writeback see the same volume in each.
//
// Priming (--prime on, the default): right before each measured phase an untimed write of --max-mb into
// the directory, deleted at once. On a virtual machine whose balloon driver reports free pages back to
// the host (virtio free page reporting, about 2 s after they are freed), the first write into page
// cache after a pause runs at the speed of the host's page faults, up to ten times slower than the
// next one; whichever phase ran first would be measured on that slow path. Priming puts every phase on
// recently freed, still-backed pages.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
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
#include "cox/codecs/frames/DataHeaderFlyweight.hpp"
#include "cox/transport/ExclusivePublication.hpp"
#include "cox/transport/PublicationResult.hpp"

namespace
{
using namespace cox;
using bench::ArchiveStack;
using bench::ArchiveStackConfig;
using bench::Rates;
using bench::benchNanoTime;
using bench::throwIo;
using bench::WorkDirectory;

constexpr std::int32_t STREAM_ID = 1101;
constexpr std::int32_t HEADER_LENGTH = 32;
constexpr std::int32_t FRAME_ALIGNMENT = 32;
/// Offers between clock reads and counter samples.
constexpr int BURST = 64;
constexpr std::int64_t CLIENT_WORK_INTERVAL_NS = 1'000'000;
constexpr std::int64_t SETUP_TIMEOUT_NS = 20'000'000'000;
/// The recording must move at least once in this long, or the run fails instead of hanging.
constexpr std::int64_t STALL_TIMEOUT_NS = 20'000'000'000;
constexpr double LEVEL_0_TARGET_RATIO = 0.5;

struct RecordConfig
{
    std::int32_t size = 32;
    std::int32_t syncLevel = 0;
    double seconds = 5;
    double warmupSeconds = 1;
    std::int64_t maxBytes = 0;
    std::int32_t termLength = 0;
    std::int32_t publicationWindow = 0;
    std::int32_t segmentLength = 0;
    std::int32_t blockLength = 0;
    std::string threading;
    std::string idle;
    std::string parentDir;
    std::string publisher;
    bool prime = true;

    [[nodiscard]] std::int32_t alignedFrameLength() const { return util::align(HEADER_LENGTH + size, FRAME_ALIGNMENT); }
    [[nodiscard]] std::string channel() const
    {
        return "aeron:ipc?term-length=" + std::to_string(termLength) +
            (publicationWindow > 0 ? "|pub-wnd=" + std::to_string(publicationWindow) : std::string());
    }
};



/// The process's write syscalls and bytes so far (/proc/self/io: every thread, pwrite included); -1
/// where the kernel does not offer them.
struct IoCounters
{
    std::int64_t writeCalls = -1;
    std::int64_t writtenBytes = -1;

    static IoCounters read()
    {
        IoCounters counters;
        std::ifstream in("/proc/self/io");
        std::string key;
        std::int64_t value = 0;
        while (in >> key >> value)
        {
            if (key == "syscw:")
            {
                counters.writeCalls = value;
            }
            else if (key == "wchar:")
            {
                counters.writtenBytes = value;
            }
        }
        return counters;
    }
};

/// Whole messages of one aligned frame length below position in a stream starting at 0: each term
/// holds floor(term / frame) of them and ends in padding.
std::int64_t messagesBelow(std::int64_t position, std::int32_t termLength, std::int32_t alignedFrameLength)
{
    const std::int64_t perTerm = termLength / alignedFrameLength;
    const std::int64_t inTerm = std::min<std::int64_t>((position % termLength) / alignedFrameLength, perTerm);
    return (position / termLength) * perTerm + inTerm;
}

/// blockLength bytes of DATA frames as a publication lays them out, the rest of the block padding.
std::vector<std::uint8_t> frameBlock(const RecordConfig& config)
{
    using codecs::frames::HeaderFlyweight;
    std::vector<std::uint8_t> block(static_cast<std::size_t>(config.blockLength), 0);
    const std::int32_t aligned = config.alignedFrameLength();
    std::int32_t offset = 0;
    for (std::int64_t sequence = 0; offset + aligned <= config.blockLength; ++sequence, offset += aligned)
    {
        const std::int32_t frameLength = HEADER_LENGTH + config.size;
        const std::uint16_t type = HeaderFlyweight::HDR_TYPE_DATA;
        std::uint8_t* frame = block.data() + offset;
        std::memcpy(frame + HeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET, &frameLength, sizeof(frameLength));
        std::memcpy(frame + HeaderFlyweight::TYPE_FIELD_OFFSET, &type, sizeof(type));
        std::memcpy(frame + HEADER_LENGTH, &sequence, sizeof(sequence));
    }
    if (offset + HEADER_LENGTH <= config.blockLength)
    {
        const std::int32_t padLength = config.blockLength - offset;
        const std::uint16_t type = HeaderFlyweight::HDR_TYPE_PAD;
        std::memcpy(block.data() + offset + HeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET, &padLength, sizeof(padLength));
        std::memcpy(block.data() + offset + HeaderFlyweight::TYPE_FIELD_OFFSET, &type, sizeof(type));
    }
    return block;
}

/// The benchmark's load generator for --publisher block: lays messages out as the frames
/// ExclusivePublication::offer would write for them (same header fields, the sequence in the payload's
/// first 8 bytes, reserved value 0, a PAD frame over a term's tail) and hands them over a block at a time
/// with offerBlock, so that the stream, and hence what the archive records, is byte for byte what offer()
/// makes, without a claim and a commit per message limiting the rate the recorder is offered.
class BlockPublisher
{
public:
    static constexpr std::int32_t BLOCK_LENGTH = 64 * 1024;

    BlockPublisher(transport::ExclusivePublication& publication, std::int32_t payloadLength)
        : m_publication(publication),
          m_frameLength(HEADER_LENGTH + payloadLength),
          m_alignedLength(util::align(HEADER_LENGTH + payloadLength, FRAME_ALIGNMENT)),
          m_termLength(publication.termBufferLength()),
          m_positionBitsToShift(util::numberOfTrailingZeroes(publication.termBufferLength())),
          m_block(static_cast<std::size_t>(BLOCK_LENGTH + m_alignedLength), 0)
    {
    }

    /// Offers the next block from message sequence on, which advances by the messages taken: the new
    /// position or a PublicationResult. A block refused for back pressure is offered again as it is, not
    /// framed anew.
    std::int64_t offer(std::int64_t& sequence)
    {
        const std::int64_t position = m_publication.position();
        if (position < 0)
        {
            return position;
        }
        if (position != m_framedPosition || sequence != m_framedSequence)
        {
            if (const std::int64_t padded = frame(position, sequence); padded != 0)
            {
                return padded;
            }
        }
        const std::int64_t result = m_publication.offerBlock(m_block.data(), m_framedLength);
        if (result > 0)
        {
            sequence += m_framedMessages;
            m_framedPosition = -1;
        }
        return result;
    }

private:
    /// Lays out the block for position: as many messages as fit in BLOCK_LENGTH and the term, and a PAD frame
    /// over the term's tail when no further message would fit there. Returns 0, or when not even one message
    /// fits, the result of padding the term out instead.
    std::int64_t frame(std::int64_t position, std::int64_t sequence)
    {
        using codecs::frames::DataHeaderFlyweight;
        const auto termOffset = static_cast<std::int32_t>(position & (m_termLength - 1));
        const auto termId = static_cast<std::int32_t>(m_publication.initialTermId() + (position >> m_positionBitsToShift));
        const std::int32_t remaining = m_termLength - termOffset;
        const std::int32_t frames = std::min(BLOCK_LENGTH, remaining) / m_alignedLength;
        if (frames == 0)
        {
            // Not even one message fits: close the term as offer() would (only reachable after a foreign offer).
            return m_publication.appendPadding(remaining - HEADER_LENGTH);
        }
        std::int32_t offset = 0;
        for (std::int32_t i = 0; i < frames; ++i, offset += m_alignedLength)
        {
            writeHeader(offset, termOffset + offset, termId, m_frameLength, DataHeaderFlyweight::HDR_TYPE_DATA);
            const std::int64_t value = sequence + i;
            std::memcpy(m_block.data() + offset + HEADER_LENGTH, &value, sizeof(value));
        }
        const std::int32_t left = remaining - offset;
        if (left > 0 && left < m_alignedLength)
        {
            // The block has room for it (see m_block); its body is zero, as the clean term under it.
            writeHeader(offset, termOffset + offset, termId, left, DataHeaderFlyweight::HDR_TYPE_PAD);
            std::memset(m_block.data() + offset + HEADER_LENGTH, 0, static_cast<std::size_t>(left - HEADER_LENGTH));
            offset += left;
        }
        m_framedPosition = position;
        m_framedSequence = sequence;
        m_framedLength = offset;
        m_framedMessages = frames;
        return 0;
    }

    void writeHeader(std::int32_t at, std::int32_t termOffset, std::int32_t termId, std::int32_t frameLength,
                     std::uint16_t type)
    {
        using codecs::frames::DataHeaderFlyweight;
        std::uint8_t* frame = m_block.data() + at;
        const std::uint8_t version = DataHeaderFlyweight::CURRENT_VERSION;
        const std::uint8_t flags = DataHeaderFlyweight::BEGIN_AND_END_FLAGS;
        const std::int32_t sessionId = m_publication.sessionId();
        const std::int32_t streamId = m_publication.streamId();
        std::memcpy(frame + DataHeaderFlyweight::FRAME_LENGTH_FIELD_OFFSET, &frameLength, sizeof(frameLength));
        std::memcpy(frame + DataHeaderFlyweight::VERSION_FIELD_OFFSET, &version, sizeof(version));
        std::memcpy(frame + DataHeaderFlyweight::FLAGS_FIELD_OFFSET, &flags, sizeof(flags));
        std::memcpy(frame + DataHeaderFlyweight::TYPE_FIELD_OFFSET, &type, sizeof(type));
        std::memcpy(frame + DataHeaderFlyweight::TERM_OFFSET_FIELD_OFFSET, &termOffset, sizeof(termOffset));
        std::memcpy(frame + DataHeaderFlyweight::SESSION_ID_FIELD_OFFSET, &sessionId, sizeof(sessionId));
        std::memcpy(frame + DataHeaderFlyweight::STREAM_ID_FIELD_OFFSET, &streamId, sizeof(streamId));
        std::memcpy(frame + DataHeaderFlyweight::TERM_ID_FIELD_OFFSET, &termId, sizeof(termId));
    }

    transport::ExclusivePublication& m_publication;
    std::int32_t m_frameLength;
    std::int32_t m_alignedLength;
    std::int32_t m_termLength;
    std::int32_t m_positionBitsToShift;
    std::int64_t m_framedPosition = -1;
    std::int64_t m_framedSequence = -1;
    std::int32_t m_framedLength = 0;
    std::int32_t m_framedMessages = 0;
    /// One block of messages and room for a PAD frame after it. Payload bytes past the sequence and the
    /// reserved values are never written, so they stay 0 as offer() leaves them.
    std::vector<std::uint8_t> m_block;
};

void writeFully(int fd, const std::uint8_t* data, std::size_t length)
{
    std::size_t done = 0;
    while (done < length)
    {
        const ssize_t n = ::write(fd, data + done, length - done);
        if (n < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            throwIo("baseline write", errno);
        }
        done += static_cast<std::size_t>(n);
    }
}

void syncDirectory(const std::string& dir)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0)
    {
        const int savedErrno = errno;
        if (fd >= 0)
        {
            ::close(fd);
        }
        throwIo("sync " + dir, savedErrno);
    }
    ::close(fd);
}

/// Untimed: writes config.maxBytes into a file of dir and deletes it, so that the measured phase that
/// follows gets page cache pages the host still backs (see the comment at the top).
void primePageCache(const RecordConfig& config, const std::string& dir)
{
    if (!config.prime)
    {
        return;
    }
    const std::vector<std::uint8_t> block = frameBlock(config);
    const std::string path = dir + "/prime.dat";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
    {
        throwIo("create " + path, errno);
    }
    for (std::int64_t written = 0; written < config.maxBytes; written += config.blockLength)
    {
        writeFully(fd, block.data(), block.size());
    }
    ::close(fd);
    ::unlink(path.c_str());
}

/// Writes block after block into files of dir rolled at segmentLength (with fdatasync after each
/// block and an fsync of the directory after each new file when sync), then deletes them.
Rates rawWrite(const RecordConfig& config, const std::string& dir, bool sync)
{
    primePageCache(config, dir);
    const std::vector<std::uint8_t> block = frameBlock(config);
    std::vector<std::string> files;
    int fd = -1;
    std::int64_t fileOffset = 0;
    Rates rates;
    rates.payloadLength = config.size;
    const std::int64_t startNs = benchNanoTime();
    const std::int64_t deadlineNs = startNs + static_cast<std::int64_t>(config.seconds * 1e9);
    std::int64_t nowNs = startNs;
    while (rates.bytes < config.maxBytes && nowNs < deadlineNs)
    {
        if (fd < 0 || fileOffset >= config.segmentLength)
        {
            if (fd >= 0)
            {
                ::close(fd);
            }
            files.push_back(dir + "/baseline-" + std::to_string(files.size()) + ".dat");
            fd = ::open(files.back().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0)
            {
                throwIo("create " + files.back(), errno);
            }
            if (sync)
            {
                syncDirectory(dir);
            }
            fileOffset = 0;
        }
        writeFully(fd, block.data(), block.size());
        if (sync && ::fdatasync(fd) != 0)
        {
            throwIo("baseline fdatasync", errno);
        }
        fileOffset += config.blockLength;
        rates.bytes += config.blockLength;
        nowNs = benchNanoTime();
    }
    rates.elapsedSec = static_cast<double>(nowNs - startNs) / 1e9;
    rates.messages = rates.bytes / config.blockLength * (config.blockLength / config.alignedFrameLength());
    if (fd >= 0)
    {
        ::close(fd);
    }
    // Deleting drops the dirty pages, so the next phase starts with neither their writeback nor their cache.
    for (const std::string& file : files)
    {
        ::unlink(file.c_str());
    }
    syncDirectory(dir);
    return rates;
}

struct Sample
{
    std::int64_t timeNs = 0;
    std::int64_t recorded = 0;
    IoCounters io;
};

struct RecordResult
{
    Rates rates;
    std::int64_t backPressured = 0;
    std::int64_t writeCalls = -1;
    std::int64_t writtenBytes = -1;
};

/// Publishes as fast as the recorder lets it and measures the recorded position over the interval.
RecordResult record(const RecordConfig& config, const std::string& dir)
{
    primePageCache(config, dir);
    ArchiveStack stack(ArchiveStackConfig{config.threading, config.idle, config.segmentLength,
                                          static_cast<archive::FileSyncLevel>(config.syncLevel)},
                       dir);
    auto publication = stack.client().addRecordedExclusivePublication(config.channel(), STREAM_ID);
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
    const std::int64_t recordingId = archive::RecordingPos::getRecordingId(counters, counterId);

    std::vector<std::uint8_t> message(static_cast<std::size_t>(config.size), 0);
    const bool byBlock = config.publisher == "block";
    if (byBlock && config.size > publication->maxPayloadLength())
    {
        throw util::IllegalArgumentException("--publisher block lays out unfragmented messages only: use --size <= " +
                                             std::to_string(publication->maxPayloadLength()) + " or --publisher offer");
    }
    BlockPublisher blockPublisher(*publication, config.size);
    RecordResult result;
    std::int64_t sequence = 0;
    const std::int64_t startNs = benchNanoTime();
    const std::int64_t warmupEndNs = startNs + static_cast<std::int64_t>(config.warmupSeconds * 1e9);
    const std::int64_t intervalNs = static_cast<std::int64_t>(config.seconds * 1e9);
    std::int64_t nextClientWorkNs = startNs;
    std::int64_t lastProgressNs = startNs;
    std::int64_t lastRecorded = 0;
    bool measuring = false;
    Sample begin;
    Sample end;
    while (true)
    {
        bool backPressured = false;
        for (int i = 0; i < BURST; ++i)
        {
            std::int64_t position;
            if (byBlock)
            {
                position = blockPublisher.offer(sequence);
            }
            else
            {
                std::memcpy(message.data(), &sequence, sizeof(sequence));
                position = publication->offer(message.data(), config.size);
            }
            if (position < 0)
            {
                if (position != transport::PublicationResult::BACK_PRESSURED &&
                    position != transport::PublicationResult::ADMIN_ACTION)
                {
                    throw util::IllegalStateException(std::string("offer failed: ") +
                                                      transport::PublicationResult::name(position));
                }
                backPressured = position == transport::PublicationResult::BACK_PRESSURED;
                break;
            }
            sequence += byBlock ? 0 : 1;
        }
        const std::int64_t nowNs = benchNanoTime();
        const std::int64_t recorded = counters.getCounterValue(counterId);
        if (backPressured)
        {
            result.backPressured += measuring ? 1 : 0;
            std::this_thread::yield();
        }
        if (recorded != lastRecorded)
        {
            lastRecorded = recorded;
            lastProgressNs = nowNs;
        }
        if (nowNs >= nextClientWorkNs)
        {
            nextClientWorkNs = nowNs + CLIENT_WORK_INTERVAL_NS;
            stack.clientWork();
            if (!archive::RecordingPos::isActive(counters, counterId, recordingId) ||
                nowNs - lastProgressNs > STALL_TIMEOUT_NS)
            {
                throw util::IllegalStateException("the recording stopped or stalled (the archive's errors go to "
                                                  "stderr)");
            }
        }
        if (!measuring && nowNs >= warmupEndNs)
        {
            measuring = true;
            begin = Sample{nowNs, recorded, IoCounters::read()};
        }
        else if (measuring && (nowNs - begin.timeNs >= intervalNs || recorded - begin.recorded >= config.maxBytes))
        {
            end = Sample{nowNs, recorded, IoCounters::read()};
            break;
        }
    }
    stack.client().stopRecording(*publication);
    publication->close();

    const std::int32_t aligned = config.alignedFrameLength();
    result.rates.payloadLength = config.size;
    result.rates.elapsedSec = static_cast<double>(end.timeNs - begin.timeNs) / 1e9;
    result.rates.bytes = end.recorded - begin.recorded;
    result.rates.messages = messagesBelow(end.recorded, config.termLength, aligned) -
        messagesBelow(begin.recorded, config.termLength, aligned);
    if (begin.io.writeCalls >= 0 && end.io.writeCalls >= 0)
    {
        result.writeCalls = end.io.writeCalls - begin.io.writeCalls;
        result.writtenBytes = end.io.writtenBytes - begin.io.writtenBytes;
    }
    return result;
}

void report(const RecordConfig& config, const std::string& dir, const RecordResult& ours, const Rates& write,
            const Rates* writeSync)
{
    const double writeRatio = bench::ratio(ours.rates.mbPerSec(), write.mbPerSec());
    const double meanWrite = ours.writeCalls > 0 ? static_cast<double>(ours.writtenBytes) / ours.writeCalls
                                                 : std::nan("");
    std::printf("archive-record: size=%d sync=%d publisher=%s threading=%s idle=%s term-length=%d pub-wnd=%d segment-length=%d "
                "prime=%s dir=%s\n  (MB = 10^6 bytes of stream, frame headers included; each phase: %.1f s or %lld MB, "
                "whichever first; baseline blocks of %d bytes)\n",
                config.size, config.syncLevel, config.publisher.c_str(), config.threading.c_str(), config.idle.c_str(), config.termLength,
                config.publicationWindow > 0 ? config.publicationWindow : config.termLength / 2, config.segmentLength, config.prime ? "on" : "off", dir.c_str(), config.seconds,
                static_cast<long long>(config.maxBytes / 1'000'000), config.blockLength);
    ours.rates.print("recording");
    std::printf("  %-16s publisher back-pressured %lld times; %lld write calls, mean %.0f bytes\n", "",
                static_cast<long long>(ours.backPressured), static_cast<long long>(ours.writeCalls), meanWrite);
    write.print("raw write");
    if (writeSync != nullptr)
    {
        writeSync->print("write+fdatasync");
    }
    std::printf("ratio (recording / raw write): %.3f\n", writeRatio);
    if (writeSync != nullptr)
    {
        std::printf("ratio (recording / write+fdatasync): %.3f\n",
                    bench::ratio(ours.rates.mbPerSec(), writeSync->mbPerSec()));
    }
    if (config.syncLevel == 0)
    {
        std::printf("target: recording at level 0 >= %.1f x raw write: %s\n", LEVEL_0_TARGET_RATIO,
                    writeRatio >= LEVEL_0_TARGET_RATIO ? "met" : "MISSED");
    }

    bench::JsonLine json;
    json.add("benchmark", "archive-record")
        .add("size", static_cast<std::int64_t>(config.size))
        .add("sync", static_cast<std::int64_t>(config.syncLevel))
        .add("publisher", config.publisher)
        .add("threading", config.threading)
        .add("idle", config.idle)
        .add("warmup_seconds", config.warmupSeconds)
        .add("max_mb", config.maxBytes / 1'000'000)
        .add("term_length", static_cast<std::int64_t>(config.termLength))
        .add("pub_wnd", static_cast<std::int64_t>(config.publicationWindow > 0 ? config.publicationWindow
                                                                               : config.termLength / 2))
        .add("segment_length", static_cast<std::int64_t>(config.segmentLength))
        .add("block_length", static_cast<std::int64_t>(config.blockLength))
        .add("dir", config.parentDir)
        .add("prime", config.prime);
    ours.rates.addTo(json, "");
    json.add("back_pressure_count", ours.backPressured)
        .add("write_calls", ours.writeCalls)
        .add("mean_write_bytes", meanWrite)
        .add("baseline", "write");
    write.addTo(json, "baseline_");
    json.add("mb_per_sec_ratio", writeRatio);
    if (writeSync != nullptr)
    {
        json.add("baseline_sync", "write+fdatasync");
        writeSync->addTo(json, "baseline_sync_");
        json.add("mb_per_sec_sync_ratio", bench::ratio(ours.rates.mbPerSec(), writeSync->mbPerSec()));
    }
    if (config.syncLevel == 0)
    {
        json.add("target_ratio", LEVEL_0_TARGET_RATIO).add("target_met", writeRatio >= LEVEL_0_TARGET_RATIO);
    }
    json.print();
}

std::string defaultParentDir()
{
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

int runRecord(const std::vector<std::string>& args)
{
    const archive::ArchiveContext archiveDefaults;
    const transport::MediaDriverContext driverDefaults;
    bench::BenchArgs options("archive-record");
    options.option("size", "32", "message length in bytes (32 | 1024; any of 8.." +
                                     std::to_string(bench::MAX_BENCH_MESSAGE_LENGTH) + ")")
        .option("sync", "0", "archive file sync level: 0 (none) | 1 (fdatasync per block)")
        .option("seconds", "5", "longest measured interval of each phase")
        .option("warmup-seconds", "0.3", "recording before the interval")
        .option("max-mb", "2000", "most MB (10^6 bytes) each phase writes in its interval")
        .option("dir", defaultParentDir(), "where the run's directory (archive and baseline files) goes")
        .option("publisher", "block", "block: messages framed as offer() frames them, offered a 64 KiB block at a "
                                       "time (ExclusivePublication::offerBlock) | offer: one offer() per message")
        .option("threading", "shared", "archive agents: shared (one thread) | dedicated (a thread each)")
        .option("idle", "backoff", "archive idle strategy: busy-spin | yielding | sleeping | backoff")
        .option("term-length", std::to_string(driverDefaults.ipcTermBufferLength), "term length of the stream")
        .option("pub-wnd", "0",
                "the stream's publication window (pub-wnd), bytes; 0: 512 KiB at --sync 0 (within a core's L2 here, "
                "so the recorder copies what the publisher wrote while it is still cached), 1 MiB at --sync 1 (more "
                "bytes per fdatasync)")
        .option("segment-length", std::to_string(archiveDefaults.segmentFileLength), "archive segment file length")
        .option("block-length", "0", "baseline block; 0: min(archive fileIoMaxLength, term length)")
        .option("prime", "on", "on: an untimed write of --max-mb before each phase (see the source) | off");
    return bench::runBenchmark(
        options,
        [&]
        {
            options.parse(args);
            RecordConfig config;
            config.size = static_cast<std::int32_t>(options.integer("size", 8, bench::MAX_BENCH_MESSAGE_LENGTH));
            config.syncLevel = static_cast<std::int32_t>(options.integer("sync", 0, 1));
            config.seconds = options.real("seconds", 0.1, 3600);
            config.warmupSeconds = options.real("warmup-seconds", 0, 3600);
            config.maxBytes = options.integer("max-mb", 1, 1'000'000) * 1'000'000;
            config.parentDir = options.text("dir");
            config.prime = options.choice("prime", {"on", "off"}) == "on";
            config.publisher = options.choice("publisher", {"block", "offer"});
            config.threading = options.choice("threading", {"shared", "dedicated"});
            config.idle = options.choice("idle", {"busy-spin", "yielding", "sleeping", "backoff"});
            config.termLength = static_cast<std::int32_t>(options.integer("term-length", 64 * 1024, 1 << 30));
            config.publicationWindow = static_cast<std::int32_t>(options.integer("pub-wnd", 0, 1 << 29));
            if (config.publicationWindow == 0)
            {
                config.publicationWindow = std::min(config.syncLevel == 0 ? 512 * 1024 : 1024 * 1024,
                                                    config.termLength / 2);
            }
            config.segmentLength = static_cast<std::int32_t>(options.integer("segment-length", 64 * 1024, 1 << 30));
            if (!util::isPowerOfTwo(config.termLength) || !util::isPowerOfTwo(config.segmentLength) ||
                config.segmentLength < config.termLength)
            {
                throw util::IllegalArgumentException(
                    "--term-length and --segment-length must be powers of two, the segment at least a term");
            }
            config.blockLength = static_cast<std::int32_t>(options.integer("block-length", 0, 1 << 30));
            if (config.blockLength == 0)
            {
                config.blockLength = std::min(archiveDefaults.fileIoMaxLength, config.termLength);
            }
            if (config.blockLength < config.alignedFrameLength())
            {
                throw util::IllegalArgumentException("--block-length must hold at least one frame");
            }

            const WorkDirectory dir(config.parentDir);
            const Rates write = rawWrite(config, dir.path(), false);
            Rates writeSync;
            if (config.syncLevel == 1)
            {
                writeSync = rawWrite(config, dir.path(), true);
            }
            const RecordResult ours = record(config, dir.path());
            report(config, dir.path(), ours, write, config.syncLevel == 1 ? &writeSync : nullptr);
            return 0;
        });
}

const bench::BenchRegistration registration(
    "archive-record",
    "MB/s an archive records from a local IPC publication vs raw write() (and write+fdatasync) to the same "
    "directory; --size 32|1024 --sync 0|1",
    runRecord);
} // namespace
