#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

namespace cox::util
{
/// What a duty cycle does when it found no work: Agrona's IdleStrategy. Called on the agent's own
/// thread only; implementations keep no shared state.
///
/// The concrete strategies are final, so an AgentRunner templated on one of them calls it without
/// virtual dispatch; through this base it works with a strategy chosen at run time by name.
class IdleStrategy
{
public:
    virtual ~IdleStrategy() = default;

    /// Idle if workCount is zero; any work resets the strategy's back-off.
    virtual void idle(int workCount) noexcept
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    /// Idle unconditionally, advancing any back-off one step.
    virtual void idle() noexcept = 0;

    /// Forget any back-off, as after work was done.
    virtual void reset() noexcept {}

    /// Stable name, as accepted by newIdleStrategy().
    [[nodiscard]] virtual std::string_view alias() const noexcept = 0;
};

/// Never idles: for benchmarks and the caller-driven invoker mode.
class NoOpIdleStrategy final : public IdleStrategy
{
public:
    static constexpr std::string_view ALIAS = "noop";

    void idle(int) noexcept override {}
    void idle() noexcept override {}
    [[nodiscard]] std::string_view alias() const noexcept override { return ALIAS; }
};

/// Spins with a CPU pause hint: lowest latency, burns a core.
class BusySpinIdleStrategy final : public IdleStrategy
{
public:
    static constexpr std::string_view ALIAS = "busy-spin";

    void idle(int workCount) noexcept override
    {
        if (workCount <= 0)
        {
            idle();
        }
    }
    void idle() noexcept override { pause(); }
    [[nodiscard]] std::string_view alias() const noexcept override { return ALIAS; }

    /// The CPU's spin-wait hint (x86 PAUSE, ARM YIELD), or nothing.
    static void pause() noexcept
    {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        asm volatile("yield" ::: "memory");
#endif
    }
};

/// Gives up the rest of the time slice on every idle cycle.
class YieldingIdleStrategy final : public IdleStrategy
{
public:
    static constexpr std::string_view ALIAS = "yielding";

    void idle(int workCount) noexcept override
    {
        if (workCount <= 0)
        {
            idle();
        }
    }
    void idle() noexcept override;
    [[nodiscard]] std::string_view alias() const noexcept override { return ALIAS; }
};

/// Sleeps a fixed period on every idle cycle.
class SleepingIdleStrategy final : public IdleStrategy
{
public:
    static constexpr std::string_view ALIAS = "sleeping";
    static constexpr std::int64_t DEFAULT_SLEEP_PERIOD_NS = 1'000;

    /// sleepPeriodNs must be positive; throws IllegalArgumentException otherwise.
    explicit SleepingIdleStrategy(std::int64_t sleepPeriodNs = DEFAULT_SLEEP_PERIOD_NS);

    void idle(int workCount) noexcept override
    {
        if (workCount <= 0)
        {
            idle();
        }
    }
    void idle() noexcept override;
    [[nodiscard]] std::string_view alias() const noexcept override { return ALIAS; }
    [[nodiscard]] std::int64_t sleepPeriodNs() const noexcept { return m_sleepPeriodNs; }

private:
    std::int64_t m_sleepPeriodNs;
};

/// Agrona's BackoffIdleStrategy: spin maxSpins times, then yield maxYields times, then sleep,
/// starting at minParkPeriodNs and doubling up to maxParkPeriodNs. Any work resets it to the start.
/// The default for shared-mode agents on small machines, where spinning would starve the others.
class BackoffIdleStrategy final : public IdleStrategy
{
public:
    static constexpr std::string_view ALIAS = "backoff";
    static constexpr std::int64_t DEFAULT_MAX_SPINS = 10;
    static constexpr std::int64_t DEFAULT_MAX_YIELDS = 5;
    static constexpr std::int64_t DEFAULT_MIN_PARK_PERIOD_NS = 1'000;
    static constexpr std::int64_t DEFAULT_MAX_PARK_PERIOD_NS = 1'000'000;

    enum class State : std::int8_t
    {
        NotIdle,
        Spinning,
        Yielding,
        Parking
    };

    /// Throws IllegalArgumentException for negative counts or 0 < minParkPeriodNs <= maxParkPeriodNs
    /// not holding.
    BackoffIdleStrategy(std::int64_t maxSpins = DEFAULT_MAX_SPINS, std::int64_t maxYields = DEFAULT_MAX_YIELDS,
                        std::int64_t minParkPeriodNs = DEFAULT_MIN_PARK_PERIOD_NS,
                        std::int64_t maxParkPeriodNs = DEFAULT_MAX_PARK_PERIOD_NS);

    void idle(int workCount) noexcept override
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }
    void idle() noexcept override;
    void reset() noexcept override;
    [[nodiscard]] std::string_view alias() const noexcept override { return ALIAS; }

    [[nodiscard]] State state() const noexcept { return m_state; }
    /// The sleep the next parking idle() will take.
    [[nodiscard]] std::int64_t parkPeriodNs() const noexcept { return m_parkPeriodNs; }

private:
    std::int64_t m_maxSpins;
    std::int64_t m_maxYields;
    std::int64_t m_minParkPeriodNs;
    std::int64_t m_maxParkPeriodNs;
    std::int64_t m_spins = 0;
    std::int64_t m_yields = 0;
    std::int64_t m_parkPeriodNs;
    State m_state = State::NotIdle;
};

/// Parameters for newIdleStrategy(); each applies only to the strategies that use it.
struct IdleStrategyParams
{
    std::int64_t sleepPeriodNs = SleepingIdleStrategy::DEFAULT_SLEEP_PERIOD_NS;
    std::int64_t maxSpins = BackoffIdleStrategy::DEFAULT_MAX_SPINS;
    std::int64_t maxYields = BackoffIdleStrategy::DEFAULT_MAX_YIELDS;
    std::int64_t minParkPeriodNs = BackoffIdleStrategy::DEFAULT_MIN_PARK_PERIOD_NS;
    std::int64_t maxParkPeriodNs = BackoffIdleStrategy::DEFAULT_MAX_PARK_PERIOD_NS;
};

/// Builds a strategy from its alias: "busy-spin", "yielding", "sleeping", "backoff" or "noop", as a
/// configuration file names it, optionally followed by parameters that override params:
/// "backoff:max-park=100us,min-park=1us,max-spins=10,max-yields=5" or "sleeping:sleep=50us". Throws
/// IllegalArgumentException naming the value and the valid choices for anything else.
[[nodiscard]] std::unique_ptr<IdleStrategy> newIdleStrategy(std::string_view spec,
                                                            const IdleStrategyParams& defaults = {});
} // namespace cox::util
