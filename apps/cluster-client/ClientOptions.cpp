#include "ClientOptions.hpp"

#include <cmath>
#include <limits>

#include "cox/examples/KeyValueService.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::apps::client
{
namespace
{
const std::string& valueOf(const std::vector<std::string>& args, std::size_t& i)
{
    if (i + 1 >= args.size())
    {
        throw util::IllegalArgumentException(args[i] + " needs a value");
    }
    return args[++i];
}

std::int64_t parseWhole(const std::string& option, const std::string& text, std::int64_t min, std::int64_t max)
{
    std::int64_t value = 0;
    bool valid = !text.empty();
    for (const char c : text)
    {
        if (c < '0' || c > '9' || value > (std::numeric_limits<std::int64_t>::max() - (c - '0')) / 10)
        {
            valid = false;
            break;
        }
        value = value * 10 + (c - '0');
    }
    if (!valid || value < min || value > max)
    {
        throw util::IllegalArgumentException(option + " needs a whole number in [" + std::to_string(min) + ", " +
                                             std::to_string(max) + "], not '" + text + "'");
    }
    return value;
}

double parseSeconds(const std::string& option, const std::string& text, double min)
{
    std::size_t used = 0;
    double value = -1.0;
    try
    {
        value = std::stod(text, &used);
    }
    catch (const std::exception&)
    {
        used = 0;
    }
    if (used == 0 || used != text.size() || !std::isfinite(value) || value < min || value > 86'400.0)
    {
        throw util::IllegalArgumentException(option + " needs seconds, at least " + std::to_string(min) +
                                             ", not '" + text + "'");
    }
    return value;
}

void checkEndpoint(const std::string& option, const std::string& endpoint)
{
    const std::size_t colon = endpoint.rfind(':');
    if (colon == std::string::npos || colon == 0)
    {
        throw util::IllegalArgumentException(option + " needs host:port, not '" + endpoint + "'");
    }
    (void)parseWhole(option + " port", endpoint.substr(colon + 1), 1, 65535);
}

void checkIngress(const std::string& endpoints)
{
    std::size_t start = 0;
    while (true)
    {
        const std::size_t comma = endpoints.find(',', start);
        const std::string entry = endpoints.substr(start, comma == std::string::npos ? comma : comma - start);
        const std::size_t equals = entry.find('=');
        if (equals == std::string::npos)
        {
            throw util::IllegalArgumentException("--ingress needs id=host:port entries separated by commas, not '" +
                                                 entry + "'");
        }
        (void)parseWhole("--ingress member id", entry.substr(0, equals), 0, std::numeric_limits<std::int32_t>::max());
        checkEndpoint("--ingress", entry.substr(equals + 1));
        if (comma == std::string::npos)
        {
            return;
        }
        start = comma + 1;
    }
}
} // namespace

ClientOptions parseClientOptions(const std::vector<std::string>& args)
{
    ClientOptions options;
    for (std::size_t i = 0; i < args.size(); ++i)
    {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h")
        {
            options.help = true;
        }
        else if (arg == "--ingress")
        {
            options.ingressEndpoints = valueOf(args, i);
            checkIngress(options.ingressEndpoints);
        }
        else if (arg == "--egress")
        {
            options.egressEndpoint = valueOf(args, i);
            checkEndpoint(arg, options.egressEndpoint);
        }
        else if (arg == "--workload")
        {
            const std::string& name = valueOf(args, i);
            if (name == "kv")
            {
                options.workload = WorkloadKind::KV;
            }
            else if (name == "echo")
            {
                options.workload = WorkloadKind::ECHO;
            }
            else
            {
                throw util::IllegalArgumentException("--workload must be kv or echo, not '" + name + "'");
            }
        }
        else if (arg == "--seconds")
        {
            options.seconds = parseSeconds(arg, valueOf(args, i), 0.001);
        }
        else if (arg == "--warmup-seconds")
        {
            options.warmupSeconds = parseSeconds(arg, valueOf(args, i), 0.0);
        }
        else if (arg == "--connect-timeout")
        {
            options.connectTimeoutSeconds = parseSeconds(arg, valueOf(args, i), 0.1);
        }
        else if (arg == "--drain-timeout")
        {
            options.drainTimeoutSeconds = parseSeconds(arg, valueOf(args, i), 0.1);
        }
        else if (arg == "--rate")
        {
            options.rate = parseWhole(arg, valueOf(args, i), 0, 100'000'000);
        }
        else if (arg == "--timers")
        {
            options.timersPercent = static_cast<std::int32_t>(parseWhole(arg, valueOf(args, i), 0, 100));
        }
        else if (arg == "--keys")
        {
            options.keys = static_cast<std::int32_t>(parseWhole(arg, valueOf(args, i), 1, 10'000'000));
        }
        else if (arg == "--value-size")
        {
            options.valueSize = static_cast<std::int32_t>(
                parseWhole(arg, valueOf(args, i), 1, examples::KeyValueService::MAX_VALUE_LENGTH));
        }
        else if (arg == "--window")
        {
            options.window = static_cast<std::int32_t>(parseWhole(arg, valueOf(args, i), 1, ClientOptions::MAX_WINDOW));
        }
        else if (arg == "--seed")
        {
            options.seed = static_cast<std::uint64_t>(
                parseWhole(arg, valueOf(args, i), 0, std::numeric_limits<std::int64_t>::max()));
        }
        else if (arg == "--history")
        {
            options.historyFile = valueOf(args, i);
            options.keepGoing = true;
        }
        else if (arg == "--client-id")
        {
            options.clientId = parseWhole(arg, valueOf(args, i), 1, 1'000'000);
        }
        else if (arg == "--key-prefix")
        {
            options.keyPrefix = valueOf(args, i);
            if (options.keyPrefix.empty() || options.keyPrefix.size() > 32)
            {
                throw util::IllegalArgumentException("--key-prefix needs 1 to 32 characters");
            }
        }
        else if (arg == "--op-timeout")
        {
            options.opTimeoutSeconds = parseSeconds(arg, valueOf(args, i), 0.01);
        }
        else if (arg == "--keep-going")
        {
            options.keepGoing = true;
        }
        else if (arg == "--idle-seconds")
        {
            options.idleSeconds = parseSeconds(arg, valueOf(args, i), 0.1);
        }
        else
        {
            throw util::IllegalArgumentException("unknown option '" + arg + "' (see --help)");
        }
    }
    if (!options.help && options.ingressEndpoints.empty())
    {
        throw util::IllegalArgumentException("--ingress is required, e.g. --ingress 0=localhost:20110");
    }
    if (!options.help && options.egressEndpoint.empty())
    {
        throw util::IllegalArgumentException("--egress is required, e.g. --egress localhost:20140");
    }
    if (options.keepGoing && options.workload != WorkloadKind::KV)
    {
        throw util::IllegalArgumentException("--history and --keep-going need --workload kv");
    }
    return options;
}

std::string clientUsage()
{
    return "usage: coxswain-client --ingress 0=host:port,... --egress host:port [options]\n"
           "\n"
           "Connects to a cluster, runs a checked workload and prints throughput and round-trip latency.\n"
           "\n"
           "  --workload kv|echo      kv: a seeded mix of get/put/cas/delete; echo: 32-byte messages (kv)\n"
           "  --seconds N             measured run length (10)\n"
           "  --warmup-seconds W      checked but unmeasured run before it (1)\n"
           "  --rate R                requests per second, 0 for as fast as the window allows (0)\n"
           "  --window N              requests in flight at most (1)\n"
           "  --keys K                kv: distinct keys (1000)\n"
           "  --value-size B          kv: value bytes, 1..4096 (32)\n"
           "  --seed S                workload seed (42)\n"
           "  --connect-timeout S     keep trying to connect this long (30)\n"
           "  --drain-timeout S       wait this long for the last responses (10)\n"
           "\n"
           "Fault tests (tests/system):\n"
           "  --history FILE          record every kv request (invoke/complete on CLOCK_MONOTONIC, outcome) as a\n"
           "                          cox::sim history for cox-check-history; implies --keep-going\n"
           "  --keep-going            record unanswered requests as indeterminate and carry on across failovers,\n"
           "                          reconnecting if the session is closed; exit 0 unless no session at all\n"
           "  --client-id N           the id recorded for this client (1)\n"
           "  --key-prefix P          history mode: key names start with P; clients with one prefix share keys (k)\n"
           "  --timers PERCENT        history mode: PERCENT of requests schedule a cluster timer 200-2000 ms\n"
           "                          ahead or (a quarter of them) cancel one (0)\n"
           "  --op-timeout S          history mode: stop waiting for a response after S seconds (5)\n"
           "  --idle-seconds S        connect, then stay silent S seconds; exit 0 only if the cluster closed the\n"
           "                          session by then (session timeout test)\n"
           "\n"
           "With --rate, latency is measured from each request's scheduled send time, so a stall is not hidden\n"
           "(coordinated omission). Exit status: 0 when every response checked out, 1 on any mismatch or lost\n"
           "response, 2 for a bad command line, 3 if no connection could be made.\n";
}

const char* toString(WorkloadKind kind) noexcept
{
    switch (kind)
    {
    case WorkloadKind::KV:
        return "kv";
    case WorkloadKind::ECHO:
        return "echo";
    }
    return "?";
}
} // namespace cox::apps::client
