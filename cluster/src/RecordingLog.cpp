#include "cox/cluster/RecordingLog.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <filesystem>

#include "FileIo.hpp"
#include "cox/util/BitUtil.hpp"
#include "cox/util/Crc32c.hpp"
#include "cox/util/Exceptions.hpp"

namespace cox::cluster
{
static_assert(std::endian::native == std::endian::little, "the recording log is read and written in host order");

namespace
{
using Entry = RecordingLog::Entry;

// Fixed part of a record: the fields, the endpoint length and the checksum.
constexpr std::size_t MIN_ENCODED_LENGTH =
    RecordingLog::ENDPOINT_OFFSET + sizeof(std::int32_t) + RecordingLog::CHECKSUM_LENGTH;
constexpr std::size_t MAX_ENDPOINT_LENGTH = RecordingLog::MAX_ENTRY_LENGTH - MIN_ENCODED_LENGTH;

template <typename T>
T readField(const std::uint8_t* record, std::size_t offset) noexcept
{
    T value;
    std::memcpy(&value, record + offset, sizeof(T));
    return value;
}

template <typename T>
void writeField(std::uint8_t* record, std::size_t offset, T value) noexcept
{
    std::memcpy(record + offset, &value, sizeof(T));
}

std::size_t encodedLength(std::size_t endpointLength) noexcept
{
    return util::align(MIN_ENCODED_LENGTH + endpointLength, RecordingLog::ENTRY_ALIGNMENT);
}

void sealRecord(std::uint8_t* record, std::size_t length) noexcept
{
    const std::size_t checksumOffset = length - RecordingLog::CHECKSUM_LENGTH;
    writeField<std::uint32_t>(record, checksumOffset, util::crc32c(0, record, checksumOffset));
}

bool isSealed(const std::uint8_t* record, std::size_t length) noexcept
{
    const std::size_t checksumOffset = length - RecordingLog::CHECKSUM_LENGTH;
    return readField<std::uint32_t>(record, checksumOffset) == util::crc32c(0, record, checksumOffset);
}

std::int32_t encodedType(const Entry& entry) noexcept
{
    return entry.isValid ? entry.type : (entry.type | RecordingLog::ENTRY_TYPE_INVALID_FLAG);
}

std::vector<std::uint8_t> encode(const Entry& entry, std::int32_t rawType)
{
    std::vector<std::uint8_t> record(encodedLength(entry.archiveEndpoint.size()), 0);
    writeField(record.data(), RecordingLog::RECORDING_ID_OFFSET, entry.recordingId);
    writeField(record.data(), RecordingLog::LEADERSHIP_TERM_ID_OFFSET, entry.leadershipTermId);
    writeField(record.data(), RecordingLog::TERM_BASE_LOG_POSITION_OFFSET, entry.termBaseLogPosition);
    writeField(record.data(), RecordingLog::LOG_POSITION_OFFSET, entry.logPosition);
    writeField(record.data(), RecordingLog::TIMESTAMP_OFFSET, entry.timestamp);
    writeField(record.data(), RecordingLog::SERVICE_ID_OFFSET, entry.serviceId);
    writeField(record.data(), RecordingLog::ENTRY_TYPE_OFFSET, rawType);
    writeField(record.data(), RecordingLog::ENDPOINT_OFFSET, static_cast<std::int32_t>(entry.archiveEndpoint.size()));
    std::memcpy(record.data() + RecordingLog::ENDPOINT_OFFSET + sizeof(std::int32_t), entry.archiveEndpoint.data(),
                entry.archiveEndpoint.size());
    sealRecord(record.data(), record.size());
    return record;
}

std::array<std::uint8_t, RecordingLog::HEADER_LENGTH> encodeHeader() noexcept
{
    std::array<std::uint8_t, RecordingLog::HEADER_LENGTH> header{};
    writeField(header.data(), 0, RecordingLog::MAGIC);
    writeField(header.data(), 8, RecordingLog::FORMAT_VERSION);
    sealRecord(header.data(), header.size());
    return header;
}

// The outcome of reading one record from the file.
struct Decoded
{
    bool ok = false;
    std::size_t length = 0;
    std::int32_t rawType = 0;
    Entry entry;
};

Decoded decodeAt(const detail::FileIo& file, std::uint64_t offset, std::uint64_t fileLength)
{
    Decoded decoded;
    std::vector<std::uint8_t> record(RecordingLog::ENTRY_ALIGNMENT);
    if (fileLength - offset < RecordingLog::ENTRY_ALIGNMENT ||
        file.readAt(offset, record.data(), record.size()) != record.size())
    {
        return decoded;
    }
    const auto endpointLength = readField<std::int32_t>(record.data(), RecordingLog::ENDPOINT_OFFSET);
    if (endpointLength < 0 || static_cast<std::size_t>(endpointLength) > MAX_ENDPOINT_LENGTH)
    {
        return decoded;
    }
    const std::size_t length = encodedLength(static_cast<std::size_t>(endpointLength));
    if (length > fileLength - offset)
    {
        return decoded;
    }
    record.resize(length);
    if (length > RecordingLog::ENTRY_ALIGNMENT &&
        file.readAt(offset + RecordingLog::ENTRY_ALIGNMENT, record.data() + RecordingLog::ENTRY_ALIGNMENT,
                    length - RecordingLog::ENTRY_ALIGNMENT) != length - RecordingLog::ENTRY_ALIGNMENT)
    {
        return decoded;
    }
    if (!isSealed(record.data(), length))
    {
        return decoded;
    }

    decoded.ok = true;
    decoded.length = length;
    decoded.rawType = readField<std::int32_t>(record.data(), RecordingLog::ENTRY_TYPE_OFFSET);
    Entry& entry = decoded.entry;
    entry.recordingId = readField<std::int64_t>(record.data(), RecordingLog::RECORDING_ID_OFFSET);
    entry.leadershipTermId = readField<std::int64_t>(record.data(), RecordingLog::LEADERSHIP_TERM_ID_OFFSET);
    entry.termBaseLogPosition = readField<std::int64_t>(record.data(), RecordingLog::TERM_BASE_LOG_POSITION_OFFSET);
    entry.logPosition = readField<std::int64_t>(record.data(), RecordingLog::LOG_POSITION_OFFSET);
    entry.timestamp = readField<std::int64_t>(record.data(), RecordingLog::TIMESTAMP_OFFSET);
    entry.serviceId = readField<std::int32_t>(record.data(), RecordingLog::SERVICE_ID_OFFSET);
    entry.isValid = (decoded.rawType & RecordingLog::ENTRY_TYPE_INVALID_FLAG) == 0;
    entry.type = decoded.rawType & ~RecordingLog::ENTRY_TYPE_INVALID_FLAG;
    entry.archiveEndpoint.assign(
        reinterpret_cast<const char*>(record.data()) + RecordingLog::ENDPOINT_OFFSET + sizeof(std::int32_t),
        static_cast<std::size_t>(endpointLength));
    return decoded;
}

bool isKnownType(std::int32_t rawType) noexcept
{
    if (rawType == RecordingLog::ENTRY_TYPE_REMOVED)
    {
        return true;
    }
    const std::int32_t type = rawType & ~RecordingLog::ENTRY_TYPE_INVALID_FLAG;
    return type == RecordingLog::ENTRY_TYPE_TERM || type == RecordingLog::ENTRY_TYPE_SNAPSHOT ||
           type == RecordingLog::ENTRY_TYPE_STANDBY_SNAPSHOT;
}

const char* typeName(std::int32_t type) noexcept
{
    switch (type)
    {
    case RecordingLog::ENTRY_TYPE_TERM:
        return "TERM";
    case RecordingLog::ENTRY_TYPE_SNAPSHOT:
        return "SNAPSHOT";
    case RecordingLog::ENTRY_TYPE_STANDBY_SNAPSHOT:
        return "STANDBY_SNAPSHOT";
    default:
        return "UNKNOWN";
    }
}

bool entryOrder(const Entry& a, const Entry& b) noexcept
{
    if (a.leadershipTermId != b.leadershipTermId)
    {
        return a.leadershipTermId < b.leadershipTermId;
    }
    if (a.termBaseLogPosition != b.termBaseLogPosition)
    {
        return a.termBaseLogPosition < b.termBaseLogPosition;
    }
    const bool aIsTerm = a.type == RecordingLog::ENTRY_TYPE_TERM;
    const bool bIsTerm = b.type == RecordingLog::ENTRY_TYPE_TERM;
    if (aIsTerm != bIsTerm)
    {
        return aIsTerm;
    }
    if (!aIsTerm)
    {
        if (a.logPosition != b.logPosition)
        {
            return a.logPosition < b.logPosition;
        }
        if (a.serviceId != b.serviceId)
        {
            // Descending, so a snapshot set reads services n-1..0 and then the consensus module.
            return a.serviceId > b.serviceId;
        }
        if (a.type != b.type)
        {
            return a.type < b.type;
        }
    }
    return a.entryIndex < b.entryIndex;
}

bool isValidSnapshot(const Entry& entry) noexcept
{
    return entry.isValid && entry.type == RecordingLog::ENTRY_TYPE_SNAPSHOT;
}
} // namespace

std::string RecordingLog::Entry::toString() const
{
    return "Entry{recordingId=" + std::to_string(recordingId) + ", leadershipTermId=" +
           std::to_string(leadershipTermId) + ", termBaseLogPosition=" + std::to_string(termBaseLogPosition) +
           ", logPosition=" + std::to_string(logPosition) + ", timestamp=" + std::to_string(timestamp) +
           ", serviceId=" + std::to_string(serviceId) + ", type=" + typeName(type) +
           ", isValid=" + (isValid ? "true" : "false") + ", entryIndex=" + std::to_string(entryIndex) +
           (archiveEndpoint.empty() ? "" : ", archiveEndpoint=" + archiveEndpoint) + "}";
}

RecordingLog::RecordingLog(const std::string& clusterDir, bool createNew, archive::FileSyncLevel autoSyncLevel)
    : m_file(std::make_unique<detail::FileIo>((std::filesystem::path(clusterDir) / FILE_NAME).string(), createNew)),
      m_autoSyncLevel(autoSyncLevel)
{
    load();
}

RecordingLog::~RecordingLog() = default;

const std::string& RecordingLog::path() const noexcept
{
    return m_file->path();
}

void RecordingLog::load()
{
    const std::uint64_t fileLength = m_file->size();
    const auto expectedHeader = encodeHeader();
    std::array<std::uint8_t, HEADER_LENGTH> header{};
    const std::size_t headerRead = m_file->readAt(0, header.data(), header.size());

    // A header shorter than a record, or still all zeros, is a creation the process did not finish:
    // no entry can follow it, so it is safe to write it again.
    const bool isUnfinishedCreation =
        fileLength <= HEADER_LENGTH && std::equal(header.begin(), header.begin() + static_cast<long>(headerRead),
                                                  expectedHeader.begin(), [](std::uint8_t actual, std::uint8_t expected)
                                                  { return actual == expected || actual == 0; });
    if (isUnfinishedCreation)
    {
        m_file->writeAt(0, expectedHeader.data(), expectedHeader.size());
        m_file->truncate(HEADER_LENGTH);
        m_file->sync(archive::FileSyncLevel::DATA_AND_METADATA);
        m_fileLength = HEADER_LENGTH;
        return;
    }
    if (headerRead < HEADER_LENGTH || readField<std::int64_t>(header.data(), 0) != MAGIC)
    {
        throw util::IllegalStateException("not a Coxswain recording log (no header magic): " + path());
    }
    const auto version = readField<std::int32_t>(header.data(), 8);
    if (version != FORMAT_VERSION)
    {
        throw util::IllegalStateException("recording log format version " + std::to_string(version) +
                                          " is not the supported version " + std::to_string(FORMAT_VERSION) + ": " +
                                          path());
    }
    if (!isSealed(header.data(), header.size()))
    {
        throw util::IllegalStateException("recording log header fails its checksum: " + path());
    }

    std::uint64_t offset = HEADER_LENGTH;
    while (offset < fileLength)
    {
        Decoded decoded = decodeAt(*m_file, offset, fileLength);
        if (!decoded.ok)
        {
            break;
        }
        if (!isKnownType(decoded.rawType))
        {
            throw util::IllegalStateException("recording log entry type " + std::to_string(decoded.rawType) +
                                              " unknown at offset " + std::to_string(offset) + ": " + path());
        }
        decoded.entry.entryIndex = static_cast<std::int32_t>(m_offsetByIndex.size());
        m_offsetByIndex.push_back(offset);
        if (decoded.rawType != ENTRY_TYPE_REMOVED)
        {
            m_entries.push_back(std::move(decoded.entry));
        }
        offset += decoded.length;
    }

    if (offset < fileLength)
    {
        // A crash mid-append leaves a short or half-written last record, never a good record after a
        // bad one; anything readable further on means the middle of the file is damaged.
        for (std::uint64_t probe = offset + ENTRY_ALIGNMENT; probe < fileLength; probe += ENTRY_ALIGNMENT)
        {
            if (decodeAt(*m_file, probe, fileLength).ok)
            {
                throw util::IllegalStateException("recording log corrupt at offset " + std::to_string(offset) +
                                                  " with valid entries after it: " + path());
            }
        }
        m_discardedTailLength = fileLength - offset;
        m_file->truncate(offset);
        m_file->sync(archive::FileSyncLevel::DATA_AND_METADATA);
    }
    m_fileLength = offset;
    sortEntries();
}

void RecordingLog::sortEntries()
{
    std::sort(m_entries.begin(), m_entries.end(), entryOrder);
}

void RecordingLog::afterWrite() const
{
    m_file->sync(m_autoSyncLevel);
}

void RecordingLog::append(const Entry& entry)
{
    Entry appended = entry;
    appended.entryIndex = static_cast<std::int32_t>(m_offsetByIndex.size());
    const auto record = encode(appended, encodedType(appended));
    m_file->writeAt(m_fileLength, record.data(), record.size());
    afterWrite();
    m_offsetByIndex.push_back(m_fileLength);
    m_fileLength += record.size();
    m_entries.push_back(std::move(appended));
    sortEntries();
}

void RecordingLog::rewrite(const Entry& entry)
{
    const auto record = encode(entry, encodedType(entry));
    m_file->writeAt(m_offsetByIndex.at(static_cast<std::size_t>(entry.entryIndex)), record.data(), record.size());
    afterWrite();
}

RecordingLog::Entry* RecordingLog::findByIndex(std::int32_t entryIndex) noexcept
{
    const auto found = std::find_if(m_entries.begin(), m_entries.end(),
                                    [entryIndex](const Entry& entry) { return entry.entryIndex == entryIndex; });
    return found == m_entries.end() ? nullptr : &*found;
}

void RecordingLog::appendTerm(std::int64_t recordingId, std::int64_t leadershipTermId,
                              std::int64_t termBaseLogPosition, std::int64_t timestamp)
{
    if (leadershipTermId < 0 || termBaseLogPosition < 0)
    {
        throw util::IllegalArgumentException("term entry needs leadershipTermId and termBaseLogPosition >= 0, got " +
                                             std::to_string(leadershipTermId) + " and " +
                                             std::to_string(termBaseLogPosition));
    }
    if (findTermEntry(leadershipTermId) != nullptr)
    {
        throw util::IllegalStateException("duplicate TERM entry for leadershipTermId " +
                                          std::to_string(leadershipTermId) + ": " + path());
    }

    const Entry* previous = nullptr;
    for (const Entry& entry : m_entries)
    {
        if (entry.isValid && entry.type == ENTRY_TYPE_TERM && entry.leadershipTermId < leadershipTermId)
        {
            previous = &entry;
        }
    }
    if (previous != nullptr && previous->logPosition == NULL_POSITION)
    {
        commitLogPosition(previous->leadershipTermId, termBaseLogPosition);
    }

    Entry entry;
    entry.recordingId = recordingId;
    entry.leadershipTermId = leadershipTermId;
    entry.termBaseLogPosition = termBaseLogPosition;
    entry.logPosition = NULL_POSITION;
    entry.timestamp = timestamp;
    entry.serviceId = CONSENSUS_MODULE_SERVICE_ID;
    entry.type = ENTRY_TYPE_TERM;
    append(entry);
}

void RecordingLog::appendSnapshot(std::int64_t recordingId, std::int64_t leadershipTermId,
                                  std::int64_t termBaseLogPosition, std::int64_t logPosition, std::int64_t timestamp,
                                  std::int32_t serviceId)
{
    Entry entry;
    entry.recordingId = recordingId;
    entry.leadershipTermId = leadershipTermId;
    entry.termBaseLogPosition = termBaseLogPosition;
    entry.logPosition = logPosition;
    entry.timestamp = timestamp;
    entry.serviceId = serviceId;
    entry.type = ENTRY_TYPE_SNAPSHOT;
    appendSnapshotEntry(std::move(entry));
}

void RecordingLog::appendStandbySnapshot(std::int64_t recordingId, std::int64_t leadershipTermId,
                                         std::int64_t termBaseLogPosition, std::int64_t logPosition,
                                         std::int64_t timestamp, std::int32_t serviceId,
                                         const std::string& archiveEndpoint)
{
    if (archiveEndpoint.empty() || archiveEndpoint.size() > MAX_ENDPOINT_LENGTH)
    {
        throw util::IllegalArgumentException("standby snapshot archive endpoint must be 1.." +
                                             std::to_string(MAX_ENDPOINT_LENGTH) + " bytes, got " +
                                             std::to_string(archiveEndpoint.size()));
    }
    Entry entry;
    entry.recordingId = recordingId;
    entry.leadershipTermId = leadershipTermId;
    entry.termBaseLogPosition = termBaseLogPosition;
    entry.logPosition = logPosition;
    entry.timestamp = timestamp;
    entry.serviceId = serviceId;
    entry.type = ENTRY_TYPE_STANDBY_SNAPSHOT;
    entry.archiveEndpoint = archiveEndpoint;
    appendSnapshotEntry(std::move(entry));
}

void RecordingLog::appendSnapshotEntry(Entry entry)
{
    if (entry.recordingId < 0 || entry.leadershipTermId < 0 || entry.termBaseLogPosition < 0 ||
        entry.logPosition < entry.termBaseLogPosition || entry.serviceId < CONSENSUS_MODULE_SERVICE_ID)
    {
        throw util::IllegalArgumentException("invalid snapshot entry: " + entry.toString());
    }
    for (Entry& existing : m_entries)
    {
        if (!existing.isValid && existing.type == entry.type && existing.recordingId == entry.recordingId &&
            existing.leadershipTermId == entry.leadershipTermId &&
            existing.termBaseLogPosition == entry.termBaseLogPosition && existing.logPosition == entry.logPosition &&
            existing.serviceId == entry.serviceId && existing.archiveEndpoint == entry.archiveEndpoint)
        {
            existing.isValid = true;
            try
            {
                rewrite(existing);
            }
            catch (...)
            {
                existing.isValid = false;
                throw;
            }
            return;
        }
    }
    append(entry);
}

void RecordingLog::commitLogPosition(std::int64_t leadershipTermId, std::int64_t logPosition)
{
    auto* entry = const_cast<Entry*>(findTermEntry(leadershipTermId));
    if (entry == nullptr)
    {
        throw util::IllegalStateException("no TERM entry for leadershipTermId " + std::to_string(leadershipTermId) +
                                          " to commit: " + path());
    }
    if (entry->logPosition == logPosition)
    {
        return;
    }
    Entry updated = *entry;
    updated.logPosition = logPosition;
    rewrite(updated);
    entry->logPosition = logPosition;
}

bool RecordingLog::invalidateLatestSnapshot()
{
    const Entry* latest = getLatestSnapshot(CONSENSUS_MODULE_SERVICE_ID);
    if (latest == nullptr)
    {
        return false;
    }
    const std::int64_t leadershipTermId = latest->leadershipTermId;
    const std::int64_t logPosition = latest->logPosition;
    for (Entry& entry : m_entries)
    {
        if (isValidSnapshot(entry) && entry.leadershipTermId == leadershipTermId && entry.logPosition == logPosition)
        {
            Entry updated = entry;
            updated.isValid = false;
            rewrite(updated);
            entry.isValid = false;
        }
    }
    return true;
}

void RecordingLog::invalidateEntry(std::int64_t leadershipTermId, std::int32_t entryIndex)
{
    Entry* entry = findByIndex(entryIndex);
    if (entry == nullptr || !entry->isValid || entry->leadershipTermId != leadershipTermId)
    {
        throw util::IllegalArgumentException("no valid entry with index " + std::to_string(entryIndex) +
                                             " and leadershipTermId " + std::to_string(leadershipTermId) + ": " +
                                             path());
    }
    Entry updated = *entry;
    updated.isValid = false;
    rewrite(updated);
    entry->isValid = false;
}

void RecordingLog::removeEntry(std::int64_t leadershipTermId, std::int32_t entryIndex)
{
    Entry* entry = findByIndex(entryIndex);
    if (entry == nullptr || entry->leadershipTermId != leadershipTermId)
    {
        throw util::IllegalArgumentException("no entry with index " + std::to_string(entryIndex) +
                                             " and leadershipTermId " + std::to_string(leadershipTermId) + ": " +
                                             path());
    }
    const auto record = encode(*entry, ENTRY_TYPE_REMOVED);
    m_file->writeAt(m_offsetByIndex.at(static_cast<std::size_t>(entryIndex)), record.data(), record.size());
    afterWrite();
    m_entries.erase(m_entries.begin() + (entry - m_entries.data()));
}

void RecordingLog::force(archive::FileSyncLevel level) const
{
    m_file->sync(level);
}

std::vector<RecordingLog::Entry> RecordingLog::snapshots() const
{
    std::vector<Entry> result;
    for (const Entry& entry : m_entries)
    {
        if (entry.isValid && entry.type != ENTRY_TYPE_TERM)
        {
            result.push_back(entry);
        }
    }
    return result;
}

const RecordingLog::Entry* RecordingLog::findLastTerm() const noexcept
{
    for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it)
    {
        if (it->isValid && it->type == ENTRY_TYPE_TERM)
        {
            return &*it;
        }
    }
    return nullptr;
}

std::int64_t RecordingLog::findLastTermRecordingId() const noexcept
{
    const Entry* last = findLastTerm();
    return last == nullptr ? NULL_VALUE : last->recordingId;
}

const RecordingLog::Entry* RecordingLog::findTermEntry(std::int64_t leadershipTermId) const noexcept
{
    for (const Entry& entry : m_entries)
    {
        if (entry.isValid && entry.type == ENTRY_TYPE_TERM && entry.leadershipTermId == leadershipTermId)
        {
            return &entry;
        }
    }
    return nullptr;
}

const RecordingLog::Entry& RecordingLog::getTermEntry(std::int64_t leadershipTermId) const
{
    const Entry* entry = findTermEntry(leadershipTermId);
    if (entry == nullptr)
    {
        throw util::IllegalStateException("no TERM entry for leadershipTermId " + std::to_string(leadershipTermId) +
                                          ": " + path());
    }
    return *entry;
}

const RecordingLog::Entry* RecordingLog::getLatestSnapshot(std::int32_t serviceId) const noexcept
{
    const Entry* consensusModule = nullptr;
    for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it)
    {
        if (isValidSnapshot(*it) && it->serviceId == CONSENSUS_MODULE_SERVICE_ID)
        {
            consensusModule = &*it;
            break;
        }
    }
    if (consensusModule == nullptr || serviceId == CONSENSUS_MODULE_SERVICE_ID)
    {
        return consensusModule;
    }
    for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it)
    {
        if (isValidSnapshot(*it) && it->serviceId == serviceId &&
            it->leadershipTermId == consensusModule->leadershipTermId &&
            it->logPosition == consensusModule->logPosition)
        {
            return &*it;
        }
    }
    return nullptr;
}
} // namespace cox::cluster
