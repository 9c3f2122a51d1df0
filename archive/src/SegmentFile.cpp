#include "cox/archive/SegmentFile.hpp"

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "cox/util/BitUtil.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/DurabilityObserver.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::archive::SegmentFile
{
namespace
{
constexpr const char* DELETE_SUFFIX = ".del";

bool parseNumber(const char* first, const char* last, std::int64_t& value) noexcept
{
    if (first == last)
    {
        return false;
    }
    const auto [end, ec] = std::from_chars(first, last, value);
    return ec == std::errc() && end == last && value >= 0;
}

bool parseWithSuffix(const std::string& name, const char* suffix, std::int64_t& recordingId, std::int64_t& base) noexcept
{
    const std::size_t suffixLength = std::char_traits<char>::length(suffix);
    if (name.size() <= suffixLength || name.compare(name.size() - suffixLength, suffixLength, suffix) != 0)
    {
        return false;
    }
    const std::size_t dash = name.find('-');
    if (dash == std::string::npos)
    {
        return false;
    }
    const char* data = name.data();
    return parseNumber(data, data + dash, recordingId) &&
        parseNumber(data + dash + 1, data + name.size() - suffixLength, base);
}

/// Every (base, file name) of the recording, for either suffix.
std::vector<std::pair<std::int64_t, std::string>> listFiles(
    const std::string& archiveDir, std::int64_t recordingId, bool includeDeleted)
{
    DIR* dir = ::opendir(archiveDir.c_str());
    if (dir == nullptr)
    {
        throw util::IoException(util::errnoMessage("list archive directory", archiveDir));
    }
    std::vector<std::pair<std::int64_t, std::string>> files;
    while (const dirent* entry = ::readdir(dir))
    {
        const std::string name(entry->d_name);
        std::int64_t id = -1;
        std::int64_t base = -1;
        if ((parseWithSuffix(name, SUFFIX, id, base) ||
                (includeDeleted && parseWithSuffix(name, DELETE_SUFFIX, id, base))) &&
            id == recordingId)
        {
            files.emplace_back(base, name);
        }
    }
    ::closedir(dir);
    std::sort(files.begin(), files.end());
    return files;
}
} // namespace

std::string fileName(std::int64_t recordingId, std::int64_t segmentBasePosition)
{
    return std::to_string(recordingId) + "-" + std::to_string(segmentBasePosition) + SUFFIX;
}

bool parseFileName(const std::string& name, std::int64_t& recordingId, std::int64_t& segmentBasePosition) noexcept
{
    return parseWithSuffix(name, SUFFIX, recordingId, segmentBasePosition);
}

std::int32_t segmentLengthFor(std::int32_t configuredLength, std::int32_t termLength) noexcept
{
    return std::max(configuredLength, termLength);
}

void validateLengths(std::int32_t segmentLength, std::int32_t termLength)
{
    if (!util::isPowerOfTwo(termLength))
    {
        throw util::IllegalArgumentException("term length not a power of two: " + std::to_string(termLength));
    }
    if (!util::isPowerOfTwo(segmentLength) || segmentLength < termLength || segmentLength > MAX_SEGMENT_LENGTH ||
        (segmentLength < MIN_SEGMENT_LENGTH && segmentLength != termLength))
    {
        throw util::IllegalArgumentException("invalid segment length " + std::to_string(segmentLength) +
            " for term length " + std::to_string(termLength));
    }
}

std::int64_t basePosition(
    std::int64_t startPosition, std::int64_t position, std::int32_t termLength, std::int32_t segmentLength) noexcept
{
    const std::int64_t startTermBase = startPosition - (startPosition & (termLength - 1));
    const std::int64_t lengthFromBase = position - startTermBase;
    return startTermBase + (lengthFromBase - (lengthFromBase & (segmentLength - 1)));
}

std::vector<std::int64_t> listBases(const std::string& archiveDir, std::int64_t recordingId)
{
    std::vector<std::int64_t> bases;
    for (const auto& [base, name] : listFiles(archiveDir, recordingId, false))
    {
        bases.push_back(base);
    }
    return bases;
}

std::int32_t deleteSegments(
    const std::string& archiveDir, std::int64_t recordingId, std::int64_t fromBase, std::int64_t toBase)
{
    std::int32_t deleted = 0;
    for (const auto& [base, name] : listFiles(archiveDir, recordingId, true))
    {
        if (base < fromBase || base >= toBase)
        {
            continue;
        }
        const std::string path = archiveDir + "/" + name;
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        {
            throw util::IoException(util::errnoMessage("delete segment", path));
        }
        ++deleted;
    }
    return deleted;
}

std::int32_t deleteAllSegments(const std::string& archiveDir, std::int64_t recordingId)
{
    return deleteSegments(archiveDir, recordingId, 0, INT64_MAX);
}

bool syncDirectory(const std::string& archiveDir) noexcept
{
    const int fd = ::open(archiveDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
    {
        return false;
    }
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

void zeroTail(const std::string& path, std::int64_t offset, std::int64_t fileLength, FileSyncLevel syncLevel)
{
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
    {
        throw util::IoException(util::errnoMessage("open segment", path));
    }
    // Cutting then re-extending leaves the tail sparse and reading as zero, whatever was there.
    util::DurabilityObserver* observer = util::durabilityObserver();
    if (observer != nullptr)
    {
        observer->beforeResize(path, static_cast<std::uint64_t>(offset));
        observer->beforeResize(path, static_cast<std::uint64_t>(fileLength));
    }
    bool ok = ::ftruncate(fd, offset) == 0 && ::ftruncate(fd, fileLength) == 0;
    if (ok && syncLevel != FileSyncLevel::NONE)
    {
        ok = (syncLevel == FileSyncLevel::DATA ? ::fdatasync(fd) : ::fsync(fd)) == 0;
        if (ok && observer != nullptr)
        {
            observer->afterSync(path);
        }
    }
    const int savedErrno = errno;
    ::close(fd);
    if (!ok)
    {
        errno = savedErrno;
        throw util::IoException(util::errnoMessage("cut segment", path));
    }
}

std::size_t readFile(const std::string& path, std::vector<std::uint8_t>& out, std::size_t maxLength)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
    {
        throw util::IoException(util::errnoMessage("open segment", path));
    }
    const off_t size = ::lseek(fd, 0, SEEK_END);
    const std::size_t length = size < 0 ? 0 : std::min(static_cast<std::size_t>(size), maxLength);
    out.assign(length, 0);
    std::size_t done = 0;
    while (done < length)
    {
        const ssize_t n = ::pread(fd, out.data() + done, length - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            const int savedErrno = errno;
            ::close(fd);
            errno = savedErrno;
            throw util::IoException(util::errnoMessage("read segment", path));
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return done;
}
} // namespace cox::archive::SegmentFile
