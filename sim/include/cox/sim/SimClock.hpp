#pragma once

#include <cstdint>

#include "cox/util/Clock.hpp"

namespace cox::sim
{
/// The one true time of a simulation, in nanoseconds from its start. Only the simulation's step loop moves it;
/// members never see it directly, only through their own SimNanoClock / SimEpochClock.
class SimulatedTime
{
public:
    [[nodiscard]] std::int64_t nowNs() const noexcept { return m_nowNs; }
    void advance(std::int64_t deltaNs) noexcept { m_nowNs += deltaNs; }

private:
    std::int64_t m_nowNs = 0;
};

/// A member's monotonic clock: the simulated time plus a per-member offset (skew) and drift. Forward jumps move
/// the offset; it never goes back, as a monotonic clock must not.
class SimNanoClock final : public util::NanoClock
{
public:
    /// driftPpm: parts per million the clock runs fast (positive) or slow (negative), |driftPpm| < 1e6.
    SimNanoClock(const SimulatedTime& time, std::int64_t offsetNs, std::int64_t driftPpm = 0) noexcept
        : m_time(time), m_offsetNs(offsetNs), m_driftPpm(driftPpm)
    {
    }

    [[nodiscard]] std::int64_t nanoTime() const noexcept override
    {
        const std::int64_t now = m_time.nowNs();
        return now + m_offsetNs + now / 1'000'000 * m_driftPpm;
    }

    void jumpForward(std::int64_t deltaNs) noexcept { m_offsetNs += deltaNs > 0 ? deltaNs : 0; }

private:
    const SimulatedTime& m_time;
    std::int64_t m_offsetNs;
    std::int64_t m_driftPpm;
};

/// A member's wall clock in epoch milliseconds: a fixed simulated start date plus its nano clock, plus its own
/// offset, which may jump either way (an NTP step).
class SimEpochClock final : public util::EpochClock
{
public:
    /// 2024-01-01T00:00:00Z: a fixed start, so that nothing derived from the wall clock differs between replays.
    static constexpr std::int64_t START_EPOCH_MS = 1'704'067'200'000;

    explicit SimEpochClock(const SimNanoClock& nanoClock, std::int64_t offsetMs = 0) noexcept
        : m_nanoClock(nanoClock), m_offsetMs(offsetMs)
    {
    }

    [[nodiscard]] std::int64_t time() const noexcept override
    {
        return START_EPOCH_MS + m_offsetMs + m_nanoClock.nanoTime() / 1'000'000;
    }

    void jump(std::int64_t deltaMs) noexcept { m_offsetMs += deltaMs; }

private:
    const SimNanoClock& m_nanoClock;
    std::int64_t m_offsetMs;
};
} // namespace cox::sim
