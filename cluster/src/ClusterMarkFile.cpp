#include "cox/cluster/ClusterMarkFile.hpp"

#include <array>

#include "cox/util/BitUtil.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
namespace
{
using util::MarkFile;

// Owner-area bytes before the error log.
constexpr std::size_t OWNER_FIELDS_LENGTH = ClusterMarkFile::HEADER_LENGTH - MarkFile::OWNER_HEADER_OFFSET;

std::array<const std::string*, 5> strings(const ClusterMarkFileHeader& header) noexcept
{
    return {&header.aeronDirectory, &header.controlChannel, &header.ingressChannel, &header.serviceName,
            &header.clusterDirectory};
}

std::array<std::string*, 5> strings(ClusterMarkFileHeader& header) noexcept
{
    return {&header.aeronDirectory, &header.controlChannel, &header.ingressChannel, &header.serviceName,
            &header.clusterDirectory};
}

void validate(const ClusterMarkFileHeader& header, std::int32_t errorBufferLength)
{
    if (errorBufferLength < ClusterMarkFile::MIN_ERROR_BUFFER_LENGTH ||
        errorBufferLength % static_cast<std::int32_t>(sizeof(std::int64_t)) != 0)
    {
        throw util::IllegalArgumentException("cluster mark file error buffer length must be a multiple of 8 and >= " +
                                             std::to_string(ClusterMarkFile::MIN_ERROR_BUFFER_LENGTH) + ": " +
                                             std::to_string(errorBufferLength));
    }
    std::size_t length = ClusterMarkFile::STRINGS_OFFSET;
    for (const std::string* value : strings(header))
    {
        length += sizeof(std::int32_t) + value->size();
    }
    if (length > OWNER_FIELDS_LENGTH)
    {
        throw util::IllegalArgumentException("cluster mark file header strings need " + std::to_string(length) +
                                             " bytes, more than the " + std::to_string(OWNER_FIELDS_LENGTH) +
                                             " available");
    }
}

void encode(util::AtomicBuffer owner, const ClusterMarkFileHeader& header, std::int32_t errorBufferLength)
{
    owner.putInt32(ClusterMarkFile::COMPONENT_TYPE_OFFSET, static_cast<std::int32_t>(header.componentType));
    owner.putInt32(ClusterMarkFile::MEMBER_ID_OFFSET, header.memberId);
    owner.putInt32(ClusterMarkFile::SERVICE_ID_OFFSET, header.serviceId);
    owner.putInt32(ClusterMarkFile::CLUSTER_ID_OFFSET, header.clusterId);
    owner.putInt32(ClusterMarkFile::ARCHIVE_STREAM_ID_OFFSET, header.archiveStreamId);
    owner.putInt32(ClusterMarkFile::SERVICE_STREAM_ID_OFFSET, header.serviceStreamId);
    owner.putInt32(ClusterMarkFile::CONSENSUS_MODULE_STREAM_ID_OFFSET, header.consensusModuleStreamId);
    owner.putInt32(ClusterMarkFile::INGRESS_STREAM_ID_OFFSET, header.ingressStreamId);
    owner.putInt32(ClusterMarkFile::HEADER_LENGTH_OFFSET, static_cast<std::int32_t>(ClusterMarkFile::HEADER_LENGTH));
    owner.putInt32(ClusterMarkFile::ERROR_BUFFER_LENGTH_OFFSET, errorBufferLength);
    std::size_t offset = ClusterMarkFile::STRINGS_OFFSET;
    for (const std::string* value : strings(header))
    {
        offset += owner.putStringAscii(offset, *value);
    }
}
} // namespace

std::string ClusterMarkFile::fileName(std::int32_t serviceId)
{
    return serviceId < 0 ? std::string(FILE_NAME) : SERVICE_FILE_NAME_PREFIX + std::to_string(serviceId) + ".dat";
}

ClusterMarkFile::ClusterMarkFile(std::unique_ptr<util::MarkFile> markFile) : m_markFile(std::move(markFile))
{
    const util::AtomicBuffer owner = m_markFile->ownerHeader();
    const std::string& filePath = m_markFile->path();
    if (owner.capacity() < OWNER_FIELDS_LENGTH ||
        owner.getInt32(HEADER_LENGTH_OFFSET) != static_cast<std::int32_t>(HEADER_LENGTH))
    {
        throw util::IllegalStateException("not a cluster mark file (header length): " + filePath);
    }
    const std::int32_t errorBufferLength = owner.getInt32(ERROR_BUFFER_LENGTH_OFFSET);
    if (errorBufferLength < 0 || static_cast<std::size_t>(errorBufferLength) > owner.capacity() - OWNER_FIELDS_LENGTH)
    {
        throw util::IllegalStateException("cluster mark file error buffer length " +
                                          std::to_string(errorBufferLength) + " runs past the file: " + filePath);
    }
    m_errorBuffer.wrap(owner, OWNER_FIELDS_LENGTH, static_cast<std::size_t>(errorBufferLength));
}

std::unique_ptr<ClusterMarkFile> ClusterMarkFile::create(const std::string& path, const ClusterMarkFileHeader& header,
                                                         std::int32_t errorBufferLength, std::int64_t nowMs,
                                                         std::int64_t timeoutMs)
{
    validate(header, errorBufferLength);
    // MarkFile::create refuses a live owner and recreates (zeroes) a stale file.
    auto markFile = MarkFile::create(path, VERSION, OWNER_FIELDS_LENGTH + static_cast<std::size_t>(errorBufferLength),
                                     nowMs, timeoutMs);
    encode(markFile->ownerHeader(), header, errorBufferLength);
    return std::unique_ptr<ClusterMarkFile>(new ClusterMarkFile(std::move(markFile)));
}

std::unique_ptr<ClusterMarkFile> ClusterMarkFile::openReadOnly(const std::string& path)
{
    auto markFile = MarkFile::openReadOnly(path);
    if (markFile->version() != VERSION)
    {
        throw util::IllegalStateException("cluster mark file version " + std::to_string(markFile->version()) +
                                          " is not the supported version " + std::to_string(VERSION) + ": " + path);
    }
    return std::unique_ptr<ClusterMarkFile>(new ClusterMarkFile(std::move(markFile)));
}

bool ClusterMarkFile::isActive(const std::string& path, std::int64_t nowMs, std::int64_t timeoutMs)
{
    return MarkFile::isActive(path, nowMs, timeoutMs);
}

ClusterMarkFileHeader ClusterMarkFile::header() const
{
    const util::AtomicBuffer owner = m_markFile->ownerHeader();
    ClusterMarkFileHeader header;
    header.componentType = static_cast<ClusterComponentType>(owner.getInt32(COMPONENT_TYPE_OFFSET));
    header.memberId = owner.getInt32(MEMBER_ID_OFFSET);
    header.serviceId = owner.getInt32(SERVICE_ID_OFFSET);
    header.clusterId = owner.getInt32(CLUSTER_ID_OFFSET);
    header.archiveStreamId = owner.getInt32(ARCHIVE_STREAM_ID_OFFSET);
    header.serviceStreamId = owner.getInt32(SERVICE_STREAM_ID_OFFSET);
    header.consensusModuleStreamId = owner.getInt32(CONSENSUS_MODULE_STREAM_ID_OFFSET);
    header.ingressStreamId = owner.getInt32(INGRESS_STREAM_ID_OFFSET);

    std::size_t offset = STRINGS_OFFSET;
    for (std::string* value : strings(header))
    {
        // Bounded by the header, not the file: a string may never reach into the error log.
        const std::int32_t length = offset + sizeof(std::int32_t) <= OWNER_FIELDS_LENGTH ? owner.getInt32(offset) : -1;
        if (length < 0 || static_cast<std::size_t>(length) > OWNER_FIELDS_LENGTH - offset - sizeof(std::int32_t))
        {
            throw util::IllegalStateException("cluster mark file header string at owner offset " +
                                              std::to_string(offset) + " runs past the header: " + path());
        }
        value->assign(reinterpret_cast<const char*>(owner.buffer()) + offset + sizeof(std::int32_t),
                      static_cast<std::size_t>(length));
        offset += sizeof(std::int32_t) + static_cast<std::size_t>(length);
    }
    return header;
}
} // namespace cox::cluster
