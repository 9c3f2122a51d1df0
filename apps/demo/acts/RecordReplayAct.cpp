#include "RecordReplayAct.hpp"

#include <filesystem>
#include <sstream>
#include <thread>

#include "ActSupport.hpp"
#include "DemoMessages.hpp"
#include "cox/archive/AeronArchive.hpp"
#include "cox/archive/Archive.hpp"
#include "cox/archive/ArchiveVerifier.hpp"
#include "cox/archive/Catalog.hpp"
#include "cox/archive/SegmentFile.hpp"
#include "cox/transport/Aeron.hpp"
#include "cox/transport/FragmentAssembler.hpp"
#include "cox/transport/PublicationResult.hpp"
#include "cox/util/IdleStrategy.hpp"

namespace cox::apps::demo
{
namespace
{
using act::Clock;
using transport::PublicationResult;

/// A step that waits on other threads (the archive's, the driver's) fails rather than hangs.
class StallGuard
{
public:
    explicit StallGuard(const RecordReplayConfig& config)
        : m_config(config), m_timeout(std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(config.stallTimeoutSeconds)))
    {
        progressed();
    }

    void progressed() { m_deadline = Clock::now() + m_timeout; }

    /// Empty while the step may go on; otherwise why it may not.
    [[nodiscard]] std::string check(const char* step) const
    {
        if (m_config.interrupted != nullptr && m_config.interrupted->load(std::memory_order_acquire))
        {
            return std::string("interrupted while ") + step;
        }
        if (Clock::now() > m_deadline)
        {
            return std::string("no progress for ") + act::fixed(m_config.stallTimeoutSeconds, "%.0f") + " s while " +
                   step;
        }
        return {};
    }

private:
    const RecordReplayConfig& m_config;
    Clock::duration m_timeout;
    Clock::time_point m_deadline;
};

/// Waits, polling every millisecond, until condition() holds; returns the failure if it never does.
template <typename Condition>
std::string awaitCondition(const RecordReplayConfig& config, const char* step, Condition&& condition)
{
    const StallGuard guard(config);
    while (!condition())
    {
        std::string failure = guard.check(step);
        if (!failure.empty())
        {
            return failure;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return {};
}

ReplayCheck replayAndCheck(archive::AeronArchive& client, const RecordReplayConfig& config,
                           const DemoMessages& messages, std::int64_t recordingId, std::int64_t fromPosition,
                           std::int64_t length, std::int64_t firstIndex, std::int64_t expected, std::int32_t streamId,
                           std::string& failure)
{
    ReplayCheck check;
    check.fromPosition = fromPosition;
    check.length = length;
    check.firstIndex = firstIndex;
    check.expected = expected;

    const Clock::time_point start = Clock::now();
    const std::shared_ptr<transport::Subscription> subscription =
        client.replay(recordingId, fromPosition, length, "aeron:ipc", streamId);
    MessageChecker checker(messages, firstIndex);
    transport::FragmentAssembler assembler(
        [&](const util::AtomicBuffer& buffer, std::int32_t offset, std::int32_t messageLength, const transport::Header&)
        { checker.onMessage(buffer.buffer() + offset, messageLength); });
    auto handler = assembler.handler();
    const std::unique_ptr<util::IdleStrategy> idle = util::newIdleStrategy("backoff");
    StallGuard guard(config);
    while (checker.received() < expected)
    {
        const int fragments = subscription->poll(handler, 256);
        if (fragments > 0)
        {
            guard.progressed();
        }
        else if (std::string stalled = guard.check("replaying"); !stalled.empty())
        {
            failure = stalled;
            break;
        }
        idle->idle(fragments);
    }
    check.seconds = act::secondsBetween(start, Clock::now());
    check.received = checker.received();
    check.errors = checker.errors();
    check.bytes = checker.bytes();
    subscription->close();
    return check;
}

std::string describeReplay(const char* name, const ReplayCheck& check)
{
    std::ostringstream out;
    out << "  " << name << formatThousands(check.received) << " of " << formatThousands(check.expected)
        << " messages (from #" << formatThousands(check.firstIndex) << ", position "
        << formatThousands(check.fromPosition) << ", " << formatThousands(check.length) << " bytes) in "
        << act::fixed(check.seconds, "%.3f") << " s, " << act::megabytesPerSecond(check.bytes, check.seconds) << ", "
        << check.errors << " wrong\n";
    return out.str();
}

/// Records, lists and replays; fills result and returns the first failure, or empty.
std::string recordAndReplay(transport::Aeron& aeron, archive::AeronArchive& client, const RecordReplayConfig& config,
                            const DemoMessages& messages, RecordReplayResult& result, std::ostream& out)
{
    const std::int64_t subscriptionId =
        client.startRecording(config.channel, config.streamId, codecs::archive::SourceLocation::LOCAL);
    out << "startRecording(" << config.channel << ", stream " << config.streamId
        << ", LOCAL): the archive subscribes (subscription " << subscriptionId << ")\n"
        << std::flush;

    const std::shared_ptr<transport::ExclusivePublication> publication =
        aeron.addExclusivePublication(config.channel, config.streamId);
    std::string failure =
        awaitCondition(config, "waiting for the archive to subscribe", [&] { return publication->isConnected(); });
    if (failure.empty())
    {
        failure = awaitCondition(config, "waiting for the recording to start",
                                 [&]
                                 {
                                     result.recordingId = client.findLastMatchingRecording(
                                         0, "aeron:ipc", config.streamId, publication->sessionId());
                                     return result.recordingId != archive::NULL_RECORDING_ID;
                                 });
    }
    if (!failure.empty())
    {
        publication->close();
        return failure;
    }
    out << "Recording " << result.recordingId << " started for session " << publication->sessionId() << "; publishing "
        << formatThousands(config.messages) << " messages of 8 to " << formatThousands(config.maxMessageLength)
        << " bytes\n"
        << std::flush;

    std::vector<std::uint8_t> buffer(static_cast<std::size_t>(messages.maxLength()));
    const std::unique_ptr<util::IdleStrategy> idle = util::newIdleStrategy("backoff");
    const std::int64_t firstHalf = config.messages / 2;
    const Clock::time_point start = Clock::now();
    for (std::int64_t index = 0; index < config.messages && failure.empty(); ++index)
    {
        if (index == firstHalf)
        {
            result.halfPosition = publication->position();
        }
        const std::int32_t length = messages.fill(index, buffer.data());
        const StallGuard guard(config);
        for (;;)
        {
            const std::int64_t position = publication->offer(buffer.data(), length);
            if (position > 0)
            {
                ++result.published;
                result.publishedBytes += length;
                break;
            }
            if (position != PublicationResult::BACK_PRESSURED && position != PublicationResult::ADMIN_ACTION)
            {
                failure = std::string("offer failed with ") + PublicationResult::name(position);
                break;
            }
            if (failure = guard.check("publishing (the archive is not keeping up)"); !failure.empty())
            {
                break;
            }
            idle->idle();
        }
        idle->reset();
    }
    result.endPosition = publication->position();
    result.publishSeconds = act::secondsBetween(start, Clock::now());
    if (failure.empty())
    {
        out << "Published " << formatThousands(result.published) << " messages (" << formatThousands(result.endPosition)
            << " bytes of log) in " << act::fixed(result.publishSeconds, "%.3f")
            << " s; waiting for the recording to catch up\n"
            << std::flush;
        failure = awaitCondition(config, "waiting for the recorded position to reach the end",
                                 [&] { return client.getRecordingPosition(result.recordingId) == result.endPosition; });
    }
    client.stopRecording(subscriptionId);
    if (failure.empty())
    {
        failure = awaitCondition(config, "waiting for the recording to stop",
                                 [&] { return client.getStopPosition(result.recordingId) != archive::NULL_POSITION; });
    }
    publication->close();
    if (!failure.empty())
    {
        return failure;
    }
    out << "stopRecording: recording " << result.recordingId << " stopped\n";

    if (client.listRecording(result.recordingId, [&](const archive::RecordingDescriptor& descriptor)
                             { result.descriptor = descriptor; }) != 1)
    {
        return "listRecording did not find recording " + std::to_string(result.recordingId);
    }
    for (const std::int64_t base : archive::SegmentFile::listBases(config.archiveDir, result.recordingId))
    {
        result.segmentFiles.push_back(archive::SegmentFile::fileName(result.recordingId, base));
    }
    const archive::RecordingDescriptor& d = result.descriptor;
    out << "listRecording(" << result.recordingId << "):\n"
        << "    id " << d.recordingId << "  start " << formatThousands(d.startPosition) << "  stop "
        << formatThousands(d.stopPosition) << "  stream " << d.streamId << "  session " << d.sessionId << "\n"
        << "    term " << act::binarySize(d.termBufferLength) << "  segment " << act::binarySize(d.segmentFileLength)
        << "  mtu " << d.mtuLength << "  channel " << d.originalChannel << "\n"
        << "    " << result.segmentFiles.size() << " segment files:";
    for (const std::string& file : result.segmentFiles)
    {
        out << ' ' << file;
    }
    out << "\n" << std::flush;

    out << "Replaying the whole recording on aeron:ipc stream " << config.replayStreamId << "\n" << std::flush;
    result.fullReplay =
        replayAndCheck(client, config, messages, result.recordingId, d.startPosition, d.stopPosition - d.startPosition,
                       0, result.published, config.replayStreamId, failure);
    out << describeReplay("", result.fullReplay);
    if (!failure.empty())
    {
        return failure;
    }
    out << "Replaying the second half from recorded position " << formatThousands(result.halfPosition) << " on stream "
        << config.replayStreamId + 1 << "\n"
        << std::flush;
    result.secondHalfReplay = replayAndCheck(client, config, messages, result.recordingId, result.halfPosition,
                                             d.stopPosition - result.halfPosition, firstHalf,
                                             result.published - firstHalf, config.replayStreamId + 1, failure);
    out << describeReplay("", result.secondHalfReplay);
    return failure;
}

std::string verifyOffline(const RecordReplayConfig& config, RecordReplayResult& result)
{
    archive::Catalog::Options catalogOptions;
    catalogOptions.readOnly = true;
    const archive::Catalog catalog(config.archiveDir, catalogOptions);
    archive::ArchiveVerifier::Options options;
    options.allSegments = true;
    options.frameChecksums = true;
    const std::vector<archive::ArchiveVerifier::Result> verdicts =
        archive::ArchiveVerifier::verify(config.archiveDir, catalog, options);
    result.verified = !verdicts.empty();
    for (const archive::ArchiveVerifier::Result& verdict : verdicts)
    {
        result.verification.push_back("recording " + std::to_string(verdict.recordingId) + ": " + verdict.reason);
        result.verified = result.verified && verdict.ok;
    }
    return result.verified ? std::string() : "the archive directory failed verification";
}
} // namespace

bool RecordReplayResult::passed() const noexcept
{
    return failure.empty() && published > 0 && recordingId != archive::NULL_RECORDING_ID &&
           descriptor.recordingId == recordingId && descriptor.stopPosition == endPosition && !segmentFiles.empty() &&
           fullReplay.passed() && fullReplay.expected == published && secondHalfReplay.passed() && verified;
}

RecordReplayResult runRecordReplayAct(const std::shared_ptr<transport::Aeron>& aeron, const RecordReplayConfig& config,
                                      std::ostream& out)
{
    const DemoMessages messages(config.maxMessageLength);
    RecordReplayResult result;
    std::filesystem::create_directories(config.archiveDir);

    archive::ArchiveContext archiveContext;
    archiveContext.archiveDir = config.archiveDir;
    archiveContext.deleteArchiveOnStart = true;
    archiveContext.aeronDirectoryName = config.aeronDirectoryName;
    archiveContext.threadingMode = archive::ArchiveThreadingMode::SHARED;
    archiveContext.idleStrategy = "backoff";
    archiveContext.segmentFileLength = config.segmentFileLength;
    // A CRC-32C per recorded frame, checked again on every replay and by the offline verify below.
    archiveContext.recordChecksum = true;
    archiveContext.replayChecksum = true;
    out << "Launching an archive (shared threading, " << act::binarySize(config.segmentFileLength)
        << " segments, frame checksums) in " << config.archiveDir << "\n"
        << std::flush;
    std::unique_ptr<archive::Archive> archive = archive::Archive::launch(archiveContext);

    archive::AeronArchiveContext clientContext;
    clientContext.aeron = aeron;
    std::unique_ptr<archive::AeronArchive> client = archive::AeronArchive::connect(clientContext);
    out << "Connected a client over the archive's local control channel (control session " << client->controlSessionId()
        << ")\n"
        << std::flush;

    try
    {
        result.failure = recordAndReplay(*aeron, *client, config, messages, result, out);
    }
    catch (const std::exception& e)
    {
        result.failure = e.what();
    }
    client->close();
    archive->close();
    out << "Archive closed\n";

    if (result.failure.empty())
    {
        result.failure = verifyOffline(config, result);
        out << "Verified the directory offline (ArchiveVerifier, every segment, frame checksums):\n";
        for (const std::string& line : result.verification)
        {
            out << "    " << line << "\n";
        }
    }
    return result;
}

std::string formatRecordReplaySummary(const RecordReplayResult& result)
{
    std::ostringstream out;
    out << "Summary\n";
    out << "  recorded     " << formatThousands(result.published) << " messages, "
        << formatThousands(result.endPosition) << " bytes of log as recording " << result.recordingId << " in "
        << result.segmentFiles.size() << " segment files; published at "
        << formatThousands(act::perSecond(result.published, result.publishSeconds)) << " msg/s\n";
    out << describeReplay("replay       ", result.fullReplay);
    out << describeReplay("second half  ", result.secondHalfReplay);
    out << "  verify       " << (result.verified ? "OK" : "not OK") << "\n";
    if (!result.failure.empty())
    {
        out << "  failure      " << result.failure << "\n";
    }
    out << "  result       " << (result.passed() ? "PASS" : "FAIL") << "\n";
    return out.str();
}
} // namespace cox::apps::demo
