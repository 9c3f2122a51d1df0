#include <gtest/gtest.h>

#include <fstream>

#include "ArchiveTestSupport.hpp"
#include "cox/archive/ArchiveException.hpp"
#include "cox/archive/Catalog.hpp"
#include "cox/archive/CatalogIndex.hpp"

using namespace cox::archive;
using cox::archive::test::TempDirectory;

namespace
{
std::int64_t addRecording(Catalog& catalog, std::int32_t streamId, const std::string& channel, std::int64_t start = 0)
{
    return catalog.addNewRecording(start, 1000 + start, 7, 128 * 1024, 64 * 1024, 1408, 42, streamId, channel,
        channel + "|alias=x", "127.0.0.1:5000");
}

Catalog::Options smallCatalog()
{
    Catalog::Options options;
    options.initialCapacity = Catalog::MIN_CAPACITY;
    return options;
}
} // namespace

TEST(CatalogIndexTest, shouldAddFindAndRemoveInOrder)
{
    CatalogIndex index;
    for (std::int64_t id = 0; id < 50; id += 2)
    {
        index.add(id, 1000 + id);
    }
    EXPECT_EQ(index.find(0), 1000);
    EXPECT_EQ(index.find(48), 1048);
    EXPECT_EQ(index.find(17), CatalogIndex::NULL_OFFSET);
    EXPECT_EQ(index.remove(20), 1020);
    EXPECT_EQ(index.find(20), CatalogIndex::NULL_OFFSET);
    EXPECT_EQ(index.find(22), 1022);
    EXPECT_EQ(index.size(), 24u);
    EXPECT_EQ(index.remove(20), CatalogIndex::NULL_OFFSET);
}

TEST(CatalogIndexTest, shouldRefuseIdsThatAreNotIncreasing)
{
    CatalogIndex index;
    index.add(5, 32);
    EXPECT_THROW(index.add(5, 64), cox::util::IllegalArgumentException);
    index.remove(5);
    EXPECT_THROW(index.add(3, 64), cox::util::IllegalArgumentException);
    EXPECT_EQ(index.lastRecordingId(), 5);
}

TEST(CatalogTest, shouldAddAndFindRecordingWithEveryField)
{
    TempDirectory dir;
    Catalog catalog(dir.path(), smallCatalog());
    const std::int64_t id = catalog.addNewRecording(4096, NULL_POSITION, 1700, NULL_TIMESTAMP, 9, 256 * 1024,
        64 * 1024, 1408, -5, 1001, "aeron:udp?endpoint=a:1", "aeron:udp?endpoint=a:1|term-length=64k", "src");
    EXPECT_EQ(id, 0);
    const auto found = catalog.findRecording(id);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->recordingId, 0);
    EXPECT_EQ(found->startPosition, 4096);
    EXPECT_EQ(found->stopPosition, NULL_POSITION);
    EXPECT_EQ(found->startTimestamp, 1700);
    EXPECT_EQ(found->stopTimestamp, NULL_TIMESTAMP);
    EXPECT_EQ(found->initialTermId, 9);
    EXPECT_EQ(found->segmentFileLength, 256 * 1024);
    EXPECT_EQ(found->termBufferLength, 64 * 1024);
    EXPECT_EQ(found->mtuLength, 1408);
    EXPECT_EQ(found->sessionId, -5);
    EXPECT_EQ(found->streamId, 1001);
    EXPECT_EQ(found->strippedChannel, "aeron:udp?endpoint=a:1");
    EXPECT_EQ(found->originalChannel, "aeron:udp?endpoint=a:1|term-length=64k");
    EXPECT_EQ(found->sourceIdentity, "src");
    EXPECT_EQ(found->state, RecordingState::VALID);
    EXPECT_FALSE(catalog.findRecording(1).has_value());
    EXPECT_EQ(catalog.nextRecordingId(), 1);
}

TEST(CatalogTest, shouldPersistManyRecordingsAcrossReopenWhileGrowing)
{
    TempDirectory dir;
    const std::string longChannel = "aeron:udp?endpoint=localhost:40123|" + std::string(200, 'x');
    {
        Catalog catalog(dir.path(), smallCatalog());
        for (int i = 0; i < 300; ++i)
        {
            EXPECT_EQ(addRecording(catalog, i % 3, longChannel, i * 32), i);
        }
        EXPECT_GT(catalog.capacity(), Catalog::MIN_CAPACITY);
        catalog.recordingStopped(7, 7 * 32 + 4096, 99);
    }
    Catalog reopened(dir.path(), smallCatalog());
    EXPECT_EQ(reopened.recordingCount(), 300u);
    EXPECT_EQ(reopened.nextRecordingId(), 300);
    for (int i = 0; i < 300; i += 37)
    {
        const auto d = reopened.recording(i);
        EXPECT_EQ(d.startPosition, i * 32);
        EXPECT_EQ(d.streamId, i % 3);
        EXPECT_EQ(d.strippedChannel, longChannel);
    }
    EXPECT_EQ(reopened.recording(7).stopPosition, 7 * 32 + 4096);
    EXPECT_EQ(reopened.recording(7).stopTimestamp, 99);
    EXPECT_EQ(addRecording(reopened, 0, "aeron:ipc"), 300);
}

TEST(CatalogTest, shouldUpdateStartStopAndExtend)
{
    TempDirectory dir;
    Catalog catalog(dir.path(), smallCatalog());
    const auto id = addRecording(catalog, 1, "aeron:ipc");
    catalog.recordingStopped(id, 8192, 55);
    EXPECT_EQ(catalog.stopPositionVolatile(id), 8192);
    catalog.stopPosition(id, 4096);
    EXPECT_EQ(catalog.recording(id).stopPosition, 4096);
    catalog.startPosition(id, 1024);
    EXPECT_EQ(catalog.startPositionVolatile(id), 1024);
    EXPECT_THROW(catalog.stopPosition(id, 512), cox::util::IllegalArgumentException);
    EXPECT_THROW(catalog.startPosition(id, 8192), cox::util::IllegalArgumentException);

    catalog.extendRecording(id, 11, 12, 77);
    const auto d = catalog.recording(id);
    EXPECT_EQ(d.stopPosition, NULL_POSITION);
    EXPECT_EQ(d.stopTimestamp, NULL_TIMESTAMP);
    EXPECT_EQ(d.controlSessionId, 11);
    EXPECT_EQ(d.correlationId, 12);
    EXPECT_EQ(d.sessionId, 77);
}

TEST(CatalogTest, shouldListRecordingsAndListForUri)
{
    TempDirectory dir;
    Catalog catalog(dir.path(), smallCatalog());
    addRecording(catalog, 1, "aeron:udp?endpoint=host-a:1000");
    addRecording(catalog, 2, "aeron:udp?endpoint=host-a:1000");
    addRecording(catalog, 1, "aeron:udp?endpoint=host-b:2000");
    addRecording(catalog, 1, "aeron:ipc");
    addRecording(catalog, 1, "aeron:udp?endpoint=host-a:1000|alias=z");

    const auto all = catalog.listRecordings(1, 10);
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all.front().recordingId, 1);
    EXPECT_EQ(catalog.listRecordings(0, 2).size(), 2u);

    const auto forUri = catalog.listRecordingsForUri(0, 10, "host-a", 1);
    ASSERT_EQ(forUri.size(), 2u);
    EXPECT_EQ(forUri[0].recordingId, 0);
    EXPECT_EQ(forUri[1].recordingId, 4);
    EXPECT_EQ(catalog.listRecordingsForUri(1, 10, "host-a", 1).size(), 1u);
    EXPECT_EQ(catalog.listRecordingsForUri(0, 1, "host-a", 1).size(), 1u);
    EXPECT_TRUE(catalog.listRecordingsForUri(0, 10, "host-c", 1).empty());

    catalog.changeState(4, RecordingState::INVALID);
    EXPECT_EQ(catalog.listRecordingsForUri(0, 10, "host-a", 1).size(), 1u);
    ASSERT_TRUE(catalog.findRecording(4).has_value());
    EXPECT_EQ(catalog.findRecording(4)->state, RecordingState::INVALID);
}

TEST(CatalogTest, shouldDropDeletedRecordingsFromIndexAndNeverReuseTheirIds)
{
    TempDirectory dir;
    {
        Catalog catalog(dir.path(), smallCatalog());
        addRecording(catalog, 1, "aeron:ipc");
        addRecording(catalog, 1, "aeron:ipc");
        catalog.changeState(1, RecordingState::DELETED);
        EXPECT_FALSE(catalog.hasRecording(1));
        EXPECT_THROW(catalog.changeState(1, RecordingState::VALID), ArchiveException);
    }
    Catalog reopened(dir.path(), smallCatalog());
    EXPECT_FALSE(reopened.hasRecording(1));
    EXPECT_TRUE(reopened.hasRecording(0));
    int visited = 0;
    reopened.forEach([&](const RecordingDescriptor&) { ++visited; });
    EXPECT_EQ(visited, 2);
    EXPECT_EQ(addRecording(reopened, 1, "aeron:ipc"), 2);
}

TEST(CatalogTest, shouldThrowUnknownRecordingForMissingId)
{
    TempDirectory dir;
    Catalog catalog(dir.path(), smallCatalog());
    try
    {
        catalog.recordingStopped(3, 0, 0);
        FAIL() << "expected ArchiveException";
    }
    catch (const ArchiveException& e)
    {
        EXPECT_EQ(e.errorCode(), ArchiveErrorCode::UNKNOWN_RECORDING);
    }
}

TEST(CatalogTest, shouldKeepEntryChecksumsAndDetectCorruption)
{
    TempDirectory dir;
    Catalog::Options options = smallCatalog();
    options.entryChecksum = true;
    {
        Catalog catalog(dir.path(), options);
        addRecording(catalog, 1, "aeron:ipc");
        catalog.recordingStopped(0, 4096, 5);
        EXPECT_TRUE(catalog.verifyEntryChecksum(0));
    }
    // Flip a bit in the body's start timestamp (entry at 32, body at 64, startTimestamp at +24).
    const std::uint8_t flipped = 0xFF;
    cox::archive::test::writeBytesAt(dir.file(Catalog::FILE_NAME), 32 + 32 + 24, &flipped, 1);
    Catalog reopened(dir.path(), options);
    EXPECT_FALSE(reopened.verifyEntryChecksum(0));
}

TEST(CatalogTest, shouldRefuseFileThatIsNotACatalog)
{
    TempDirectory dir;
    {
        std::ofstream out(dir.file(Catalog::FILE_NAME), std::ios::binary);
        out << std::string(8192, 'z');
    }
    EXPECT_THROW(Catalog(dir.path(), smallCatalog()), ArchiveException);
}

TEST(CatalogTest, shouldRefuseChangesWhenReadOnlyAndMissingFile)
{
    TempDirectory dir;
    Catalog::Options readOnly = smallCatalog();
    readOnly.readOnly = true;
    EXPECT_THROW(Catalog(dir.path(), readOnly), ArchiveException);
    {
        Catalog catalog(dir.path(), smallCatalog());
        addRecording(catalog, 1, "aeron:ipc");
    }
    Catalog catalog(dir.path(), readOnly);
    EXPECT_EQ(catalog.recording(0).streamId, 1);
    EXPECT_THROW(catalog.changeState(0, RecordingState::INVALID), cox::util::IllegalStateException);
}

TEST(CatalogTest, shouldSyncAtEveryLevel)
{
    for (const auto level : {FileSyncLevel::NONE, FileSyncLevel::DATA, FileSyncLevel::DATA_AND_METADATA})
    {
        TempDirectory dir;
        Catalog::Options options = smallCatalog();
        options.syncLevel = level;
        Catalog catalog(dir.path(), options);
        const auto id = addRecording(catalog, 1, "aeron:ipc");
        catalog.recordingStopped(id, 64, 1);
        EXPECT_EQ(catalog.recording(id).stopPosition, 64);
    }
}
