#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>

#include "cox/archive/FileSyncLevel.hpp"

namespace cox::archive
{
/// Runs the recordings' data syncs on a thread of its own, so a recorder that shares its thread with a member's
/// driver and consensus module keeps receiving, appending and answering while the disk flushes. Every byte
/// written before a sync starts is durable when it ends, so the writes made meanwhile ride on the next sync
/// (group commit).
///
/// Threading: one thread (the recorder's) asks; the syncer's thread answers through each writer's Ticket.
class FileSyncer
{
public:
    /// One writer's view of its syncs: at most one in flight.
    struct Ticket
    {
        /// Set by the recorder when it asks, cleared by the syncer when the sync is done (release).
        std::atomic<bool> inFlight{false};
        /// The position the last finished sync made durable, and its errno (0 when it succeeded).
        std::atomic<std::int64_t> syncedPosition{0};
        std::atomic<int> error{0};
    };

    static constexpr std::size_t QUEUE_CAPACITY = 64;

    FileSyncer();
    ~FileSyncer();

    FileSyncer(const FileSyncer&) = delete;
    FileSyncer& operator=(const FileSyncer&) = delete;

    /// Recorder thread: queues a sync of fd at level that will make position durable. Returns false, with
    /// nothing queued, when the queue is full: the caller then syncs itself.
    bool request(Ticket& ticket, int fd, FileSyncLevel level, std::int64_t position) noexcept;

    /// Recorder thread: waits for the ticket's sync to finish (before its file is closed or rolled over).
    static void awaitIdle(const Ticket& ticket) noexcept;

    [[nodiscard]] std::int64_t syncCount() const noexcept { return m_syncCount.load(std::memory_order_acquire); }

private:
    struct Request
    {
        Ticket* ticket = nullptr;
        int fd = -1;
        FileSyncLevel level = FileSyncLevel::NONE;
        std::int64_t position = 0;
    };

    void run() noexcept;

    std::array<Request, QUEUE_CAPACITY> m_queue{};
    alignas(64) std::atomic<std::uint64_t> m_head{0}; // next to take (syncer)
    alignas(64) std::atomic<std::uint64_t> m_tail{0}; // next to fill (recorder)
    alignas(64) std::atomic<std::uint32_t> m_signal{0};
    std::atomic<bool> m_running{true};
    std::atomic<std::int64_t> m_syncCount{0};
    std::thread m_thread;
};
} // namespace cox::archive
