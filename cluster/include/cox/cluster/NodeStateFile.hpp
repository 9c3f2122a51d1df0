#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace cox::cluster
{
namespace detail
{
class FileIo;
}

/// The node's durable election state (`node-state.dat`), Aeron's NodeStateFile candidateTerm: the
/// highest candidate term this node has proposed or voted in, and whom it voted for in that term. This
/// is Raft's currentTerm/votedFor, so every update is written and fsync'ed before the call returns,
/// whatever the cluster's file sync level: a vote forgotten in a crash allows two leaders in one term.
///
/// Layout: two 64-byte copies, at 0 and at COPY_STRIDE (separate disk sectors). Each copy: magic int64 @0,
/// version int32 @8, sequence int64 @16, candidateTermId int64 @24, logPosition int64 @32, timestamp
/// int64 @40, votedForMemberId int32 @48, CRC-32C of bytes [0, 60) @60. An update overwrites the copy
/// holding the older sequence, so a write torn by a crash damages only that copy and the other still
/// holds the previous state; on open the valid copy with the higher sequence wins.
///
/// Threading: one owner (the consensus module agent, from its election). Control path: each update is a
/// pwrite plus fsync.
class NodeStateFile
{
public:
    static constexpr const char* FILE_NAME = "node-state.dat";
    /// "COXNODES" as a little-endian int64.
    static constexpr std::int64_t MAGIC = 0x5345444f4e584f43;
    static constexpr std::int32_t VERSION = 1;
    static constexpr std::size_t COPY_LENGTH = 64;
    static constexpr std::size_t COPY_STRIDE = 512;
    static constexpr std::size_t FILE_LENGTH = 2 * COPY_STRIDE;
    static constexpr std::int64_t NULL_VALUE = -1;
    static constexpr std::int32_t NULL_MEMBER_ID = -1;

    /// Opens (or, with createNew, creates) clusterDir/node-state.dat and reads the latest valid copy.
    /// A new file reads as candidateTermId NULL_VALUE. Throws IoException if it cannot be opened or
    /// written, IllegalStateException naming the file if it is of another version or both copies are
    /// damaged.
    explicit NodeStateFile(const std::string& clusterDir, bool createNew = true);
    ~NodeStateFile();

    NodeStateFile(const NodeStateFile&) = delete;
    NodeStateFile& operator=(const NodeStateFile&) = delete;

    /// Persists candidateTermId if it is above the stored one (clearing the vote: none is cast in the new
    /// term yet) and returns the stored maximum. Used when a node learns of a higher term.
    std::int64_t proposeMaxCandidateTermId(std::int64_t candidateTermId, std::int64_t logPosition,
                                           std::int64_t timestampMs);

    /// Persists candidateTermId. The same term keeps the vote already cast in it; a higher one clears it.
    /// Throws IllegalArgumentException for a term below the stored one (terms never go back).
    void updateCandidateTermId(std::int64_t candidateTermId, std::int64_t logPosition, std::int64_t timestampMs);

    /// Persists a vote for votedForMemberId in candidateTermId, before it is sent (or, for its own
    /// candidacy, before votes are requested). Throws IllegalArgumentException for a lower term, and
    /// IllegalStateException for a second, different vote in the same term.
    void recordVote(std::int64_t candidateTermId, std::int32_t votedForMemberId, std::int64_t logPosition,
                    std::int64_t timestampMs);

    [[nodiscard]] std::int64_t candidateTermId() const noexcept { return m_candidateTermId; }
    /// NULL_MEMBER_ID when no vote was cast in candidateTermId().
    [[nodiscard]] std::int32_t votedForMemberId() const noexcept { return m_votedForMemberId; }
    /// The log position and timestamp given with the last update.
    [[nodiscard]] std::int64_t logPosition() const noexcept { return m_logPosition; }
    [[nodiscard]] std::int64_t timestampMs() const noexcept { return m_timestampMs; }
    /// Incremented by every write; tells which copy is newer.
    [[nodiscard]] std::int64_t sequence() const noexcept { return m_sequence; }
    [[nodiscard]] const std::string& path() const noexcept;

private:
    void load();
    void write(std::int64_t candidateTermId, std::int32_t votedForMemberId, std::int64_t logPosition,
               std::int64_t timestampMs);

    std::unique_ptr<detail::FileIo> m_file;
    std::int64_t m_sequence = -1;
    std::int64_t m_candidateTermId = NULL_VALUE;
    std::int64_t m_logPosition = NULL_VALUE;
    std::int64_t m_timestampMs = NULL_VALUE;
    std::int32_t m_votedForMemberId = NULL_MEMBER_ID;
};
} // namespace cox::cluster
