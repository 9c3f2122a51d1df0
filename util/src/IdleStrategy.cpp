#include "cox/util/IdleStrategy.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <thread>
#include <time.h>

#include "cox/util/Config.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::util
{
namespace
{
void sleepNs(std::int64_t durationNs) noexcept
{
    // nanosleep directly rather than std::this_thread::sleep_for: it cannot throw and adds no
    // conversion overhead on a path taken thousands of times a second.
    timespec request{};
    request.tv_sec = static_cast<time_t>(durationNs / 1'000'000'000);
    request.tv_nsec = static_cast<long>(durationNs % 1'000'000'000);
    ::nanosleep(&request, nullptr);
}
} // namespace

void YieldingIdleStrategy::idle() noexcept
{
    std::this_thread::yield();
}

SleepingIdleStrategy::SleepingIdleStrategy(std::int64_t sleepPeriodNs) : m_sleepPeriodNs(sleepPeriodNs)
{
    if (sleepPeriodNs <= 0)
    {
        throw IllegalArgumentException("sleeping idle strategy period must be positive: " +
                                       std::to_string(sleepPeriodNs));
    }
}

void SleepingIdleStrategy::idle() noexcept
{
    sleepNs(m_sleepPeriodNs);
}

BackoffIdleStrategy::BackoffIdleStrategy(std::int64_t maxSpins, std::int64_t maxYields, std::int64_t minParkPeriodNs,
                                         std::int64_t maxParkPeriodNs)
    : m_maxSpins(maxSpins), m_maxYields(maxYields), m_minParkPeriodNs(minParkPeriodNs),
      m_maxParkPeriodNs(maxParkPeriodNs), m_parkPeriodNs(minParkPeriodNs)
{
    if (maxSpins < 0 || maxYields < 0 || minParkPeriodNs <= 0 || maxParkPeriodNs < minParkPeriodNs)
    {
        throw IllegalArgumentException(
            "backoff idle strategy needs maxSpins >= 0, maxYields >= 0 and 0 < minParkPeriodNs <= maxParkPeriodNs: "
            "maxSpins=" +
            std::to_string(maxSpins) + " maxYields=" + std::to_string(maxYields) + " minParkPeriodNs=" +
            std::to_string(minParkPeriodNs) + " maxParkPeriodNs=" + std::to_string(maxParkPeriodNs));
    }
}

void BackoffIdleStrategy::idle() noexcept
{
    switch (m_state)
    {
    case State::NotIdle:
        m_state = State::Spinning;
        m_spins = 0;
        [[fallthrough]];
    case State::Spinning:
        if (m_spins < m_maxSpins)
        {
            ++m_spins;
            BusySpinIdleStrategy::pause();
            return;
        }
        m_state = State::Yielding;
        m_yields = 0;
        [[fallthrough]];
    case State::Yielding:
        if (m_yields < m_maxYields)
        {
            ++m_yields;
            std::this_thread::yield();
            return;
        }
        m_state = State::Parking;
        m_parkPeriodNs = m_minParkPeriodNs;
        [[fallthrough]];
    case State::Parking:
        sleepNs(m_parkPeriodNs);
        m_parkPeriodNs = std::min(m_parkPeriodNs * 2, m_maxParkPeriodNs);
        return;
    }
}

void BackoffIdleStrategy::reset() noexcept
{
    m_spins = 0;
    m_yields = 0;
    m_parkPeriodNs = m_minParkPeriodNs;
    m_state = State::NotIdle;
}

namespace
{
/// Applies "key=value,key=value" to params; spec is the whole text, for the error message.
void parseParams(std::string_view spec, std::string_view text, IdleStrategyParams& params)
{
    const auto fail = [&](const std::string& why)
    { throw IllegalArgumentException("invalid idle strategy '" + std::string(spec) + "': " + why); };
    while (!text.empty())
    {
        const std::size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const std::size_t equals = item.find('=');
        if (equals == std::string_view::npos)
        {
            fail("parameter '" + std::string(item) + "' has no value (key=value)");
        }
        const std::string_view key = item.substr(0, equals);
        const std::string_view value = item.substr(equals + 1);
        if (key == "max-park" || key == "min-park" || key == "sleep")
        {
            const std::optional<std::int64_t> ns = Config::parseDurationNs(value);
            if (!ns || *ns <= 0)
            {
                fail("'" + std::string(key) + "' needs a positive duration such as 100us, not '" + std::string(value) +
                     "'");
            }
            (key == "max-park" ? params.maxParkPeriodNs : key == "min-park" ? params.minParkPeriodNs
                                                                            : params.sleepPeriodNs) = *ns;
        }
        else if (key == "max-spins" || key == "max-yields")
        {
            std::int64_t count = 0;
            const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), count);
            if (error != std::errc() || end != value.data() + value.size() || count < 0)
            {
                fail("'" + std::string(key) + "' needs a count, not '" + std::string(value) + "'");
            }
            (key == "max-spins" ? params.maxSpins : params.maxYields) = count;
        }
        else
        {
            fail("unknown parameter '" + std::string(key) +
                 "': expected max-park, min-park, max-spins, max-yields or sleep");
        }
    }
    if (params.minParkPeriodNs > params.maxParkPeriodNs)
    {
        fail("min-park is longer than max-park");
    }
}
} // namespace

std::unique_ptr<IdleStrategy> newIdleStrategy(std::string_view spec, const IdleStrategyParams& defaults)
{
    const std::size_t colon = spec.find(':');
    const std::string_view alias = spec.substr(0, colon);
    IdleStrategyParams params = defaults;
    if (colon != std::string_view::npos)
    {
        parseParams(spec, spec.substr(colon + 1), params);
    }
    if (alias == BusySpinIdleStrategy::ALIAS)
    {
        return std::make_unique<BusySpinIdleStrategy>();
    }
    if (alias == YieldingIdleStrategy::ALIAS)
    {
        return std::make_unique<YieldingIdleStrategy>();
    }
    if (alias == SleepingIdleStrategy::ALIAS)
    {
        return std::make_unique<SleepingIdleStrategy>(params.sleepPeriodNs);
    }
    if (alias == BackoffIdleStrategy::ALIAS)
    {
        return std::make_unique<BackoffIdleStrategy>(params.maxSpins, params.maxYields, params.minParkPeriodNs,
                                                     params.maxParkPeriodNs);
    }
    if (alias == NoOpIdleStrategy::ALIAS)
    {
        return std::make_unique<NoOpIdleStrategy>();
    }
    throw IllegalArgumentException("unknown idle strategy '" + std::string(spec) +
                                   "': expected busy-spin, yielding, sleeping, backoff or noop");
}
} // namespace cox::util
