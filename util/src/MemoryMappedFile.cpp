#include "cox/util/MemoryMappedFile.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cox::util
{
namespace
{
constexpr std::size_t PAGE_SIZE = 4096;

class FileDescriptor
{
public:
    explicit FileDescriptor(int fd) noexcept : m_fd(fd) {}
    ~FileDescriptor()
    {
        if (m_fd >= 0)
        {
            ::close(m_fd);
        }
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    [[nodiscard]] int get() const noexcept { return m_fd; }

private:
    int m_fd;
};

std::uint8_t* mapFile(int fd, std::size_t length, bool readOnly, const std::string& path)
{
    const int protection = readOnly ? PROT_READ : (PROT_READ | PROT_WRITE);
    void* memory = ::mmap(nullptr, length, protection, MAP_SHARED, fd, 0);
    if (memory == MAP_FAILED)
    {
        throw IoException(errnoMessage("mmap", path));
    }
    return static_cast<std::uint8_t*>(memory);
}
} // namespace

std::string errnoMessage(const std::string& what, const std::string& path)
{
    return what + " " + path + ": " + std::strerror(errno);
}

std::unique_ptr<MemoryMappedFile> MemoryMappedFile::create(const std::string& path, std::size_t length, bool preTouch)
{
    if (length == 0)
    {
        throw IllegalArgumentException("cannot map an empty file: " + path);
    }
    FileDescriptor fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0)
    {
        throw IoException(errnoMessage("open", path));
    }
    if (::ftruncate(fd.get(), static_cast<off_t>(length)) != 0)
    {
        throw IoException(errnoMessage("ftruncate", path));
    }
    std::uint8_t* memory = mapFile(fd.get(), length, false, path);
    if (preTouch)
    {
        for (std::size_t i = 0; i < length; i += PAGE_SIZE)
        {
            memory[i] = 0;
        }
    }
    return std::unique_ptr<MemoryMappedFile>(new MemoryMappedFile(path, memory, length));
}

std::unique_ptr<MemoryMappedFile> MemoryMappedFile::open(const std::string& path, bool readOnly)
{
    FileDescriptor fd(::open(path.c_str(), (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC));
    if (fd.get() < 0)
    {
        throw IoException(errnoMessage("open", path));
    }
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0)
    {
        throw IoException(errnoMessage("fstat", path));
    }
    const auto length = static_cast<std::size_t>(st.st_size);
    if (length == 0)
    {
        throw IoException("cannot map an empty file: " + path);
    }
    std::uint8_t* memory = mapFile(fd.get(), length, readOnly, path);
    return std::unique_ptr<MemoryMappedFile>(new MemoryMappedFile(path, memory, length));
}

MemoryMappedFile::MemoryMappedFile(std::string path, std::uint8_t* memory, std::size_t length) noexcept
    : m_path(std::move(path)), m_memory(memory), m_length(length)
{
}

MemoryMappedFile::~MemoryMappedFile()
{
    ::munmap(m_memory, m_length);
}

bool MemoryMappedFile::sync(std::size_t offset, std::size_t length) const noexcept
{
    const std::size_t alignedOffset = offset & ~(PAGE_SIZE - 1);
    const std::size_t end = length == 0 ? m_length : offset + length;
    return ::msync(m_memory + alignedOffset, end - alignedOffset, MS_SYNC) == 0;
}
} // namespace cox::util
