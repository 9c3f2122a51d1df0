#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cox/util/AtomicBuffer.hpp"

namespace cox::util
{
/// A file mapped shared into memory: log buffers, counters, error logs and mark files live in
/// these so another process (a tool, a viewer) can read them live. Set-up only; throws IoException
/// with the path and errno's text on failure.
class MemoryMappedFile
{
public:
    /// Creates (or truncates) the file at path, sizes it to length bytes, zero-filled, and maps it.
    /// With preTouch every page is written once, so the first use on a hot path takes no fault.
    static std::unique_ptr<MemoryMappedFile> create(const std::string& path, std::size_t length, bool preTouch = false);

    /// Maps an existing file whole; readOnly maps it PROT_READ for viewers.
    static std::unique_ptr<MemoryMappedFile> open(const std::string& path, bool readOnly = false);

    ~MemoryMappedFile();
    MemoryMappedFile(const MemoryMappedFile&) = delete;
    MemoryMappedFile& operator=(const MemoryMappedFile&) = delete;

    [[nodiscard]] std::uint8_t* memory() const noexcept { return m_memory; }
    [[nodiscard]] std::size_t length() const noexcept { return m_length; }
    [[nodiscard]] const std::string& path() const noexcept { return m_path; }
    [[nodiscard]] AtomicBuffer buffer() const noexcept { return {m_memory, m_length}; }

    /// msync of the whole mapping (or a range); returns false and leaves errno on failure.
    bool sync(std::size_t offset = 0, std::size_t length = 0) const noexcept;

private:
    MemoryMappedFile(std::string path, std::uint8_t* memory, std::size_t length) noexcept;

    std::string m_path;
    std::uint8_t* m_memory;
    std::size_t m_length;
};

/// "<what> <path>: <strerror(errno)>" for set-up errors.
[[nodiscard]] std::string errnoMessage(const std::string& what, const std::string& path);
} // namespace cox::util
