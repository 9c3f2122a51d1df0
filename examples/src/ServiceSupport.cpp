#include "ServiceSupport.hpp"

#include <string>

#include "cox/transport/PublicationResult.hpp"

namespace cox::examples::detail
{
bool offerReply(cluster::ClientSession& session, util::IdleStrategy* idleStrategy, const std::uint8_t* data,
                std::int32_t length) noexcept
{
    using transport::PublicationResult;
    if (idleStrategy != nullptr)
    {
        idleStrategy->reset();
    }
    while (true)
    {
        const std::int64_t result = session.offer(data, length);
        if (result >= 0)
        {
            return true;
        }
        const bool transient = result == PublicationResult::BACK_PRESSURED || result == PublicationResult::ADMIN_ACTION;
        if (!transient || idleStrategy == nullptr)
        {
            return false;
        }
        idleStrategy->idle();
    }
}

void offerSnapshotMessage(transport::ExclusivePublication& publication, util::IdleStrategy& idleStrategy,
                          const std::uint8_t* data, std::int32_t length)
{
    using transport::PublicationResult;
    idleStrategy.reset();
    while (true)
    {
        const std::int64_t result = publication.offer(data, length);
        if (result >= 0)
        {
            return;
        }
        // NOT_CONNECTED is transient here: the archive's recording may not have joined the publication yet.
        if (result != PublicationResult::BACK_PRESSURED && result != PublicationResult::ADMIN_ACTION &&
            result != PublicationResult::NOT_CONNECTED)
        {
            throw util::IllegalStateException(std::string("snapshot offer failed: ") +
                                              PublicationResult::name(result));
        }
        idleStrategy.idle();
    }
}
} // namespace cox::examples::detail
