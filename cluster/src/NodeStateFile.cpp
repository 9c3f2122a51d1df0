#include "cox/cluster/NodeStateFile.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <filesystem>

#include "FileIo.hpp"
#include "cox/util/Crc32c.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
static_assert(std::endian::native == std::endian::little, "the node state file is read and written in host order");

namespace
{
constexpr std::size_t MAGIC_OFFSET = 0;
constexpr std::size_t VERSION_OFFSET = 8;
constexpr std::size_t SEQUENCE_OFFSET = 16;
constexpr std::size_t CANDIDATE_TERM_ID_OFFSET = 24;
constexpr std::size_t LOG_POSITION_OFFSET = 32;
constexpr std::size_t TIMESTAMP_OFFSET = 40;
constexpr std::size_t VOTED_FOR_OFFSET = 48;
constexpr std::size_t CHECKSUM_OFFSET = 60;

using Copy = std::array<std::uint8_t, NodeStateFile::COPY_LENGTH>;

template <typename T>
T readField(const Copy& copy, std::size_t offset) noexcept
{
    T value;
    std::memcpy(&value, copy.data() + offset, sizeof(T));
    return value;
}

template <typename T>
void writeField(Copy& copy, std::size_t offset, T value) noexcept
{
    std::memcpy(copy.data() + offset, &value, sizeof(T));
}

bool isSealed(const Copy& copy) noexcept
{
    return readField<std::uint32_t>(copy, CHECKSUM_OFFSET) == util::crc32c(0, copy.data(), CHECKSUM_OFFSET);
}

bool isAllZero(const std::uint8_t* bytes, std::size_t length) noexcept
{
    return std::all_of(bytes, bytes + length, [](std::uint8_t byte) { return byte == 0; });
}
} // namespace

NodeStateFile::NodeStateFile(const std::string& clusterDir, bool createNew)
    : m_file(std::make_unique<detail::FileIo>((std::filesystem::path(clusterDir) / FILE_NAME).string(), createNew))
{
    load();
}

NodeStateFile::~NodeStateFile() = default;

const std::string& NodeStateFile::path() const noexcept
{
    return m_file->path();
}

void NodeStateFile::load()
{
    std::array<std::uint8_t, FILE_LENGTH> bytes{};
    const std::size_t length = m_file->readAt(0, bytes.data(), bytes.size());

    const Copy* latest = nullptr;
    std::array<Copy, 2> copies{};
    for (std::size_t i = 0; i < copies.size(); ++i)
    {
        std::memcpy(copies[i].data(), bytes.data() + i * COPY_STRIDE, COPY_LENGTH);
        const Copy& copy = copies[i];
        if (!isSealed(copy))
        {
            continue;
        }
        if (readField<std::int64_t>(copy, MAGIC_OFFSET) != MAGIC)
        {
            throw util::IllegalStateException("not a Coxswain node state file (no magic): " + path());
        }
        const auto version = readField<std::int32_t>(copy, VERSION_OFFSET);
        if (version != VERSION)
        {
            throw util::IllegalStateException("node state file version " + std::to_string(version) +
                                              " is not the supported version " + std::to_string(VERSION) + ": " +
                                              path());
        }
        if (latest == nullptr ||
            readField<std::int64_t>(copy, SEQUENCE_OFFSET) > readField<std::int64_t>(*latest, SEQUENCE_OFFSET))
        {
            latest = &copy;
        }
    }

    if (latest == nullptr)
    {
        // The first real update (sequence 1) goes to the second copy, so while that copy is untouched only
        // the initial empty state (sequence 0) was ever written: a creation cut short, safe to redo.
        // Anything else is damage that must not be mistaken for "never voted".
        if (length > COPY_STRIDE && !isAllZero(bytes.data() + COPY_STRIDE, length - COPY_STRIDE))
        {
            throw util::IllegalStateException("node state file damaged in both copies: " + path());
        }
        m_file->truncate(FILE_LENGTH);
        write(NULL_VALUE, NULL_MEMBER_ID, NULL_VALUE, NULL_VALUE);
        return;
    }

    m_sequence = readField<std::int64_t>(*latest, SEQUENCE_OFFSET);
    m_candidateTermId = readField<std::int64_t>(*latest, CANDIDATE_TERM_ID_OFFSET);
    m_logPosition = readField<std::int64_t>(*latest, LOG_POSITION_OFFSET);
    m_timestampMs = readField<std::int64_t>(*latest, TIMESTAMP_OFFSET);
    m_votedForMemberId = readField<std::int32_t>(*latest, VOTED_FOR_OFFSET);
    if (length < FILE_LENGTH)
    {
        m_file->truncate(FILE_LENGTH);
    }
}

void NodeStateFile::write(std::int64_t candidateTermId, std::int32_t votedForMemberId, std::int64_t logPosition,
                          std::int64_t timestampMs)
{
    const std::int64_t sequence = m_sequence + 1;
    Copy copy{};
    writeField(copy, MAGIC_OFFSET, MAGIC);
    writeField(copy, VERSION_OFFSET, VERSION);
    writeField(copy, SEQUENCE_OFFSET, sequence);
    writeField(copy, CANDIDATE_TERM_ID_OFFSET, candidateTermId);
    writeField(copy, LOG_POSITION_OFFSET, logPosition);
    writeField(copy, TIMESTAMP_OFFSET, timestampMs);
    writeField(copy, VOTED_FOR_OFFSET, votedForMemberId);
    writeField(copy, CHECKSUM_OFFSET, util::crc32c(0, copy.data(), CHECKSUM_OFFSET));

    // The older copy is overwritten, so the newer one survives whatever happens to this write.
    m_file->writeAt(static_cast<std::uint64_t>(sequence % 2) * COPY_STRIDE, copy.data(), copy.size());
    m_file->sync(archive::FileSyncLevel::DATA_AND_METADATA);

    m_sequence = sequence;
    m_candidateTermId = candidateTermId;
    m_votedForMemberId = votedForMemberId;
    m_logPosition = logPosition;
    m_timestampMs = timestampMs;
}

std::int64_t NodeStateFile::proposeMaxCandidateTermId(std::int64_t candidateTermId, std::int64_t logPosition,
                                                      std::int64_t timestampMs)
{
    if (candidateTermId > m_candidateTermId)
    {
        write(candidateTermId, NULL_MEMBER_ID, logPosition, timestampMs);
    }
    return m_candidateTermId;
}

void NodeStateFile::updateCandidateTermId(std::int64_t candidateTermId, std::int64_t logPosition,
                                          std::int64_t timestampMs)
{
    if (candidateTermId < m_candidateTermId)
    {
        throw util::IllegalArgumentException("candidate term may not go back from " +
                                             std::to_string(m_candidateTermId) + " to " +
                                             std::to_string(candidateTermId) + ": " + path());
    }
    const std::int32_t votedFor = candidateTermId == m_candidateTermId ? m_votedForMemberId : NULL_MEMBER_ID;
    write(candidateTermId, votedFor, logPosition, timestampMs);
}

void NodeStateFile::recordVote(std::int64_t candidateTermId, std::int32_t votedForMemberId, std::int64_t logPosition,
                               std::int64_t timestampMs)
{
    if (candidateTermId < m_candidateTermId)
    {
        throw util::IllegalArgumentException("vote in candidate term " + std::to_string(candidateTermId) +
                                             " below the stored " + std::to_string(m_candidateTermId) + ": " + path());
    }
    if (votedForMemberId < 0)
    {
        throw util::IllegalArgumentException("vote for invalid member id " + std::to_string(votedForMemberId));
    }
    if (candidateTermId == m_candidateTermId && m_votedForMemberId != NULL_MEMBER_ID &&
        m_votedForMemberId != votedForMemberId)
    {
        throw util::IllegalStateException("already voted for member " + std::to_string(m_votedForMemberId) +
                                          " in candidate term " + std::to_string(candidateTermId) + ": " + path());
    }
    write(candidateTermId, votedForMemberId, logPosition, timestampMs);
}
} // namespace cox::cluster
