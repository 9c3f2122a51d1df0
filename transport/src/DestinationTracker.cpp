#include "cox/transport/DestinationTracker.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "cox/util/Exceptions.hpp"

namespace cox::transport
{
DestinationTracker::DestinationTracker(Mode mode, std::size_t capacity, std::int64_t destinationTimeoutNs)
    : m_mode(mode), m_capacity(capacity), m_destinationTimeoutNs(destinationTimeoutNs)
{
    if (capacity == 0 || destinationTimeoutNs <= 0)
    {
        throw util::IllegalArgumentException("destination tracker needs capacity >= 1 and timeout > 0, got " +
                                             std::to_string(capacity) + ", " + std::to_string(destinationTimeoutNs) +
                                             " ns");
    }
    m_destinations.reserve(capacity);
}

bool DestinationTracker::addDestination(const DestinationAddress& address, std::int64_t registrationId,
                                        std::int64_t nowNs)
{
    if (m_mode != Mode::MANUAL)
    {
        throw util::IllegalStateException("destinations can only be added to a control-mode=manual publication");
    }
    const bool present = std::any_of(m_destinations.begin(), m_destinations.end(),
                                     [&address](const Destination& d) { return d.address.sameAs(address); });
    if (present || m_destinations.size() >= m_capacity)
    {
        return false;
    }
    Destination destination;
    destination.address = address;
    destination.registrationId = registrationId;
    destination.timeOfLastActivityNs = nowNs;
    m_destinations.push_back(destination);
    return true;
}

bool DestinationTracker::removeDestination(const DestinationAddress& address) noexcept
{
    return std::erase_if(m_destinations, [&address](const Destination& d) { return d.address.sameAs(address); }) > 0;
}

bool DestinationTracker::removeDestinationById(std::int64_t registrationId) noexcept
{
    if (registrationId == NULL_REGISTRATION_ID)
    {
        return false;
    }
    return std::erase_if(m_destinations,
                         [registrationId](const Destination& d) { return d.registrationId == registrationId; }) > 0;
}

void DestinationTracker::onStatusMessage(std::int64_t receiverId, const DestinationAddress& source,
                                         std::int64_t nowNs) noexcept
{
    for (Destination& destination : m_destinations)
    {
        const bool matches = m_mode == Mode::MANUAL
                                 ? destination.address.sameAs(source)
                                 : destination.hasReceiverId && destination.receiverId == receiverId &&
                                       destination.address.sameAs(source);
        if (matches)
        {
            destination.receiverId = receiverId;
            destination.hasReceiverId = true;
            destination.timeOfLastActivityNs = nowNs;
            return;
        }
    }
    if (m_mode == Mode::MANUAL || !source.isResolved())
    {
        return;
    }
    if (m_destinations.size() >= m_capacity)
    {
        ++m_overflowCount;
        return;
    }
    Destination destination;
    destination.address = source;
    destination.receiverId = receiverId;
    destination.hasReceiverId = true;
    destination.timeOfLastActivityNs = nowNs;
    m_destinations.push_back(destination);
}

int DestinationTracker::onIdle(std::int64_t nowNs) noexcept
{
    if (m_mode != Mode::DYNAMIC)
    {
        return 0;
    }
    return static_cast<int>(std::erase_if(m_destinations, [this, nowNs](const Destination& d)
                                          { return nowNs - d.timeOfLastActivityNs >= m_destinationTimeoutNs; }));
}
} // namespace cox::transport
