#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "cox/util/BitUtil.hpp"

namespace cox::util
{
/// Monotonic time in nanoseconds from an arbitrary origin, for timeouts and intervals. Agents read it
/// once at the top of a duty cycle and pass the value down; nothing below that reads a clock.
class NanoClock
{
public:
    virtual ~NanoClock() = default;
    [[nodiscard]] virtual std::int64_t nanoTime() const noexcept = 0;
};

/// Wall-clock time in milliseconds since the Unix epoch, for timestamps that leave the process
/// (error log, mark files, counters file). Not monotonic: never use it for timeouts inside a process.
class EpochClock
{
public:
    virtual ~EpochClock() = default;
    [[nodiscard]] virtual std::int64_t time() const noexcept = 0;
};

/// std::chrono::steady_clock in nanoseconds.
class SystemNanoClock final : public NanoClock
{
public:
    [[nodiscard]] std::int64_t nanoTime() const noexcept override
    {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
};

/// std::chrono::system_clock in milliseconds since the epoch.
class SystemEpochClock final : public EpochClock
{
public:
    [[nodiscard]] std::int64_t time() const noexcept override
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

/// A nano time written by one owner (typically a conductor at the top of its duty cycle) and read
/// by any thread with acquire, so that several agents share one clock read per cycle. Alone on its
/// cache line: readers on other cores must not false-share with the owner's other fields.
class CachedNanoClock final : public NanoClock
{
public:
    explicit CachedNanoClock(std::int64_t initialNs = 0) noexcept : m_timeNs(initialNs) {}

    [[nodiscard]] std::int64_t nanoTime() const noexcept override { return m_timeNs.load(std::memory_order_acquire); }

    /// Owner thread only.
    void update(std::int64_t timeNs) noexcept { m_timeNs.store(timeNs, std::memory_order_release); }

    /// Owner thread only: a load and a store, not a read-modify-write, as there is a single writer.
    void advance(std::int64_t deltaNs) noexcept
    {
        m_timeNs.store(m_timeNs.load(std::memory_order_relaxed) + deltaNs, std::memory_order_release);
    }

private:
    alignas(CACHE_LINE_LENGTH) std::atomic<std::int64_t> m_timeNs;
    char m_padding[CACHE_LINE_LENGTH - sizeof(std::atomic<std::int64_t>)] = {};
};

/// Epoch milliseconds written by one owner and read by any thread; see CachedNanoClock.
class CachedEpochClock final : public EpochClock
{
public:
    explicit CachedEpochClock(std::int64_t initialMs = 0) noexcept : m_timeMs(initialMs) {}

    [[nodiscard]] std::int64_t time() const noexcept override { return m_timeMs.load(std::memory_order_acquire); }

    /// Owner thread only.
    void update(std::int64_t timeMs) noexcept { m_timeMs.store(timeMs, std::memory_order_release); }

    /// Owner thread only.
    void advance(std::int64_t deltaMs) noexcept
    {
        m_timeMs.store(m_timeMs.load(std::memory_order_relaxed) + deltaMs, std::memory_order_release);
    }

private:
    alignas(CACHE_LINE_LENGTH) std::atomic<std::int64_t> m_timeMs;
    char m_padding[CACHE_LINE_LENGTH - sizeof(std::atomic<std::int64_t>)] = {};
};

/// A nano clock that only moves when a test says so. Atomic so a test thread may advance it while
/// an agent thread reads it.
class ManualNanoClock final : public NanoClock
{
public:
    explicit ManualNanoClock(std::int64_t initialNs = 0) noexcept : m_timeNs(initialNs) {}

    [[nodiscard]] std::int64_t nanoTime() const noexcept override { return m_timeNs.load(std::memory_order_acquire); }
    void set(std::int64_t timeNs) noexcept { m_timeNs.store(timeNs, std::memory_order_release); }
    void advance(std::int64_t deltaNs) noexcept { m_timeNs.fetch_add(deltaNs, std::memory_order_acq_rel); }

private:
    std::atomic<std::int64_t> m_timeNs;
};

/// An epoch clock that only moves when a test says so.
class ManualEpochClock final : public EpochClock
{
public:
    explicit ManualEpochClock(std::int64_t initialMs = 0) noexcept : m_timeMs(initialMs) {}

    [[nodiscard]] std::int64_t time() const noexcept override { return m_timeMs.load(std::memory_order_acquire); }
    void set(std::int64_t timeMs) noexcept { m_timeMs.store(timeMs, std::memory_order_release); }
    void advance(std::int64_t deltaMs) noexcept { m_timeMs.fetch_add(deltaMs, std::memory_order_acq_rel); }

private:
    std::atomic<std::int64_t> m_timeMs;
};
} // namespace cox::util
