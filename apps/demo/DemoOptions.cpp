#include "DemoOptions.hpp"

#include <cmath>

#include "cox/util/Exceptions.hpp"

namespace cox::apps::demo
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

std::int64_t parseCount(const std::string& option, const std::string& text, std::int64_t min, std::int64_t max)
{
    // Digits with optional ',' or '_' separators, so "1,000,000" can be pasted from the output.
    std::int64_t value = 0;
    bool digits = false;
    for (const char c : text)
    {
        if (c >= '0' && c <= '9')
        {
            if (value > (INT64_MAX - (c - '0')) / 10)
            {
                digits = false;
                break;
            }
            value = value * 10 + (c - '0');
            digits = true;
        }
        else if (c != ',' && c != '_')
        {
            digits = false;
            break;
        }
    }
    if (!digits || value < min || value > max)
    {
        throw util::IllegalArgumentException(option + " needs a whole number in [" + std::to_string(min) + ", " +
                                             std::to_string(max) + "], not '" + text + "'");
    }
    return value;
}

double parseSeconds(const std::string& option, const std::string& text)
{
    std::size_t used = 0;
    double value = 0.0;
    try
    {
        value = std::stod(text, &used);
    }
    catch (const std::exception&)
    {
        used = 0;
    }
    if (used == 0 || used != text.size() || !std::isfinite(value) || value <= 0.0 || value > 86'400.0)
    {
        throw util::IllegalArgumentException(option + " needs a number of seconds in (0, 86400], not '" + text + "'");
    }
    return value;
}

ThreadingMode parseThreading(const std::string& text)
{
    for (const ThreadingMode mode : {ThreadingMode::Dedicated, ThreadingMode::Shared, ThreadingMode::Invoker})
    {
        if (text == toString(mode))
        {
            return mode;
        }
    }
    throw util::IllegalArgumentException("--threading must be dedicated, shared or invoker, not '" + text + "'");
}

std::string parseIdle(const std::string& text)
{
    for (const char* alias : {"backoff", "yielding", "busy-spin", "sleeping"})
    {
        if (text == alias)
        {
            return text;
        }
    }
    throw util::IllegalArgumentException("--idle must be backoff, yielding, busy-spin or sleeping, not '" + text +
                                         "'");
}
} // namespace

DemoOptions parseDemoOptions(const std::vector<std::string>& args)
{
    DemoOptions options;
    bool messagesGiven = false;
    for (std::size_t i = 0; i < args.size(); ++i)
    {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h")
        {
            options.help = true;
        }
        else if (arg == "--messages")
        {
            options.pipeline.messages = parseCount(arg, valueOf(args, i), 1, INT64_MAX / 2);
            messagesGiven = true;
        }
        else if (arg == "--seconds")
        {
            options.seconds = parseSeconds(arg, valueOf(args, i));
        }
        else if (arg == "--clients")
        {
            options.pipeline.clients = static_cast<std::int32_t>(parseCount(arg, valueOf(args, i), 1, 32));
        }
        else if (arg == "--threading")
        {
            options.pipeline.threading = parseThreading(valueOf(args, i));
        }
        else if (arg == "--idle")
        {
            options.pipeline.idleStrategy = parseIdle(valueOf(args, i));
        }
        else if (arg == "--dir")
        {
            options.directory = valueOf(args, i);
            if (options.directory.empty())
            {
                throw util::IllegalArgumentException("--dir needs a directory");
            }
        }
        else if (arg == "--keys")
        {
            options.pipeline.keysPerClient = parseCount(arg, valueOf(args, i), 1, std::int64_t{1} << 20);
        }
        else if (arg == "--corrupt-every")
        {
            options.pipeline.corruptEvery = parseCount(arg, valueOf(args, i), 1, INT64_MAX);
        }
        else
        {
            throw util::IllegalArgumentException("unknown argument " + arg);
        }
    }
    // --seconds alone runs by time; with --messages as well, whichever comes first.
    if (options.seconds > 0.0 && !messagesGiven)
    {
        options.pipeline.messages = ClientAgent::UNLIMITED;
    }
    return options;
}

std::string demoUsage()
{
    return "Usage: coxswain-demo [options]\n"
           "\n"
           "Runs an in-process sketch of the cluster built from Coxswain's real parts: client agents send\n"
           "Aeron Cluster SessionMessageHeader messages (key-value puts) into a many-to-one ring buffer\n"
           "(ingress); a sequencer stamps each with cluster time and a log position and appends it with a\n"
           "CRC32C to a one-to-one ring buffer (the log); a service checks, decodes and applies each entry to\n"
           "a key-value map and records client-to-service latency. At the end the map's state hash is\n"
           "checked against the one computed from the clients' inputs. Exit code 0 only if all matched.\n"
           "\n"
           "Options:\n"
           "  --messages N        messages in total over all clients (default 1,000,000)\n"
           "  --seconds S         run for S seconds instead (with --messages: whichever comes first)\n"
           "  --clients N         client agents, 1..32 (default 3)\n"
           "  --threading MODE    dedicated (a thread per agent), shared (one thread, default) or invoker\n"
           "                      (driven by the main thread)\n"
           "  --idle STRATEGY     backoff (default), yielding, busy-spin or sleeping\n"
           "  --dir DIR           where counters.dat and errors.dat go, kept afterwards (default: a new\n"
           "                      temporary directory, removed at exit)\n"
           "  --keys N            keys per client (default 1024)\n"
           "  --corrupt-every N   flip a bit in every Nth log entry after its checksum, to see the service\n"
           "                      catch it (the run then fails, as it should)\n"
           "  --help              this text\n"
           "\n"
           "Watch the counters live from another terminal with cox-stat (the demo prints the command).\n";
}
} // namespace cox::apps::demo
