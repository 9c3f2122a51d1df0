#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>

#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/Clock.hpp"

namespace cox::util
{
/// Records each distinct error once, with how many times and when it was first and last seen, in a
/// buffer (normally a memory-mapped file) that tools read with ErrorLogReader: Agrona's
/// DistinctErrorLog. A storm of one error costs a counter bump, not a flood of log lines.
///
/// Errors are distinct by their text (for exceptions: type name and what()). Thread-safe: observing a
/// known error uses only atomics on its record; inserting a new one takes a lock.
class DistinctErrorLog
{
public:
    /// Over a zeroed buffer (a new file is), 8-byte aligned. Buffer and clock must outlive the log.
    DistinctErrorLog(const AtomicBuffer& buffer, const EpochClock& epochClock);

    DistinctErrorLog(const DistinctErrorLog&) = delete;
    DistinctErrorLog& operator=(const DistinctErrorLog&) = delete;

    /// Records an observation of error, timestamped with the clock. Returns false when the error is new
    /// and the buffer has no room for it (the caller should fall back to stderr).
    bool record(std::string_view errorText);

    /// record(errorText(error)).
    bool record(const std::exception& error);

    /// The text an exception is recorded under: its demangled type name, ": ", then what().
    [[nodiscard]] static std::string errorText(const std::exception& error);

    [[nodiscard]] const AtomicBuffer& buffer() const noexcept { return m_buffer; }

private:
    // Offset of the published record holding text, searching from offset to the first unpublished
    // record; or the offset of that first free position, with found false.
    struct Search
    {
        std::size_t offset;
        bool found;
    };
    [[nodiscard]] Search find(std::string_view text, std::size_t offset) const noexcept;
    void observe(std::size_t recordOffset, std::int64_t timestampMs) noexcept;

    AtomicBuffer m_buffer;
    const EpochClock& m_epochClock;
    std::mutex m_insertLock;
};
} // namespace cox::util
