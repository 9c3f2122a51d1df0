#pragma once

#include "cox/transport/Publication.hpp"

namespace cox::transport
{
/// A publication with its own session that only one thread offers to (Aeron's ExclusivePublication),
/// added with Aeron::addExclusivePublication. It shares Publication's append path: the one atomic add per
/// claim is uncontended here, and keeping one path keeps the two return-code contracts identical.
///
/// It adds offerBlock (Aeron's ExclusivePublication.offerBlock): a block of frames the caller has already
/// laid out as they must appear in the term goes in with one copy, one release of the first frame's length
/// and one tail store, instead of a claim, header and commit per message. Only an exclusive publication can
/// offer this way, since nobody else moves its tail between the read and the store.
class ExclusivePublication final : public Publication
{
public:
    ExclusivePublication(ClientConductor& conductor, std::string channel, std::int32_t streamId,
                         std::int32_t sessionId, std::int64_t registrationId, std::int64_t originalRegistrationId,
                         const util::Position& publicationLimit, std::int32_t channelStatusId,
                         std::unique_ptr<LogBuffers> logBuffers, bool exclusive);

    /// Appends length bytes of pre-framed data at the current tail, in one piece. The block must start
    /// with a DATA frame whose header names this publication's session, stream, the active term id and the
    /// current term offset (position() gives both), must be a whole number of FRAME_ALIGNMENT units and
    /// must fit in what is left of the term: the caller ends a term by putting a PAD frame over the rest of
    /// it. Frames after the first are the caller's to get right; like Aeron, only the first is checked, so
    /// the cost does not grow with the number of frames.
    ///
    /// The frames become visible to readers all at once, when the first frame's length is released. A
    /// block may carry the position past the limit by up to its length, as an offer of a long message can.
    /// Returns the new position, or BACK_PRESSURED, NOT_CONNECTED, ADMIN_ACTION (the term was full and the
    /// log has rotated: frame the block again for the new term and retry), CLOSED, MAX_POSITION_EXCEEDED,
    /// or ERROR for a block that breaks the rules above (nothing is written).
    [[nodiscard]] std::int64_t offerBlock(const std::uint8_t* block, std::int32_t length) noexcept;
    [[nodiscard]] std::int64_t offerBlock(const util::AtomicBuffer& buffer, std::int32_t offset,
                                          std::int32_t length) noexcept;

private:
    ExclusivePublication(ClientConductor& conductor, std::string channel, std::int32_t streamId,
                         std::int32_t sessionId, std::int64_t registrationId, std::int64_t originalRegistrationId,
                         const util::Position& publicationLimit, std::int32_t channelStatusId,
                         LogBuffers* blockLog, std::unique_ptr<LogBuffers>&& logBuffers, bool exclusive);

    [[nodiscard]] bool isFirstFrameValid(const std::uint8_t* block, std::int32_t length, std::int32_t termId,
                                         std::int32_t termOffset) const noexcept;

    /// The log Publication owns (and keeps until it is destroyed): offerBlock writes terms and tails directly.
    LogBuffers* m_blockLog;
    std::int32_t m_blockPositionBitsToShift;
};
} // namespace cox::transport
