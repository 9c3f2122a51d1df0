#include "FileIo.hpp"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "cox/util/Exceptions.hpp"
#include "cox/util/DurabilityObserver.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::cluster::detail
{
namespace
{
// Without this a file created just before a power loss can vanish even though its data was synced.
void syncParentDirectory(const std::string& path)
{
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    const char* directory = parent.empty() ? "." : parent.c_str();
    const int fd = ::open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
    {
        throw util::IoException(util::errnoMessage("open directory", directory));
    }
    const int result = ::fsync(fd);
    const int savedErrno = errno;
    ::close(fd);
    if (result != 0)
    {
        errno = savedErrno;
        throw util::IoException(util::errnoMessage("fsync directory", directory));
    }
}
} // namespace

FileIo::FileIo(std::string path, bool create) : m_path(std::move(path))
{
    m_fd = ::open(m_path.c_str(), O_RDWR | O_CLOEXEC);
    if (m_fd < 0 && errno == ENOENT && create)
    {
        m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        m_created = m_fd >= 0;
    }
    if (m_fd < 0)
    {
        throw util::IoException(util::errnoMessage("open", m_path));
    }
    if (m_created)
    {
        syncParentDirectory(m_path);
    }
}

FileIo::~FileIo()
{
    if (m_fd >= 0)
    {
        ::close(m_fd);
    }
}

std::uint64_t FileIo::size() const
{
    struct stat status{};
    if (::fstat(m_fd, &status) != 0)
    {
        throw util::IoException(util::errnoMessage("fstat", m_path));
    }
    return static_cast<std::uint64_t>(status.st_size);
}

std::size_t FileIo::readAt(std::uint64_t offset, void* dst, std::size_t length) const
{
    auto* bytes = static_cast<std::uint8_t*>(dst);
    std::size_t total = 0;
    while (total < length)
    {
        const ssize_t result = ::pread(m_fd, bytes + total, length - total, static_cast<off_t>(offset + total));
        if (result < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            throw util::IoException(util::errnoMessage("pread", m_path));
        }
        if (result == 0)
        {
            break;
        }
        total += static_cast<std::size_t>(result);
    }
    return total;
}

void FileIo::writeAt(std::uint64_t offset, const void* src, std::size_t length) const
{
    if (util::DurabilityObserver* observer = util::durabilityObserver())
    {
        observer->beforeWrite(m_path, offset, length);
    }
    const auto* bytes = static_cast<const std::uint8_t*>(src);
    std::size_t total = 0;
    while (total < length)
    {
        const ssize_t result = ::pwrite(m_fd, bytes + total, length - total, static_cast<off_t>(offset + total));
        if (result < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            throw util::IoException(util::errnoMessage("pwrite", m_path));
        }
        total += static_cast<std::size_t>(result);
    }
}

void FileIo::truncate(std::uint64_t length) const
{
    if (util::DurabilityObserver* observer = util::durabilityObserver())
    {
        observer->beforeResize(m_path, length);
    }
    if (::ftruncate(m_fd, static_cast<off_t>(length)) != 0)
    {
        throw util::IoException(util::errnoMessage("ftruncate", m_path));
    }
}

void FileIo::sync(archive::FileSyncLevel level) const
{
    int result = 0;
    switch (level)
    {
    case archive::FileSyncLevel::NONE:
        return;
    case archive::FileSyncLevel::DATA:
        result = ::fdatasync(m_fd);
        break;
    case archive::FileSyncLevel::DATA_AND_METADATA:
        result = ::fsync(m_fd);
        break;
    }
    if (result != 0)
    {
        throw util::IoException(util::errnoMessage("sync", m_path));
    }
    if (util::DurabilityObserver* observer = util::durabilityObserver())
    {
        observer->afterSync(m_path);
    }
}
} // namespace cox::cluster::detail
