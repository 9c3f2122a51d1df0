#include "cox/sim/SimDisk.hpp"

#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cox/util/Exceptions.hpp"

namespace cox::sim
{
namespace
{
std::uint64_t fileLength(int fd)
{
    struct stat info = {};
    return ::fstat(fd, &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
}

/// Reads [offset, offset + length) as far as the file reaches.
std::vector<std::uint8_t> readRange(int fd, std::uint64_t offset, std::uint64_t length)
{
    const std::uint64_t size = fileLength(fd);
    std::vector<std::uint8_t> bytes(offset < size ? std::min(length, size - offset) : 0);
    std::size_t done = 0;
    while (done < bytes.size())
    {
        const ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
        if (n <= 0)
        {
            bytes.resize(done);
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    return bytes;
}

void writeRange(int fd, std::uint64_t offset, const std::uint8_t* data, std::size_t length)
{
    std::size_t done = 0;
    while (done < length)
    {
        const ssize_t n = ::pwrite(fd, data + done, length - done, static_cast<off_t>(offset + done));
        if (n <= 0)
        {
            throw util::IoException("sim disk: cannot restore " + std::to_string(length) + " bytes");
        }
        done += static_cast<std::size_t>(n);
    }
}

class Fd
{
public:
    explicit Fd(const std::string& path) : m_fd(::open(path.c_str(), O_RDWR | O_CLOEXEC)) {}
    ~Fd()
    {
        if (m_fd >= 0)
        {
            ::close(m_fd);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const noexcept { return m_fd; }

private:
    int m_fd;
};
} // namespace

SimDisk::SimDisk(std::string root) : m_root(std::move(root))
{
    if (!m_root.empty() && m_root.back() != '/')
    {
        m_root += '/';
    }
    util::installDurabilityObserver(this);
}

SimDisk::~SimDisk()
{
    if (util::durabilityObserver() == this)
    {
        util::installDurabilityObserver(nullptr);
    }
}

std::string SimDisk::memberDirectoryOf(const std::string& path) const
{
    if (path.compare(0, m_root.size(), m_root) != 0)
    {
        return {};
    }
    const std::size_t slash = path.find('/', m_root.size());
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

SimDisk::Undo& SimDisk::journal(const std::string& path, bool resize, std::uint64_t offset, std::uint64_t length)
{
    Fd fd(path);
    Undo undo;
    undo.resize = resize;
    undo.offset = offset;
    undo.length = length;
    undo.sizeBefore = fd.get() >= 0 ? fileLength(fd.get()) : 0;
    if (fd.get() >= 0)
    {
        undo.bytes = resize ? (offset < undo.sizeBefore ? readRange(fd.get(), offset, undo.sizeBefore - offset)
                                                         : std::vector<std::uint8_t>{})
                            : readRange(fd.get(), offset, length);
    }
    auto& undos = m_journals[path];
    undos.push_back(std::move(undo));
    return undos.back();
}

void SimDisk::beforeWrite(const std::string& path, std::uint64_t offset, std::uint64_t length)
{
    const std::string directory = memberDirectoryOf(path);
    if (directory.empty())
    {
        return;
    }
    Undo& undo = journal(path, false, offset, length);
    auto it = m_members.find(directory);
    if (it == m_members.end() || it->second.struck || it->second.countdown < 0)
    {
        return;
    }
    Member& member = it->second;
    if (--member.countdown == 0)
    {
        member.struck = true;
        if (member.tearFraction > 0 && member.tearFraction < 1)
        {
            undo.landed = static_cast<std::uint64_t>(static_cast<double>(length) * member.tearFraction);
        }
        if (member.onStrike)
        {
            member.onStrike();
        }
    }
}

void SimDisk::beforeResize(const std::string& path, std::uint64_t length)
{
    if (!memberDirectoryOf(path).empty())
    {
        static_cast<void>(journal(path, true, length, 0));
    }
}

void SimDisk::afterSync(const std::string& path)
{
    const std::string directory = memberDirectoryOf(path);
    if (directory.empty())
    {
        return;
    }
    const auto it = m_members.find(directory);
    if (it != m_members.end() && it->second.struck)
    {
        return; // the machine is off: this sync never happened
    }
    m_journals.erase(path);
}

void SimDisk::arm(const std::string& directory, std::int64_t writesFromNow, double tearFraction,
                  std::function<void()> onStrike)
{
    Member& member = m_members[memberDirectoryOf(directory + "/x")];
    member.countdown = std::max<std::int64_t>(1, writesFromNow);
    member.tearFraction = tearFraction;
    member.struck = false;
    member.onStrike = std::move(onStrike);
}

bool SimDisk::hasStruck(const std::string& directory) const
{
    const auto it = m_members.find(memberDirectoryOf(directory + "/x"));
    return it != m_members.end() && it->second.struck;
}

std::int64_t SimDisk::powerLoss(const std::string& directory)
{
    const std::string memberDirectory = memberDirectoryOf(directory + "/x");
    std::int64_t undone = 0;
    for (auto it = m_journals.begin(); it != m_journals.end();)
    {
        if (memberDirectoryOf(it->first) != memberDirectory)
        {
            ++it;
            continue;
        }
        Fd fd(it->first);
        if (fd.get() >= 0) // a file deleted since stays deleted: unlinks are treated as durable
        {
            // Newest first, so each undo sees the file as it was right after the change it reverses.
            for (auto undo = it->second.rbegin(); undo != it->second.rend(); ++undo)
            {
                if (undo->resize)
                {
                    if (::ftruncate(fd.get(), static_cast<off_t>(undo->sizeBefore)) != 0)
                    {
                        throw util::IoException("sim disk: cannot restore the length of " + it->first);
                    }
                    if (!undo->bytes.empty())
                    {
                        writeRange(fd.get(), undo->offset, undo->bytes.data(), undo->bytes.size());
                    }
                }
                else
                {
                    // Bytes past the old end were new: the length is put back below. Of a torn write, the first
                    // `landed` bytes stay.
                    const std::uint64_t keep = std::min<std::uint64_t>(undo->landed, undo->bytes.size());
                    if (undo->bytes.size() > keep)
                    {
                        writeRange(fd.get(), undo->offset + keep, undo->bytes.data() + keep, undo->bytes.size() - keep);
                    }
                    const std::uint64_t length = std::max(undo->sizeBefore, undo->offset + undo->landed);
                    if (fileLength(fd.get()) > length && ::ftruncate(fd.get(), static_cast<off_t>(length)) != 0)
                    {
                        throw util::IoException("sim disk: cannot restore the length of " + it->first);
                    }
                }
                ++undone;
            }
        }
        it = m_journals.erase(it);
    }
    m_members.erase(memberDirectory);
    return undone;
}

std::int64_t SimDisk::unsyncedWrites() const noexcept
{
    std::int64_t count = 0;
    for (const auto& [path, undos] : m_journals)
    {
        count += static_cast<std::int64_t>(undos.size());
    }
    return count;
}
} // namespace cox::sim
