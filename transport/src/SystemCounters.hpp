#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "cox/util/AtomicCounter.hpp"
#include "cox/util/CountersManager.hpp"

namespace cox::transport
{
/// The driver's system counters (Aeron's type 0, key = the counter's number) that tools watch for
/// trouble: malformed input, loss and recovery. Any driver thread may increment them.
struct SystemCounters
{
    util::AtomicCounter invalidPackets;
    util::AtomicCounter naksSent;
    util::AtomicCounter retransmitsSent;
    util::AtomicCounter lossGeneratorDrops;
    util::AtomicCounter flowControlUnderRuns;
    util::AtomicCounter flowControlOverRuns;
    util::AtomicCounter conductorStalls;

    void allocate(util::CountersManager& counters)
    {
        invalidPackets = newSystemCounter(counters, 14, "Invalid packets");
        naksSent = newSystemCounter(counters, 5, "NAKs sent");
        retransmitsSent = newSystemCounter(counters, 11, "Retransmits sent");
        lossGeneratorDrops = newSystemCounter(counters, 100, "Loss generator drops (tests)");
        flowControlUnderRuns = newSystemCounter(counters, 12, "Flow control under runs");
        flowControlOverRuns = newSystemCounter(counters, 13, "Flow control over runs");
        conductorStalls = newSystemCounter(counters, 25, "Conductor cycle time threshold exceeded");
    }

private:
    static util::AtomicCounter newSystemCounter(util::CountersManager& counters, std::int32_t id, const char* label)
    {
        std::uint8_t key[sizeof(std::int32_t)];
        std::memcpy(key, &id, sizeof(id));
        return counters.newCounter(label, 0, std::span<const std::uint8_t>(key, sizeof(key)));
    }
};

/// Increments a system counter when the owner was given the set (tests and fuzzers may build
/// endpoints and images without one).
inline void countIn(SystemCounters* counters, util::AtomicCounter SystemCounters::*counter) noexcept
{
    if (counters != nullptr)
    {
        (counters->*counter).increment();
    }
}
} // namespace cox::transport
