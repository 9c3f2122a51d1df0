#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

namespace cox::util
{
/// Hands control-path work (add or remove a publication, an image, a recording) from one agent to
/// another, as Aeron's SenderProxy/ReceiverProxy queues do. Commands are rare, so a mutex guards the
/// queue; the consumer's empty check is a single atomic load, so an idle duty cycle takes no lock.
/// When the agents share a thread the same code runs on it.
class CommandQueue
{
public:
    using Command = std::function<void()>;

    void offer(Command command)
    {
        std::lock_guard<std::mutex> guard(m_lock);
        m_pending.push_back(std::move(command));
        m_size.store(m_pending.size(), std::memory_order_release);
    }

    /// Runs every queued command on the calling (consumer) thread; returns how many ran.
    int drain()
    {
        if (m_size.load(std::memory_order_acquire) == 0)
        {
            return 0;
        }
        {
            std::lock_guard<std::mutex> guard(m_lock);
            m_running.swap(m_pending);
            m_size.store(0, std::memory_order_release);
        }
        for (auto& command : m_running)
        {
            command();
        }
        const auto count = static_cast<int>(m_running.size());
        m_running.clear();
        return count;
    }

private:
    std::mutex m_lock;
    std::vector<Command> m_pending;
    std::vector<Command> m_running;
    std::atomic<std::size_t> m_size{0};
};
} // namespace cox::util
