#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <sys/socket.h>

#include "cox/transport/InetAddress.hpp"

namespace cox::transport
{
/// Destinations are resolved socket addresses (InetAddress); an unresolved one (length 0) is kept but
/// skipped when sending.
using DestinationAddress = InetAddress;

/// The destinations of a multi-destination-cast publication (Aeron's `aeron_udp_destination_tracker`,
/// facts §6).
///
/// - Manual mode (`control-mode=manual`): the conductor adds and removes destinations; they never time out.
///   An SM from a destination's address binds its receiver_id to it.
/// - Dynamic mode (`control-mode=dynamic`): an SM from an unknown (receiver_id, address) adds its source
///   address; a destination is removed after 5 s without SMs (checked by onIdle()).
///
/// forEachDestination() visits the resolved destinations starting one further along each call, so no
/// destination is always last to receive a datagram.
///
/// Sender thread only. The destination array is allocated in the constructor; nothing allocates afterwards.
/// SMs from new receivers beyond capacity are ignored and counted.
class DestinationTracker
{
public:
    static constexpr std::int64_t DEFAULT_DESTINATION_TIMEOUT_NS = 5'000'000'000LL;
    static constexpr std::int64_t NULL_REGISTRATION_ID = -1;

    enum class Mode : std::int8_t
    {
        MANUAL,
        DYNAMIC,
    };

    struct Destination
    {
        DestinationAddress address;
        /// The receiver bound by the last SM from this address; meaningless until hasReceiverId.
        std::int64_t receiverId = 0;
        bool hasReceiverId = false;
        /// The conductor's id for a manually added destination (removeDestinationById); NULL_REGISTRATION_ID
        /// for dynamic ones.
        std::int64_t registrationId = NULL_REGISTRATION_ID;
        std::int64_t timeOfLastActivityNs = 0;
    };

    /// capacity >= 1 and timeout > 0. Throws IllegalArgumentException otherwise.
    DestinationTracker(Mode mode, std::size_t capacity = 64,
                       std::int64_t destinationTimeoutNs = DEFAULT_DESTINATION_TIMEOUT_NS);

    /// Manual mode: adds a destination. False when the address is already present or the tracker is full.
    /// Throws IllegalStateException in dynamic mode (a programmer error: the conductor checks the mode).
    bool addDestination(const DestinationAddress& address, std::int64_t registrationId, std::int64_t nowNs);
    /// Manual mode: removes by address or by registration id. False when not found.
    bool removeDestination(const DestinationAddress& address) noexcept;
    bool removeDestinationById(std::int64_t registrationId) noexcept;

    /// An SM arrived from source. Manual: binds receiverId to the destination with that address (unknown
    /// addresses are ignored). Dynamic: refreshes the destination with that (receiverId, address), or adds it.
    void onStatusMessage(std::int64_t receiverId, const DestinationAddress& source, std::int64_t nowNs) noexcept;

    /// Dynamic mode: removes destinations without an SM for the timeout. Returns how many were removed.
    int onIdle(std::int64_t nowNs) noexcept;

    /// Calls send(const DestinationAddress&) once per resolved destination, starting from a rotating index.
    /// Returns the number of destinations visited.
    template <typename Sender> int forEachDestination(Sender&& send)
    {
        const std::size_t count = m_destinations.size();
        if (count == 0)
        {
            return 0;
        }
        if (m_roundRobinIndex >= count)
        {
            m_roundRobinIndex = 0;
        }
        const std::size_t start = m_roundRobinIndex++;
        int visited = 0;
        for (std::size_t i = 0; i < count; ++i)
        {
            const Destination& destination = m_destinations[(start + i) % count];
            if (destination.address.isResolved())
            {
                send(destination.address);
                ++visited;
            }
        }
        return visited;
    }

    /// For the "mdc-num-dest" counter.
    [[nodiscard]] std::int32_t destinationCount() const noexcept
    {
        return static_cast<std::int32_t>(m_destinations.size());
    }
    [[nodiscard]] const std::vector<Destination>& destinations() const noexcept { return m_destinations; }
    [[nodiscard]] Mode mode() const noexcept { return m_mode; }
    [[nodiscard]] std::int64_t overflowCount() const noexcept { return m_overflowCount; }

private:
    Mode m_mode;
    std::size_t m_capacity;
    std::int64_t m_destinationTimeoutNs;
    std::vector<Destination> m_destinations;
    std::size_t m_roundRobinIndex = 0;
    std::int64_t m_overflowCount = 0;
};
} // namespace cox::transport
