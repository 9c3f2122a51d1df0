#include "cox/util/MarkFile.hpp"

#include <cerrno>
#include <filesystem>
#include <signal.h>
#include <unistd.h>

#include "cox/util/Exceptions.hpp"

namespace cox::util
{
namespace
{
// Checks what a file from an unknown writer must satisfy before any other field is trusted.
bool isCompleteMarkFile(const AtomicBuffer& buffer)
{
    if (buffer.capacity() < MarkFile::OWNER_HEADER_OFFSET ||
        buffer.getInt64(MarkFile::MAGIC_OFFSET) != MarkFile::MAGIC ||
        buffer.getInt32Volatile(MarkFile::VERSION_OFFSET) <= 0)
    {
        return false;
    }
    const std::int32_t ownerHeaderLength = buffer.getInt32(MarkFile::OWNER_HEADER_LENGTH_OFFSET);
    return ownerHeaderLength >= 0 &&
           static_cast<std::size_t>(ownerHeaderLength) <= buffer.capacity() - MarkFile::OWNER_HEADER_OFFSET;
}

bool processExists(std::int64_t pid)
{
    if (pid <= 0 || pid > INT32_MAX)
    {
        return false;
    }
    // Signal 0 checks existence only. EPERM means it exists but belongs to someone else.
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}
} // namespace

MarkFile::MarkFile(std::unique_ptr<MemoryMappedFile> file, bool isOwner)
    : m_file(std::move(file)), m_buffer(m_file->buffer()), m_isOwner(isOwner)
{
    const auto ownerHeaderLength = static_cast<std::size_t>(m_buffer.getInt32(OWNER_HEADER_LENGTH_OFFSET));
    m_ownerHeader.wrap(m_buffer, OWNER_HEADER_OFFSET, ownerHeaderLength);
}

std::unique_ptr<MarkFile> MarkFile::create(const std::string& path, std::int32_t version, std::size_t ownerHeaderLength,
                                           std::int64_t nowMs, std::int64_t timeoutMs)
{
    if (version <= 0)
    {
        throw IllegalArgumentException("mark file version must be positive: " + std::to_string(version));
    }
    if (ownerHeaderLength > static_cast<std::size_t>(INT32_MAX) - OWNER_HEADER_OFFSET)
    {
        throw IllegalArgumentException("mark file owner header too long: " + std::to_string(ownerHeaderLength));
    }
    if (isActive(path, nowMs, timeoutMs))
    {
        const auto existing = openReadOnly(path);
        throw IllegalStateException("mark file in use by pid " + std::to_string(existing->pid()) + ", active " +
                                    std::to_string(nowMs - existing->activityTimestampVolatile()) + " ms ago: " + path);
    }

    auto file = MemoryMappedFile::create(path, OWNER_HEADER_OFFSET + ownerHeaderLength);
    AtomicBuffer buffer = file->buffer();
    buffer.putInt64(MAGIC_OFFSET, MAGIC);
    buffer.putInt64(PID_OFFSET, ::getpid());
    buffer.putInt64(START_TIMESTAMP_OFFSET, nowMs);
    buffer.putInt64Ordered(ACTIVITY_TIMESTAMP_OFFSET, nowMs);
    buffer.putInt32(OWNER_HEADER_LENGTH_OFFSET, static_cast<std::int32_t>(ownerHeaderLength));
    buffer.putInt32Ordered(ACTIVE_OFFSET, 1);
    buffer.putInt32Ordered(VERSION_OFFSET, version);
    return std::unique_ptr<MarkFile>(new MarkFile(std::move(file), true));
}

std::unique_ptr<MarkFile> MarkFile::openReadOnly(const std::string& path)
{
    auto file = MemoryMappedFile::open(path, true);
    if (!isCompleteMarkFile(file->buffer()))
    {
        throw IllegalStateException("not a complete mark file: " + path);
    }
    return std::unique_ptr<MarkFile>(new MarkFile(std::move(file), false));
}

bool MarkFile::isActive(const std::string& path, std::int64_t nowMs, std::int64_t timeoutMs)
{
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error) || std::filesystem::file_size(path, error) == 0 || error)
    {
        return false;
    }
    const auto file = MemoryMappedFile::open(path, true);
    const AtomicBuffer buffer = file->buffer();
    if (!isCompleteMarkFile(buffer) || buffer.getInt32Volatile(ACTIVE_OFFSET) == 0 ||
        !processExists(buffer.getInt64(PID_OFFSET)))
    {
        return false;
    }
    return nowMs - buffer.getInt64Volatile(ACTIVITY_TIMESTAMP_OFFSET) <= timeoutMs;
}

MarkFile::~MarkFile()
{
    if (m_isOwner)
    {
        close();
    }
}

void MarkFile::updateActivityTimestamp(std::int64_t nowMs)
{
    m_buffer.putInt64Ordered(ACTIVITY_TIMESTAMP_OFFSET, nowMs);
}

void MarkFile::close()
{
    if (!m_isOwner || m_isClosed)
    {
        return;
    }
    m_isClosed = true;
    m_buffer.putInt32Ordered(ACTIVE_OFFSET, 0);
    (void)m_file->sync();
}

std::int64_t MarkFile::activityTimestampVolatile() const
{
    return m_buffer.getInt64Volatile(ACTIVITY_TIMESTAMP_OFFSET);
}

bool MarkFile::isActiveFlagSet() const
{
    return m_buffer.getInt32Volatile(ACTIVE_OFFSET) != 0;
}

std::int32_t MarkFile::version() const
{
    return m_buffer.getInt32Volatile(VERSION_OFFSET);
}

std::int64_t MarkFile::pid() const
{
    return m_buffer.getInt64(PID_OFFSET);
}

std::int64_t MarkFile::startTimestampMs() const
{
    return m_buffer.getInt64(START_TIMESTAMP_OFFSET);
}
} // namespace cox::util
