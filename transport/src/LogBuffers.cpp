#include "cox/transport/LogBuffers.hpp"

#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
namespace
{
const std::string EMPTY_PATH;
}

std::unique_ptr<LogBuffers> LogBuffers::create(
    const std::string& path, std::int32_t termLength, std::int32_t pageSize, bool preTouch)
{
    LogBufferDescriptor::checkTermLength(termLength);
    LogBufferDescriptor::checkPageSize(pageSize);
    const std::int64_t logLength = LogBufferDescriptor::computeLogLength(termLength, pageSize);
    auto file = util::MemoryMappedFile::create(path, static_cast<std::size_t>(logLength), preTouch);
    std::unique_ptr<LogBuffers> logBuffers(new LogBuffers(std::move(file), termLength));
    LogBufferDescriptor::pageSize(logBuffers->m_metaDataBuffer, pageSize);
    return logBuffers;
}

std::unique_ptr<LogBuffers> LogBuffers::open(const std::string& path)
{
    auto file = util::MemoryMappedFile::open(path);
    const auto fileLength = static_cast<std::int64_t>(file->length());
    if (fileLength < LogBufferDescriptor::LOG_META_DATA_LENGTH)
    {
        throw util::IllegalArgumentException(
            "log buffer " + path + " is " + std::to_string(fileLength) + " bytes, too short for its metadata");
    }
    // Where the metadata sits depends on the term length it records, so try each legal term length and accept
    // the one whose metadata names itself and accounts for the file's exact size.
    std::int32_t termLength = 0;
    std::int32_t pageSize = 0;
    for (std::int64_t candidate = LogBufferDescriptor::TERM_MIN_LENGTH;
         candidate <= LogBufferDescriptor::TERM_MAX_LENGTH &&
         candidate * LogBufferDescriptor::PARTITION_COUNT + LogBufferDescriptor::LOG_META_DATA_LENGTH <= fileLength;
         candidate <<= 1)
    {
        util::AtomicBuffer metaData(
            file->memory() + candidate * LogBufferDescriptor::PARTITION_COUNT,
            static_cast<std::size_t>(LogBufferDescriptor::LOG_META_DATA_LENGTH));
        const std::int32_t recordedTermLength = LogBufferDescriptor::termLength(metaData);
        const std::int32_t recordedPageSize = LogBufferDescriptor::pageSize(metaData);
        if (recordedTermLength == candidate &&
            LogBufferDescriptor::computeLogLength(recordedTermLength, recordedPageSize > 0 ? recordedPageSize : 1) ==
                fileLength)
        {
            termLength = recordedTermLength;
            pageSize = recordedPageSize;
            break;
        }
    }
    if (termLength == 0)
    {
        throw util::IllegalArgumentException(
            "log buffer " + path + " (" + std::to_string(fileLength) +
            " bytes) records no term length consistent with its size");
    }
    LogBufferDescriptor::checkPageSize(pageSize);
    return std::unique_ptr<LogBuffers>(new LogBuffers(std::move(file), termLength));
}

LogBuffers::LogBuffers(std::uint8_t* memory, std::int64_t length, std::int32_t termLength)
{
    LogBufferDescriptor::checkTermLength(termLength);
    layOut(memory, length, termLength);
}

LogBuffers::LogBuffers(std::unique_ptr<util::MemoryMappedFile> file, std::int32_t termLength) : m_file(std::move(file))
{
    layOut(m_file->memory(), static_cast<std::int64_t>(m_file->length()), termLength);
}

void LogBuffers::layOut(std::uint8_t* memory, std::int64_t length, std::int32_t termLength)
{
    const std::int64_t required =
        static_cast<std::int64_t>(termLength) * LogBufferDescriptor::PARTITION_COUNT + LogBufferDescriptor::LOG_META_DATA_LENGTH;
    if (length < required)
    {
        throw util::IllegalArgumentException(
            "log buffer memory of " + std::to_string(length) + " bytes is shorter than the " + std::to_string(required) +
            " that term length " + std::to_string(termLength) + " needs");
    }
    for (std::int32_t i = 0; i < LogBufferDescriptor::PARTITION_COUNT; ++i)
    {
        m_termBuffers[static_cast<std::size_t>(i)].wrap(
            memory + static_cast<std::int64_t>(i) * termLength, static_cast<std::size_t>(termLength));
    }
    m_metaDataBuffer.wrap(
        memory + static_cast<std::int64_t>(termLength) * LogBufferDescriptor::PARTITION_COUNT,
        static_cast<std::size_t>(LogBufferDescriptor::LOG_META_DATA_LENGTH));
    m_termLength = termLength;
    LogBufferDescriptor::termLength(m_metaDataBuffer, termLength);
}

const std::string& LogBuffers::path() const noexcept
{
    return m_file ? m_file->path() : EMPTY_PATH;
}
} // namespace cox::transport
