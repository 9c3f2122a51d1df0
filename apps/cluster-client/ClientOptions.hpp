#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cox::apps::client
{
enum class WorkloadKind
{
    KV,
    ECHO,
};

/// coxswain-client's command line.
struct ClientOptions
{
    static constexpr std::int32_t MAX_WINDOW = 4096;
    static constexpr std::int32_t ECHO_MESSAGE_LENGTH = 32;

    /// "0=host:port,1=host:port,...", every member's ingress endpoint.
    std::string ingressEndpoints;
    /// host:port this client binds for egress.
    std::string egressEndpoint;
    WorkloadKind workload = WorkloadKind::KV;
    /// Measured run after the warm-up.
    double seconds = 10.0;
    /// Requests run and checked but not measured, before the measured run.
    double warmupSeconds = 1.0;
    /// Requests per second; 0 sends as fast as the window allows.
    std::int64_t rate = 0;
    /// kv: distinct keys.
    std::int32_t keys = 1000;
    /// kv: value length in bytes.
    std::int32_t valueSize = 32;
    /// Requests in flight at most; 1 measures latency without queueing.
    std::int32_t window = 1;
    std::uint64_t seed = 42;
    /// How long to keep trying to connect (the cluster may still be electing its leader).
    double connectTimeoutSeconds = 30.0;
    /// How long to wait for the last responses after the run before calling them lost.
    double drainTimeoutSeconds = 10.0;
    /// Where to write every kv request as a cox::sim history (empty: no history). With a history the client
    /// records instead of checking against its model, and keeps going across failovers and session loss.
    std::string historyFile;
    /// The client id recorded in the history; clients of one test need distinct ids.
    std::int64_t clientId = 1;
    /// History mode: key names start with this (clients with the same prefix share keys).
    std::string keyPrefix = "k";
    /// History mode: the percentage of requests that schedule a cluster timer 200..2000 ms ahead or (a quarter of
    /// them) cancel one this client scheduled. They are not kv operations: cox-check-history finds them in the
    /// archived log and checks the firings (C8).
    std::int32_t timersPercent = 0;
    /// History mode: give up waiting for a response after this long (the request stays indeterminate).
    double opTimeoutSeconds = 5.0;
    /// Keep running across failovers and closed sessions (reconnecting) rather than exit; implied by --history.
    bool keepGoing = false;
    /// Connect, then send nothing (not even keep-alives) for this long; exit 0 only if the cluster closed the
    /// session in that time. 0: off.
    double idleSeconds = 0.0;
    bool help = false;
};

/// Parses the arguments (argv[0] excluded). Throws util::IllegalArgumentException naming the option.
[[nodiscard]] ClientOptions parseClientOptions(const std::vector<std::string>& args);

/// The --help text.
[[nodiscard]] std::string clientUsage();

[[nodiscard]] const char* toString(WorkloadKind kind) noexcept;
} // namespace cox::apps::client
