#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/MarkFile.hpp"

namespace cox::cluster
{
/// Which cluster component owns a mark file (Aeron's ClusterComponentType).
enum class ClusterComponentType : std::int32_t
{
    UNKNOWN = 0,
    CONSENSUS_MODULE = 1,
    CONTAINER = 2,
    BACKUP = 3,
    STANDBY = 4
};

/// The identity a cluster component announces in its mark file, for tools and for the component's
/// successor. Values only.
struct ClusterMarkFileHeader
{
    ClusterComponentType componentType = ClusterComponentType::UNKNOWN;
    std::int32_t memberId = -1;
    /// -1 for the consensus module; the service's id for a container.
    std::int32_t serviceId = -1;
    std::int32_t clusterId = 0;
    std::int32_t archiveStreamId = 0;
    std::int32_t serviceStreamId = 0;
    std::int32_t consensusModuleStreamId = 0;
    std::int32_t ingressStreamId = 0;
    std::string aeronDirectory;
    std::string controlChannel;
    std::string ingressChannel;
    std::string serviceName;
    std::string clusterDirectory;

    [[nodiscard]] bool operator==(const ClusterMarkFileHeader&) const = default;
};

/// `cluster-mark.dat` (consensus module) or `cluster-mark-service-<id>.dat` (a service container) in the
/// cluster directory, Aeron's ClusterMarkFile, on util's MarkFile: the owner's pid and liveness
/// timestamp (so a second node cannot start on the same directory while the first lives, yet a restart
/// after kill -9 takes the stale file over), the cluster header fields, and the distinct error log.
///
/// File layout: util::MarkFile's fixed part, then in its owner area: componentType int32 @0, memberId
/// @4, serviceId @8, clusterId @12, archiveStreamId @16, serviceStreamId @20, consensusModuleStreamId
/// @24, ingressStreamId @28, headerLength @32 (file offset of the error log), errorBufferLength @36;
/// from @64 the strings aeronDirectory, controlChannel, ingressChannel, serviceName, clusterDirectory,
/// each an int32 length then ASCII. The error log starts at file offset HEADER_LENGTH.
///
/// Threading: the owner's agent calls updateActivityTimestamp from its duty cycle; readers (tools) use
/// openReadOnly. Creation and header() are set-up calls that throw.
class ClusterMarkFile
{
public:
    static constexpr const char* FILE_NAME = "cluster-mark.dat";
    static constexpr const char* SERVICE_FILE_NAME_PREFIX = "cluster-mark-service-";
    static constexpr std::int32_t VERSION = 1;
    /// File offset of the error log; the fixed fields and strings must fit before it.
    static constexpr std::size_t HEADER_LENGTH = 8192;
    static constexpr std::int32_t MIN_ERROR_BUFFER_LENGTH = 64 * 1024;
    static constexpr std::int32_t DEFAULT_ERROR_BUFFER_LENGTH = 1024 * 1024;
    static constexpr std::int64_t LIVENESS_TIMEOUT_MS = 10'000;

    static constexpr std::size_t COMPONENT_TYPE_OFFSET = 0;
    static constexpr std::size_t MEMBER_ID_OFFSET = 4;
    static constexpr std::size_t SERVICE_ID_OFFSET = 8;
    static constexpr std::size_t CLUSTER_ID_OFFSET = 12;
    static constexpr std::size_t ARCHIVE_STREAM_ID_OFFSET = 16;
    static constexpr std::size_t SERVICE_STREAM_ID_OFFSET = 20;
    static constexpr std::size_t CONSENSUS_MODULE_STREAM_ID_OFFSET = 24;
    static constexpr std::size_t INGRESS_STREAM_ID_OFFSET = 28;
    static constexpr std::size_t HEADER_LENGTH_OFFSET = 32;
    static constexpr std::size_t ERROR_BUFFER_LENGTH_OFFSET = 36;
    static constexpr std::size_t STRINGS_OFFSET = 64;

    /// FILE_NAME for serviceId -1 (the consensus module), else cluster-mark-service-<serviceId>.dat.
    [[nodiscard]] static std::string fileName(std::int32_t serviceId);

    /// Creates the mark file at path for this process. Throws IllegalStateException naming the owner's
    /// pid if a live owner holds it (activity within timeoutMs of nowMs); a stale file is taken over.
    /// Throws IllegalArgumentException if the strings do not fit in HEADER_LENGTH or errorBufferLength is
    /// below MIN_ERROR_BUFFER_LENGTH or not a multiple of 8.
    [[nodiscard]] static std::unique_ptr<ClusterMarkFile> create(const std::string& path,
                                                                 const ClusterMarkFileHeader& header,
                                                                 std::int32_t errorBufferLength, std::int64_t nowMs,
                                                                 std::int64_t timeoutMs = LIVENESS_TIMEOUT_MS);

    /// Maps an existing cluster mark file read-only, for tools. Throws IoException if it cannot be mapped
    /// and IllegalStateException naming the file if it is not a complete cluster mark file of VERSION.
    [[nodiscard]] static std::unique_ptr<ClusterMarkFile> openReadOnly(const std::string& path);

    /// util::MarkFile::isActive with this file's timeout default.
    [[nodiscard]] static bool isActive(const std::string& path, std::int64_t nowMs,
                                       std::int64_t timeoutMs = LIVENESS_TIMEOUT_MS);

    /// Decodes the header fields, checking every length against the file (it may come from anyone).
    /// Throws IllegalStateException naming the file if a string runs past the header.
    [[nodiscard]] ClusterMarkFileHeader header() const;

    /// Owner only, from its duty cycle (every second, say): refreshes liveness. No allocation.
    void updateActivityTimestamp(std::int64_t nowMs) noexcept { m_markFile->updateActivityTimestamp(nowMs); }
    [[nodiscard]] std::int64_t activityTimestampVolatile() const { return m_markFile->activityTimestampVolatile(); }

    /// Owner only: marks the file inactive so a successor need not wait out the timeout. Idempotent.
    void close() { m_markFile->close(); }

    /// The region for the component's DistinctErrorLog (and for ErrorLogReader in tools).
    [[nodiscard]] util::AtomicBuffer errorBuffer() const noexcept { return m_errorBuffer; }
    [[nodiscard]] const util::MarkFile& markFile() const noexcept { return *m_markFile; }
    [[nodiscard]] const std::string& path() const noexcept { return m_markFile->path(); }

private:
    explicit ClusterMarkFile(std::unique_ptr<util::MarkFile> markFile);

    std::unique_ptr<util::MarkFile> m_markFile;
    util::AtomicBuffer m_errorBuffer;
};
} // namespace cox::cluster
