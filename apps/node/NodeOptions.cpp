#include "NodeOptions.hpp"

#include "cox/util/Exceptions.hpp"

namespace cox::apps::node
{
NodeOptions parseNodeOptions(const std::vector<std::string>& args)
{
    NodeOptions options;
    for (const std::string& arg : args)
    {
        if (arg == "--help" || arg == "-h")
        {
            options.help = true;
        }
        else if (arg == "--print-config")
        {
            options.printConfig = true;
        }
        else if (arg.starts_with("-"))
        {
            throw util::IllegalArgumentException("unknown option '" + arg + "' (see --help)");
        }
        else if (arg.find('=') != std::string::npos)
        {
            if (arg.front() == '=')
            {
                throw util::IllegalArgumentException("override '" + arg + "' has no key; expected key=value");
            }
            options.overrides.push_back(arg);
        }
        else if (options.configPath.empty())
        {
            options.configPath = arg;
        }
        else
        {
            throw util::IllegalArgumentException("more than one configuration file: '" + options.configPath +
                                                 "' and '" + arg + "'");
        }
    }
    return options;
}

std::string nodeUsage()
{
    return "usage: coxswain-node [config.toml] [key=value ...] [--print-config]\n"
           "\n"
           "Runs one cluster member (media driver, archive, consensus module and one container per service in\n"
           "node.services) until SIGINT or SIGTERM, then closes it and writes <cluster.dir>/node-report.txt with\n"
           "each service's state hash and applied log position.\n"
           "\n"
           "  config.toml     the node's TOML configuration (keys in docs/CONFIGURATION.md); none: defaults\n"
           "  key=value       overrides a key, e.g. cluster.member-id=1 node.services=kv\n"
           "  --print-config  print the effective configuration as TOML and exit\n"
           "\n"
           "Exit status: 0 after a clean shutdown, 1 if the node failed to start, 2 for a bad command line or\n"
           "configuration, 3 if the node stopped itself to stay consistent with the others (restart it).\n";
}
} // namespace cox::apps::node
