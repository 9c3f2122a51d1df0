#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cox/archive/FileSyncLevel.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/ErrorHandler.hpp"

namespace cox::transport
{
class Aeron;
}

namespace cox::archive
{
/// How the archive's agents (conductor, recorder, replayer) get threads.
enum class ArchiveThreadingMode
{
    DEDICATED, ///< a thread each
    SHARED,    ///< one thread runs all three
    INVOKER,   ///< no thread: the embedding code calls Archive::doWork()
};

/// Configuration of an archive running beside a media driver. Defaults are Aeron Archive's (facts §9)
/// except where noted.
struct ArchiveContext
{
    std::string archiveDir = "coxswain-archive";
    bool deleteArchiveOnStart = false;

    /// The media driver to use, by directory; the archive connects its own client to it.
    std::string aeronDirectoryName;
    /// When the driver runs in INVOKER mode on the same thread: called from the archive's duty cycle.
    std::function<int()> driverInvoker;

    /// UDP control channel for remote clients; empty disables it (Aeron requires one; a local-only
    /// archive, as a cluster member's, needs none).
    std::string controlChannel;
    std::int32_t controlStreamId = 10;
    std::string localControlChannel = "aeron:ipc?term-length=64k";
    std::int32_t localControlStreamId = 10;
    /// Channel on which source archives replay to this one when a replication names none; it needs an explicit
    /// port (the replication subscription's wildcard port is not resolved).
    std::string replicationChannel;
    /// Response channel this archive's own client gives a source archive during replication, unless the request
    /// names one: empty means `aeron:ipc` for a source reached over IPC; a UDP source needs an explicit
    /// `aeron:udp?endpoint=host:port` here.
    std::string replicationResponseChannel;
    std::int32_t replicationResponseStreamId = 20;
    /// Bound on each step of a replication that waits on the source archive (Aeron's client message timeout).
    std::int64_t replicationMessageTimeoutNs = 10'000'000'000;

    /// Per recording the segment length is max(this, the term length); a power of two.
    std::int32_t segmentFileLength = 128 * 1024 * 1024;
    FileSyncLevel fileSyncLevel = FileSyncLevel::NONE;
    FileSyncLevel catalogFileSyncLevel = FileSyncLevel::NONE;
    /// At fileSyncLevel >= 1, recordings are synced on a thread of the archive's own, so a recorder that shares
    /// its thread (a cluster member's) keeps working while the disk flushes; positions move when a sync ends.
    bool asyncFileSync = true;
    /// CRC-32C per frame on record (in the frame's session id field, as Aeron) and checked on replay.
    bool recordChecksum = false;
    bool replayChecksum = false;

    std::int32_t maxConcurrentRecordings = 20;
    std::int32_t maxConcurrentReplays = 20;
    std::int64_t connectTimeoutNs = 5'000'000'000;
    std::int64_t sessionLivenessCheckIntervalNs = 1'000'000'000;
    /// Largest block written or read per call (Aeron's file IO max length).
    std::int32_t fileIoMaxLength = 1024 * 1024;

    ArchiveThreadingMode threadingMode = ArchiveThreadingMode::DEDICATED;
    std::string idleStrategy = "backoff";

    /// Null means the Aeron client id.
    std::int64_t archiveId = -1;
    std::shared_ptr<util::NanoClock> nanoClock;
    std::shared_ptr<util::EpochClock> epochClock;
    util::ErrorHandler errorHandler;
};

struct ArchiveResources;

/// An archive: records streams into segment files with a catalog, replays them, and answers Aeron
/// Archive's control protocol (schema 101) on its control channels.
class Archive
{
public:
    /// Opens (and recovers) the catalog, connects to the driver and starts the agents. Throws on bad
    /// configuration, naming the setting, or when the directory or driver cannot be used.
    static std::unique_ptr<Archive> launch(ArchiveContext context);

    ~Archive();
    Archive(const Archive&) = delete;
    Archive& operator=(const Archive&) = delete;

    /// INVOKER mode: one duty cycle of conductor, recorder and replayer; returns the work count.
    int doWork();
    [[nodiscard]] const ArchiveContext& context() const noexcept;
    [[nodiscard]] std::int64_t archiveId() const noexcept;
    void close();

private:
    explicit Archive(std::unique_ptr<ArchiveResources> resources);
    std::unique_ptr<ArchiveResources> m_resources;
};
} // namespace cox::archive
