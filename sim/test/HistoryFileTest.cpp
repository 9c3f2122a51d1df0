#include <gtest/gtest.h>

#include "HistoryBuilders.hpp"
#include "cox/sim/HistoryFile.hpp"
#include "cox/util/Exceptions.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

using namespace cox::sim;
using namespace cox::sim::test;

namespace
{
History sampleHistory()
{
    History h;
    auto first = send(1, 1, 100, 200);
    first.logPosition = 1024;
    h.operations.push_back(first);
    h.operations.push_back(send(1, 2, 210, INDETERMINATE_NS));
    auto odd = put("key with spaces=%", std::string("bytes\n\t\x01\xff", 8), 300, 400);
    odd.clientId = 2;
    odd.sequence = 1;
    odd.retried = true;
    h.operations.push_back(odd);
    auto swap = cas("k", "", "new", 500, 600, OpOutcome::FAIL);
    swap.clientId = 2;
    swap.sequence = 2;
    h.operations.push_back(swap);
    h.applied = {{1024, 1, 1}, {1100, 2, 1}, {1200, 2, 2}};
    h.timerSchedules = {{5, 1000, false}, {6, 2000, true, 1600}, {7, 2000, true}};
    h.timerEvents = {{5, 1000, 1001, 1300, 0}, {5, 1000, 1001, 1300, 2}};
    h.entries = {{0, 1024, 0xFFFFFFFFFFFFFFFFULL, 10}, {2, 1024, 0xFFFFFFFFFFFFFFFFULL, 10}};
    h.stateHashes = {{0, 1024, 0x1234}, {1, 1024, 0x1234}};
    h.finalClusterTimeNs = 1500;
    return h;
}

void expectSameOperation(const Operation& a, const Operation& b)
{
    EXPECT_EQ(a.clientId, b.clientId);
    EXPECT_EQ(a.sequence, b.sequence);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.key, b.key);
    EXPECT_EQ(a.value, b.value);
    EXPECT_EQ(a.expected, b.expected);
    EXPECT_EQ(a.invokeNs, b.invokeNs);
    EXPECT_EQ(a.completeNs, b.completeNs);
    EXPECT_EQ(a.outcome, b.outcome);
    EXPECT_EQ(a.logPosition, b.logPosition);
    EXPECT_EQ(a.retried, b.retried);
}

void expectSameHistory(const History& a, const History& b)
{
    ASSERT_EQ(a.operations.size(), b.operations.size());
    for (std::size_t i = 0; i < a.operations.size(); ++i)
    {
        SCOPED_TRACE("operation " + std::to_string(i));
        expectSameOperation(a.operations[i], b.operations[i]);
    }
    ASSERT_EQ(a.applied.size(), b.applied.size());
    for (std::size_t i = 0; i < a.applied.size(); ++i)
    {
        EXPECT_EQ(a.applied[i].logPosition, b.applied[i].logPosition);
        EXPECT_EQ(a.applied[i].clientId, b.applied[i].clientId);
        EXPECT_EQ(a.applied[i].sequence, b.applied[i].sequence);
    }
    ASSERT_EQ(a.timerSchedules.size(), b.timerSchedules.size());
    for (std::size_t i = 0; i < a.timerSchedules.size(); ++i)
    {
        EXPECT_EQ(a.timerSchedules[i].correlationId, b.timerSchedules[i].correlationId);
        EXPECT_EQ(a.timerSchedules[i].deadlineNs, b.timerSchedules[i].deadlineNs);
        EXPECT_EQ(a.timerSchedules[i].cancelled, b.timerSchedules[i].cancelled);
        EXPECT_EQ(a.timerSchedules[i].cancelPosition, b.timerSchedules[i].cancelPosition);
    }
    ASSERT_EQ(a.timerEvents.size(), b.timerEvents.size());
    for (std::size_t i = 0; i < a.timerEvents.size(); ++i)
    {
        EXPECT_EQ(a.timerEvents[i].correlationId, b.timerEvents[i].correlationId);
        EXPECT_EQ(a.timerEvents[i].deadlineNs, b.timerEvents[i].deadlineNs);
        EXPECT_EQ(a.timerEvents[i].firedAtNs, b.timerEvents[i].firedAtNs);
        EXPECT_EQ(a.timerEvents[i].logPosition, b.timerEvents[i].logPosition);
        EXPECT_EQ(a.timerEvents[i].memberId, b.timerEvents[i].memberId);
    }
    ASSERT_EQ(a.entries.size(), b.entries.size());
    for (std::size_t i = 0; i < a.entries.size(); ++i)
    {
        EXPECT_EQ(a.entries[i].memberId, b.entries[i].memberId);
        EXPECT_EQ(a.entries[i].logPosition, b.entries[i].logPosition);
        EXPECT_EQ(a.entries[i].entryHash, b.entries[i].entryHash);
        EXPECT_EQ(a.entries[i].clusterTimeNs, b.entries[i].clusterTimeNs);
    }
    ASSERT_EQ(a.stateHashes.size(), b.stateHashes.size());
    for (std::size_t i = 0; i < a.stateHashes.size(); ++i)
    {
        EXPECT_EQ(a.stateHashes[i].memberId, b.stateHashes[i].memberId);
        EXPECT_EQ(a.stateHashes[i].logPosition, b.stateHashes[i].logPosition);
        EXPECT_EQ(a.stateHashes[i].stateHash, b.stateHashes[i].stateHash);
    }
    EXPECT_EQ(a.finalClusterTimeNs, b.finalClusterTimeNs);
}
} // namespace

TEST(HistoryFileTest, shouldRoundTripEveryRecordThroughText)
{
    const auto original = sampleHistory();
    const auto text = formatHistory(original);
    expectSameHistory(original, parseHistory(text));
    // One line per record plus the header, and no raw whitespace inside a field.
    EXPECT_EQ(1u + 4 + 3 + 3 + 2 + 2 + 2 + 1, static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')));
    EXPECT_NE(std::string::npos, text.find("schedule corr=6 deadline=2000 cancelled=1 cancelpos=1600\n")) << text;
    EXPECT_NE(std::string::npos, text.find("schedule corr=7 deadline=2000 cancelled=1\n")) << text;
    EXPECT_NE(std::string::npos, text.find("key=key%20with%20spaces%3D%25")) << text;
    EXPECT_NE(std::string::npos, text.find("complete=inf")) << text;
}

TEST(HistoryFileTest, shouldRoundTripThroughAFile)
{
    const auto path =
        (std::filesystem::temp_directory_path() / ("cox-sim-history-" + std::to_string(::getpid()) + ".txt")).string();
    const auto original = sampleHistory();
    saveHistory(path, original);
    const auto loaded = loadHistory(path);
    std::filesystem::remove(path);
    expectSameHistory(original, loaded);
}

TEST(HistoryFileTest, shouldAcceptHandWrittenLinesWithDefaultsCommentsAndAnyFieldOrder)
{
    const auto h = parseHistory("# recorded by hand\n"
                                "\n"
                                "  op kind=GET key=x value=1 outcome=OK complete=50 invoke=40 client=3\r\n"
                                "entry hash=0x10 pos=64 member=1\n");
    ASSERT_EQ(1u, h.operations.size());
    EXPECT_EQ(OpKind::GET, h.operations[0].kind);
    EXPECT_EQ(3, h.operations[0].clientId);
    EXPECT_EQ(40, h.operations[0].invokeNs);
    EXPECT_EQ(50, h.operations[0].completeNs);
    EXPECT_EQ("1", h.operations[0].value);
    EXPECT_EQ(NULL_POSITION, h.operations[0].logPosition);
    ASSERT_EQ(1u, h.entries.size());
    EXPECT_EQ(0x10u, h.entries[0].entryHash);
    EXPECT_EQ(NULL_POSITION, h.finalClusterTimeNs);
}

TEST(HistoryFileTest, shouldRejectMalformedLinesNamingTheLine)
{
    const auto expectError = [](std::string_view text, std::string_view fragment)
    {
        try
        {
            (void)parseHistory(text);
            ADD_FAILURE() << "accepted: " << text;
        }
        catch (const cox::util::IllegalArgumentException& e)
        {
            EXPECT_NE(std::string::npos, std::string(e.what()).find(fragment)) << e.what();
        }
    };
    expectError("op client=1\nop client=x\n", "history line 2: field client is not a valid integer");
    expectError("op kind=FROB\n", "unknown kind 'FROB'");
    expectError("op outcome=MAYBE\n", "unknown outcome 'MAYBE'");
    expectError("op colour=red\n", "unknown field 'colour'");
    expectError("op client\n", "expected name=value");
    expectError("op key=%4\n", "bad percent escape");
    expectError("op key=%zz\n", "bad percent escape");
    expectError("op retry=2\n", "field retry is not 0 or 1");
    expectError("tick member=1\n", "unknown record type 'tick'");
    expectError("entry member=99999999999\n", "field member is not a valid integer");
}

TEST(HistoryFileTest, shouldThrowIoExceptionForMissingFile)
{
    EXPECT_THROW((void)loadHistory("/nonexistent/cox-sim/history.txt"), cox::util::IoException);
}

TEST(HistoryFileTest, shouldRunEveryApplicableCheckerOnALoadedHistory)
{
    auto h = sampleHistory();
    // The sample's CAS compares against a missing value; make the key-value part coherent.
    h.operations[3] = cas("key with spaces=%", std::string("bytes\n\t\x01\xff", 8), "new", 500, 600);
    h.operations[3].clientId = 2;
    h.operations[3].sequence = 2;
    const auto results = checkHistory(parseHistory(formatHistory(h)));
    ASSERT_EQ(8u, results.size());
    EXPECT_TRUE(allPassed(results)) << [&]
    {
        std::string all;
        for (const auto& r : results)
        {
            all += toString(r) + "\n";
        }
        return all;
    }();

    h.applied.pop_back();
    const auto lost = checkHistory(h);
    EXPECT_FALSE(allPassed(lost));
    EXPECT_TRUE(lost[0].failed()) << toString(lost[0]);
    EXPECT_EQ("C1 no lost acks", lost[0].checkName);
}
