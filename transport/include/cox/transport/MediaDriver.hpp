#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cox/transport/UdpMedia.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/ErrorHandler.hpp"

namespace cox::transport
{
/// How the driver's agents (conductor, sender, receiver) get threads.
enum class ThreadingMode
{
    DEDICATED, ///< a thread each
    SHARED,    ///< one thread runs all three
    INVOKER,   ///< no thread: the application calls MediaDriver::doWork()
};

/// Configuration of an embedded media driver. Defaults are Aeron's except where noted.
struct MediaDriverContext
{
    /// Directory for cnc.dat, counters.dat and log buffers; empty means a fresh
    /// /dev/shm/coxswain-<pid>-<n> directory.
    std::string aeronDirectoryName;
    /// Remove the directory at start (an old one from a killed driver) and at close.
    bool dirDeleteOnStart = true;
    bool dirDeleteOnShutdown = true;

    ThreadingMode threadingMode = ThreadingMode::SHARED;
    /// Idle strategy names for util::newIdleStrategy: "busy-spin", "yielding", "sleeping", "backoff".
    std::string conductorIdleStrategy = "backoff";
    std::string senderIdleStrategy = "backoff";
    std::string receiverIdleStrategy = "backoff";
    std::string sharedIdleStrategy = "backoff";

    /// Term lengths (powers of two, 64 KiB..1 GiB). Smaller than Aeron's 16/64 MiB defaults so that
    /// a test machine with many streams does not map gigabytes; a channel's term-length overrides.
    std::int32_t publicationTermBufferLength = 4 * 1024 * 1024;
    std::int32_t ipcTermBufferLength = 4 * 1024 * 1024;
    std::int32_t mtuLength = 1408;
    std::int32_t ipcMtuLength = 1408;
    /// 0 means term length / 2.
    std::int32_t publicationTermWindowLength = 0;
    std::int32_t ipcPublicationTermWindowLength = 0;
    std::int32_t initialWindowLength = 128 * 1024;
    std::int32_t socketRcvbufLength = 2 * 1024 * 1024;
    std::int32_t socketSndbufLength = 0;
    /// Touch every page of new log buffers so the hot path takes no page faults (Aeron's sparse=false).
    bool preTouchLogBuffers = false;

    std::int64_t clientLivenessTimeoutNs = 10'000'000'000;
    std::int64_t imageLivenessTimeoutNs = 10'000'000'000;
    std::int64_t publicationLingerTimeoutNs = 5'000'000'000;
    std::int64_t publicationConnectionTimeoutNs = 5'000'000'000;
    std::int64_t publicationUnblockTimeoutNs = 15'000'000'000;
    std::int64_t statusMessageTimeoutNs = 200'000'000;
    std::int64_t heartbeatIntervalNs = 100'000'000;
    std::int64_t setupIntervalNs = 100'000'000;
    std::int64_t nakUnicastDelayNs = 100'000;
    std::int64_t nakUnicastRetryDelayRatio = 100;
    std::int64_t retransmitUnicastDelayNs = 0;
    std::int64_t retransmitUnicastLingerNs = 10'000'000;
    std::int64_t timerIntervalNs = 1'000'000'000;

    std::int32_t toDriverBufferLength = 1024 * 1024;
    std::int32_t toClientsBufferLength = 1024 * 1024;
    std::int32_t errorLogBufferLength = 1024 * 1024;
    std::int32_t maxCounters = 8192;

    /// Receive-side loss generator for tests: the fraction of DATA datagrams dropped, and its seed.
    double receiveDataLossRate = 0.0;
    std::uint64_t receiveDataLossSeed = 0;
    /// Receive-side delay generator for tests: DATA datagrams are held this long before processing
    /// (0 = off), up to receiveDataDelayCapacity of them (more are dropped, like a full socket).
    std::int64_t receiveDataDelayNs = 0;
    std::size_t receiveDataDelayCapacity = 4096;
    /// Send-side loss generator for tests (drops outgoing DATA datagrams).
    double sendDataLossRate = 0.0;
    std::uint64_t sendDataLossSeed = 0;
    /// Seed of the driver's session ids and initial term ids. 0 (the default) draws one from
    /// std::random_device: drivers started in the same millisecond must not choose the same session ids, or
    /// two senders to one endpoint collide. A simulator sets it to replay a run.
    std::uint64_t randomSeed = 0;

    /// Injected dependencies; null means the system clocks and real UDP sockets.
    std::shared_ptr<util::NanoClock> nanoClock;
    std::shared_ptr<util::EpochClock> epochClock;
    std::shared_ptr<UdpMedia> udpMedia;
    /// Extra handler for errors the agents catch (they are always recorded in the error log too).
    util::ErrorHandler errorHandler;
};

class DriverConductor;
class Sender;
class Receiver;
struct DriverResources;

/// An embedded media driver: conductor, sender and receiver agents over a driver directory that
/// clients (cox::transport::Aeron) connect to.
class MediaDriver
{
public:
    /// Creates the directory and files, starts the agents per the threading mode. Throws on bad
    /// configuration (naming the setting) or when the files cannot be created.
    static std::unique_ptr<MediaDriver> launch(MediaDriverContext context = {});

    ~MediaDriver();
    MediaDriver(const MediaDriver&) = delete;
    MediaDriver& operator=(const MediaDriver&) = delete;

    /// INVOKER mode: one duty cycle of conductor, sender and receiver; returns the work count.
    int doWork();

    [[nodiscard]] const std::string& aeronDirectoryName() const noexcept;
    [[nodiscard]] const MediaDriverContext& context() const noexcept;

    /// Stops the agents, frees every resource and (by default) removes the directory.
    void close();

private:
    explicit MediaDriver(std::unique_ptr<DriverResources> resources);

    std::unique_ptr<DriverResources> m_resources;
};
} // namespace cox::transport
