// cox-stat: the counters viewer (Aeron's AeronStat). See statUsage() in CountersView.cpp.
#include <atomic>
#include <csignal>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

#include "CountersView.hpp"
#include "cox/util/Exceptions.hpp"

namespace
{
std::atomic<bool> g_stopRequested{false};

static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void onSignal(int)
{
    g_stopRequested.store(true, std::memory_order_release);
}
} // namespace

int main(int argc, char** argv)
{
    cox::apps::StatOptions options;
    try
    {
        options = cox::apps::parseStatOptions(std::vector<std::string>(argv + 1, argv + argc));
    }
    catch (const cox::util::IllegalArgumentException& e)
    {
        std::cerr << "cox-stat: " << e.what() << "\n\n" << cox::apps::statUsage();
        return 1;
    }
    if (options.help)
    {
        std::cout << cox::apps::statUsage();
        return 0;
    }
    options.clearScreen = !options.once && ::isatty(STDOUT_FILENO) == 1;

    struct sigaction action = {};
    action.sa_handler = onSignal;
    ::sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);

    return cox::apps::runStat(options, std::cout, std::cerr, g_stopRequested);
}
