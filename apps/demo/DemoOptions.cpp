#include "DemoOptions.hpp"

#include <cmath>

#include "cox/util/Exceptions.hpp"

namespace cox::apps::demo
{
namespace
{
/// Past this, recovering every message takes more retransmission rounds than a demo should wait for.
constexpr double MAX_LOSS_RATE = 0.5;

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

/// A fraction ("0.05") or a percentage ("5%").
double parseLoss(const std::string& option, const std::string& text)
{
    const bool percent = !text.empty() && text.back() == '%';
    const std::string number = percent ? text.substr(0, text.size() - 1) : text;
    std::size_t used = 0;
    double value = -1.0;
    try
    {
        value = std::stod(number, &used);
    }
    catch (const std::exception&)
    {
        used = 0;
    }
    if (percent)
    {
        value /= 100.0;
    }
    if (used == 0 || used != number.size() || !std::isfinite(value) || value < 0.0 || value > MAX_LOSS_RATE)
    {
        throw util::IllegalArgumentException(option + " needs a fraction in [0, 0.5] (or a percentage, 5%), not '" +
                                             text + "'");
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
            options.udpMessages = options.pipeline.messages;
            options.archiveMessages = options.pipeline.messages;
            messagesGiven = true;
        }
        else if (arg == "--act")
        {
            options.act = static_cast<int>(parseCount(arg, valueOf(args, i), 1, DemoOptions::ACT_COUNT));
        }
        else if (arg == "--loss")
        {
            options.lossRate = parseLoss(arg, valueOf(args, i));
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
           "Shows what Coxswain's layers do today, in three acts, each checked end to end. Exit code 0 only if\n"
           "every check of every act passed.\n"
           "\n"
           "Act 1, sequencer pipeline (util, codecs): client agents send Aeron Cluster SessionMessageHeader\n"
           "  messages (key-value puts) into a many-to-one ring buffer (ingress); a sequencer stamps each with\n"
           "  cluster time and a log position and appends it with a CRC32C to a one-to-one ring buffer (the log);\n"
           "  a service checks, decodes and applies each entry to a key-value map. The map's state hash must\n"
           "  match the one computed from the clients' inputs.\n"
           "Act 2, reliable UDP under loss (transport): a media driver whose receiver drops a share of the data\n"
           "  datagrams; one thread publishes messages of mixed sizes, the largest in fragments, over\n"
           "  aeron:udp on 127.0.0.1; another reassembles them. NAKs and retransmits must deliver every message\n"
           "  complete, in order, exactly once.\n"
           "Act 3, record and replay (archive): an archive on the same driver records an IPC stream, lists it,\n"
           "  replays it whole and from its middle, checking every message, then verifies its files offline.\n"
           "\n"
           "Options:\n"
           "  --act N             run only act N (1, 2 or 3)\n"
           "  --messages N        messages in each act (default 200,000 / 100,000 / 50,000)\n"
           "  --loss RATE         act 2: fraction of UDP data datagrams dropped on receipt, 0..0.5, or a\n"
           "                      percentage (default 0.05, i.e. 5%)\n"
           "  --seconds S         act 1: run for S seconds instead (with --messages: whichever comes first)\n"
           "  --clients N         act 1: client agents, 1..32 (default 3)\n"
           "  --threading MODE    act 1: dedicated (a thread per agent), shared (one thread, default) or\n"
           "                      invoker (driven by the main thread); acts 2 and 3 run the driver shared\n"
           "  --idle STRATEGY     act 1: backoff (default), yielding, busy-spin or sleeping\n"
           "  --dir DIR           where act 1's counters.dat and errors.dat and act 3's archive go, kept\n"
           "                      afterwards (default: a new temporary directory, removed at exit)\n"
           "  --keys N            act 1: keys per client (default 1024)\n"
           "  --corrupt-every N   act 1: flip a bit in every Nth log entry after its checksum, to see the\n"
           "                      service catch it (the run then fails, as it should)\n"
           "  --help              this text\n"
           "\n"
           "Watch the counters live from another terminal with cox-stat (the demo prints the commands).\n";
}
} // namespace cox::apps::demo
