#include "cox/archive/FileSyncer.hpp"

#include <cerrno>
#include <unistd.h>

namespace cox::archive
{
FileSyncer::FileSyncer() : m_thread([this] { run(); }) {}

FileSyncer::~FileSyncer()
{
    m_running.store(false, std::memory_order_release);
    m_signal.fetch_add(1, std::memory_order_acq_rel);
    m_signal.notify_one();
    m_thread.join();
}

bool FileSyncer::request(Ticket& ticket, int fd, FileSyncLevel level, std::int64_t position) noexcept
{
    const std::uint64_t tail = m_tail.load(std::memory_order_relaxed);
    if (tail - m_head.load(std::memory_order_acquire) >= QUEUE_CAPACITY)
    {
        return false;
    }
    ticket.inFlight.store(true, std::memory_order_relaxed);
    m_queue[tail % QUEUE_CAPACITY] = Request{&ticket, fd, level, position};
    m_tail.store(tail + 1, std::memory_order_release);
    // The syncer sleeps in a futex wait only when the queue is empty; the wake is skipped while nobody waits.
    m_signal.fetch_add(1, std::memory_order_acq_rel);
    m_signal.notify_one();
    return true;
}

void FileSyncer::awaitIdle(const Ticket& ticket) noexcept
{
    while (ticket.inFlight.load(std::memory_order_acquire))
    {
        std::this_thread::yield();
    }
}

void FileSyncer::run() noexcept
{
    while (true)
    {
        const std::uint32_t signal = m_signal.load(std::memory_order_acquire);
        const std::uint64_t head = m_head.load(std::memory_order_relaxed);
        if (head == m_tail.load(std::memory_order_acquire))
        {
            if (!m_running.load(std::memory_order_acquire))
            {
                return;
            }
            m_signal.wait(signal, std::memory_order_acquire);
            continue;
        }
        const Request request = m_queue[head % QUEUE_CAPACITY];
        m_head.store(head + 1, std::memory_order_release);
        int rc = 0;
        do
        {
            rc = request.level == FileSyncLevel::DATA ? ::fdatasync(request.fd) : ::fsync(request.fd);
        } while (rc != 0 && errno == EINTR);
        request.ticket->error.store(rc == 0 ? 0 : errno, std::memory_order_relaxed);
        request.ticket->syncedPosition.store(request.position, std::memory_order_relaxed);
        m_syncCount.fetch_add(1, std::memory_order_release);
        request.ticket->inFlight.store(false, std::memory_order_release);
    }
}
} // namespace cox::archive
