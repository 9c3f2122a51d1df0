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
    bool help = false;
};

/// Parses the arguments (argv[0] excluded). Throws util::IllegalArgumentException naming the option.
[[nodiscard]] ClientOptions parseClientOptions(const std::vector<std::string>& args);

/// The --help text.
[[nodiscard]] std::string clientUsage();

[[nodiscard]] const char* toString(WorkloadKind kind) noexcept;
} // namespace cox::apps::client
