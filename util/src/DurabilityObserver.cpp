#include "cox/util/DurabilityObserver.hpp"

#include <atomic>

namespace cox::util
{
namespace
{
std::atomic<DurabilityObserver*> installed{nullptr};
} // namespace

void installDurabilityObserver(DurabilityObserver* observer) noexcept
{
    installed.store(observer, std::memory_order_release);
}

DurabilityObserver* durabilityObserver() noexcept
{
    return installed.load(std::memory_order_acquire);
}
} // namespace cox::util
