#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "cox/transport/LogBufferDescriptor.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::transport
{
/// A log buffer: three term partitions and the metadata section, mapped from a file
/// (`publications/<id>.logbuffer`, `images/<id>.logbuffer`) or laid over caller-owned memory.
///
/// Set-up only: create and open throw IllegalArgumentException for bad lengths and IoException for file
/// errors. After that the buffers are used lock-free by one writer (publication or receiver) and any
/// number of readers, per the frame publication protocol in FrameDescriptor.
class LogBuffers
{
public:
    /// Creates the file at path sized computeLogLength(termLength, pageSize), zero-filled, and records the
    /// term length and page size in the metadata so open() can find them. Everything else in the metadata
    /// (initial term id, MTU, default header, tails) is for the creator to fill in.
    static std::unique_ptr<LogBuffers> create(
        const std::string& path,
        std::int32_t termLength,
        std::int32_t pageSize = LogBufferDescriptor::PAGE_MIN_SIZE,
        bool preTouch = false);

    /// Maps an existing log file, checking its length against the term length and page size it records.
    static std::unique_ptr<LogBuffers> open(const std::string& path);

    /// Lays the log over memory the caller owns and keeps alive (tests, in-process logs); memory must be
    /// 8-byte aligned, of at least 3 * termLength + LOG_META_DATA_LENGTH bytes. Records the term length in
    /// the metadata like create().
    LogBuffers(std::uint8_t* memory, std::int64_t length, std::int32_t termLength);

    LogBuffers(const LogBuffers&) = delete;
    LogBuffers& operator=(const LogBuffers&) = delete;
    ~LogBuffers() = default;

    [[nodiscard]] util::AtomicBuffer& termBuffer(std::int32_t partitionIndex) noexcept
    {
        return m_termBuffers[static_cast<std::size_t>(partitionIndex)];
    }
    [[nodiscard]] util::AtomicBuffer& metaDataBuffer() noexcept { return m_metaDataBuffer; }
    [[nodiscard]] std::int32_t termLength() const noexcept { return m_termLength; }
    /// Empty when laid over caller memory.
    [[nodiscard]] const std::string& path() const noexcept;
    /// The mapping, when file-backed (for msync by the archive); null otherwise.
    [[nodiscard]] const util::MemoryMappedFile* file() const noexcept { return m_file.get(); }

private:
    LogBuffers(std::unique_ptr<util::MemoryMappedFile> file, std::int32_t termLength);

    void layOut(std::uint8_t* memory, std::int64_t length, std::int32_t termLength);

    std::unique_ptr<util::MemoryMappedFile> m_file;
    std::array<util::AtomicBuffer, LogBufferDescriptor::PARTITION_COUNT> m_termBuffers{};
    util::AtomicBuffer m_metaDataBuffer;
    std::int32_t m_termLength = 0;
};
} // namespace cox::transport
