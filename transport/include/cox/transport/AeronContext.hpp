#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cox/util/Clock.hpp"
#include "cox/util/ErrorHandler.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
class Image;

/// Called on the client conductor's thread (or the invoking thread in invoker mode) when an image joins
/// or leaves a subscription. The image reference is valid during the callback; keep a shared_ptr from
/// Subscription::imageBySessionId() to hold on to it.
using OnAvailableImage = std::function<void(Image& image)>;
using OnUnavailableImage = std::function<void(Image& image)>;

/// The media driver did not answer (cnc.dat absent or not ready, a command ring full, or no response to a
/// command) within AeronContext::driverTimeoutMs. Aeron's DriverTimeoutException.
class DriverTimeoutException : public util::IoException
{
public:
    using util::IoException::IoException;
};

/// The driver refused a command with an Error response; carries Aeron's error code
/// (CncFileDescriptor::ErrorCode) and the driver's message.
class RegistrationException : public util::CoxException
{
public:
    RegistrationException(std::int32_t errorCode, const std::string& message,
                          std::source_location where = std::source_location::current())
        : util::CoxException(message, where), m_errorCode(errorCode)
    {
    }

    [[nodiscard]] std::int32_t errorCode() const noexcept { return m_errorCode; }

private:
    std::int32_t m_errorCode;
};

/// The driver declared this client dead (ClientTimeout); the client is closed and must be reconnected.
class ClientTimeoutException : public util::IllegalStateException
{
public:
    using util::IllegalStateException::IllegalStateException;
};

/// Configuration and injected dependencies of an Aeron client (Aeron's Aeron.Context). Plain fields; call
/// conclude() (Aeron::connect does) to fill in the defaults left empty.
struct AeronContext
{
    static constexpr std::int64_t DEFAULT_DRIVER_TIMEOUT_MS = 10'000;
    static constexpr std::int64_t DEFAULT_KEEPALIVE_INTERVAL_NS = 500'000'000;
    static constexpr std::int64_t DEFAULT_RESOURCE_LINGER_DURATION_NS = 3'000'000'000;

    /// The driver directory holding cnc.dat and counters.dat; defaultAeronDirectoryName() when empty.
    std::string aeronDirectoryName;
    /// How long to wait for the driver: cnc.dat to appear, ring space, a response.
    std::int64_t driverTimeoutMs = DEFAULT_DRIVER_TIMEOUT_MS;
    /// Period of ClientKeepalive commands from the conductor's duty cycle.
    std::int64_t keepaliveIntervalNs = DEFAULT_KEEPALIVE_INTERVAL_NS;
    /// How long retired image lists and closed images stay mapped so a concurrent poll never reads freed
    /// memory.
    std::int64_t resourceLingerDurationNs = DEFAULT_RESOURCE_LINGER_DURATION_NS;
    /// Idle strategy alias (util::newIdleStrategy) of the conductor thread.
    std::string idleStrategy = "backoff";
    /// No conductor thread: the application calls aeron.conductorAgentInvoker().invoke().
    bool useConductorAgentInvoker = false;
    /// When set, every wait loop of the client calls it, so that one thread can also drive a media driver
    /// running in invoker mode. Returns a work count.
    std::function<int()> driverInvoker;
    /// System clocks when left empty.
    std::shared_ptr<util::NanoClock> nanoClock;
    std::shared_ptr<util::EpochClock> epochClock;
    /// Errors of the conductor's duty cycle; printErrorToStderr when empty.
    util::ErrorHandler errorHandler;
    /// Defaults for subscriptions added without their own handlers; may be empty.
    OnAvailableImage availableImageHandler;
    OnUnavailableImage unavailableImageHandler;

    /// Fills empty fields with their defaults and checks the others; throws IllegalArgumentException.
    void conclude();

    /// "/dev/shm/coxswain-<user>" (or under /tmp when /dev/shm is missing): where a driver started with
    /// defaults puts its files.
    [[nodiscard]] static std::string defaultAeronDirectoryName();
};
} // namespace cox::transport
