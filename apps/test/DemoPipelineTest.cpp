#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "DemoOptions.hpp"
#include "DemoProtocol.hpp"
#include "DemoReport.hpp"
#include "KeyValueStore.hpp"
#include "SequencerPipeline.hpp"
#include "TempDirectory.hpp"
#include "cox/util/CountersReader.hpp"
#include "cox/util/Exceptions.hpp"

using namespace cox::apps::demo;
using cox::apps::test::TempDirectory;
using cox::util::IllegalArgumentException;
using cox::util::IllegalStateException;

namespace
{
/// Drives an invoker-mode pipeline to the end on this thread; false if it did not finish in time.
bool runInvoker(SequencerPipeline& pipeline, int maxCycles = 1'000'000)
{
    pipeline.start();
    for (int cycle = 0; cycle < maxCycles; ++cycle)
    {
        if (pipeline.isFinished())
        {
            pipeline.close();
            return true;
        }
        (void)pipeline.invoke();
    }
    pipeline.close();
    return false;
}

PipelineConfig invokerConfig(const TempDirectory& dir, std::int64_t messages)
{
    PipelineConfig config;
    config.messages = messages;
    config.threading = ThreadingMode::Invoker;
    config.directory = dir.path();
    // Small rings so that both back-pressure paths and wrap-around are exercised.
    config.ingressCapacity = 8 * 1024;
    config.logCapacity = 4 * 1024;
    return config;
}

std::int64_t counterValue(const std::string& path, const std::string& label)
{
    const auto reader = cox::util::CountersReader::open(path);
    std::int64_t value = -1;
    reader->forEach(
        [&](const cox::util::CounterMetadata& counter)
        {
            if (counter.label == label)
            {
                value = counter.value;
            }
        });
    return value;
}
} // namespace

TEST(DemoPipelineTest, shouldApplyEveryMessageAndMatchHashesWhenRunInInvokerMode)
{
    TempDirectory dir;
    cox::util::SystemNanoClock nanoClock;
    cox::util::ManualEpochClock epochClock(1'000);
    SequencerPipeline pipeline(invokerConfig(dir, 10'000), nanoClock, epochClock);
    ASSERT_TRUE(runInvoker(pipeline));

    const PipelineResult result = pipeline.result();
    EXPECT_EQ(result.sentPerClient, (std::vector<std::int64_t>{3'334, 3'333, 3'333}));
    EXPECT_EQ(result.sent, 10'000);
    EXPECT_EQ(result.sequenced, 10'000);
    EXPECT_EQ(result.applied, 10'000);
    EXPECT_EQ(result.consumed, 10'000);
    EXPECT_EQ(result.crcFailures, 0);
    EXPECT_EQ(result.sequenceGaps, 0);
    EXPECT_EQ(result.rejected, 0);
    EXPECT_GT(result.ingressBackPressure + result.logBackPressure, 0) << "the small rings should have pushed back";
    EXPECT_EQ(result.logPosition,
              10'000 * static_cast<std::int64_t>(LogEntryDescriptor::HEADER_LENGTH + INGRESS_MESSAGE_LENGTH));
    EXPECT_EQ(result.entries, 3 * 1'024);
    EXPECT_NE(result.expectedStateHash, 0u);
    EXPECT_EQ(result.serviceStateHash, result.expectedStateHash);
    EXPECT_EQ(result.recomputedStateHash, result.expectedStateHash);
    EXPECT_TRUE(result.errors.empty());
    EXPECT_TRUE(result.passed());
    EXPECT_EQ(pipeline.latencyHistogram().totalCount(), 10'000);

    // The same figures are in the counters file for cox-stat.
    EXPECT_EQ(counterValue(pipeline.countersPath(), "demo: messages applied"), 10'000);
    EXPECT_EQ(counterValue(pipeline.countersPath(), "demo: client 1 messages sent"), 3'334);
    EXPECT_EQ(counterValue(pipeline.countersPath(), "demo: log position (service)"), result.logPosition);
    EXPECT_EQ(counterValue(pipeline.countersPath(), "demo: errors"), 0);
}

TEST(DemoPipelineTest, shouldMatchHashesWhenClientsSendFewerMessagesThanKeys)
{
    TempDirectory dir;
    cox::util::SystemNanoClock nanoClock;
    cox::util::ManualEpochClock epochClock;
    PipelineConfig config = invokerConfig(dir, 500);
    config.clients = 4;
    SequencerPipeline pipeline(config, nanoClock, epochClock);
    ASSERT_TRUE(runInvoker(pipeline));
    const PipelineResult result = pipeline.result();
    EXPECT_EQ(result.entries, 500);
    EXPECT_EQ(result.serviceStateHash, result.expectedStateHash);
    EXPECT_TRUE(result.passed());
}

TEST(DemoPipelineTest, shouldCountCrcFailuresAndFailWhenLogEntriesAreCorrupted)
{
    TempDirectory dir;
    cox::util::SystemNanoClock nanoClock;
    cox::util::ManualEpochClock epochClock;
    PipelineConfig config = invokerConfig(dir, 10'000);
    // 999 rather than 1,000: the 10,000th message is some client's last, and a lost last message leaves
    // no later one to reveal the gap in that client's sequence.
    config.corruptEvery = 999;
    SequencerPipeline pipeline(config, nanoClock, epochClock);
    ASSERT_TRUE(runInvoker(pipeline));

    const PipelineResult result = pipeline.result();
    EXPECT_EQ(result.sequenced, 10'000);
    EXPECT_EQ(result.crcFailures, 10);
    EXPECT_EQ(result.applied, 9'990);
    EXPECT_EQ(pipeline.latencyHistogram().totalCount(), 9'990);
    EXPECT_EQ(result.consumed, 10'000);
    EXPECT_EQ(result.sequenceGaps, 10);
    ASSERT_EQ(result.errors.size(), 2u);
    EXPECT_EQ(result.errors[0].observations, 10);
    EXPECT_EQ(result.errors[0].text, "log entry CRC32C mismatch: entry dropped");
    EXPECT_EQ(result.errors[1].text, "client sequence gap: a message was lost or reordered");
    EXPECT_EQ(result.errorCount, 20);
    EXPECT_FALSE(result.passed());
}

TEST(DemoPipelineTest, shouldStopClientsAndDrainWhenStopRequested)
{
    TempDirectory dir;
    cox::util::SystemNanoClock nanoClock;
    cox::util::ManualEpochClock epochClock;
    PipelineConfig config = invokerConfig(dir, ClientAgent::UNLIMITED);
    SequencerPipeline pipeline(config, nanoClock, epochClock);
    pipeline.start();
    for (int i = 0; i < 100; ++i)
    {
        (void)pipeline.invoke();
    }
    EXPECT_FALSE(pipeline.isFinished());
    pipeline.requestStop();
    int cycles = 0;
    while (!pipeline.isFinished() && cycles++ < 100'000)
    {
        (void)pipeline.invoke();
    }
    ASSERT_TRUE(pipeline.isFinished());
    pipeline.close();
    const PipelineResult result = pipeline.result();
    EXPECT_GT(result.sent, 0);
    EXPECT_EQ(result.applied, result.sent);
    EXPECT_TRUE(result.passed());
}

TEST(DemoPipelineTest, shouldRefuseResultBeforeCloseAndInvokeOutsideInvokerMode)
{
    TempDirectory dir;
    cox::util::SystemNanoClock nanoClock;
    cox::util::ManualEpochClock epochClock;
    PipelineConfig config = invokerConfig(dir, 10);
    config.threading = ThreadingMode::Shared;
    SequencerPipeline pipeline(config, nanoClock, epochClock);
    EXPECT_THROW((void)pipeline.result(), IllegalStateException);
    EXPECT_THROW((void)pipeline.invoke(), IllegalStateException);
}

TEST(DemoPipelineTest, shouldRejectBadConfiguration)
{
    TempDirectory dir;
    cox::util::SystemNanoClock nanoClock;
    cox::util::ManualEpochClock epochClock;
    auto make = [&](auto change)
    {
        PipelineConfig config = invokerConfig(dir, 10);
        change(config);
        SequencerPipeline pipeline(config, nanoClock, epochClock);
    };
    EXPECT_THROW(make([](PipelineConfig& c) { c.clients = 0; }), IllegalArgumentException);
    EXPECT_THROW(make([](PipelineConfig& c) { c.ingressCapacity = 5'000; }), IllegalArgumentException);
    EXPECT_THROW(make([](PipelineConfig& c) { c.logCapacity = 1'024; }), IllegalArgumentException);
    EXPECT_THROW(make([](PipelineConfig& c) { c.keysPerClient = 0; }), IllegalArgumentException);
    EXPECT_THROW(make([](PipelineConfig& c) { c.directory.clear(); }), IllegalArgumentException);
    EXPECT_THROW(make([](PipelineConfig& c) { c.idleStrategy = "nap"; c.threading = ThreadingMode::Shared; }); ,
                 IllegalArgumentException);
}

// ---------------------------------------------------------------------------------------------------------------------

TEST(DemoProtocolTest, shouldComputeExpectedHashFromLastWriteOfEachKey)
{
    // Replay the workload into a std::map, independently of KeyValueStore, and compare.
    const std::vector<std::int64_t> sent{2'500, 7, 0};
    constexpr std::int64_t KEYS = 100;
    std::map<std::int64_t, std::int64_t> state;
    for (std::int32_t client = 0; client < 3; ++client)
    {
        for (std::int64_t sequence = 0; sequence < sent[static_cast<std::size_t>(client)]; ++sequence)
        {
            state[keyFor(client, sequence, KEYS)] = valueFor(client, sequence);
        }
    }
    std::uint64_t hash = 0;
    for (const auto& [key, value] : state)
    {
        hash += entryHash(key, value);
    }
    EXPECT_EQ(expectedStateHash(sent, KEYS), hash);
    EXPECT_EQ(expectedEntryCount(sent, KEYS), static_cast<std::int64_t>(state.size()));
    EXPECT_EQ(state.size(), 107u);
}

TEST(DemoProtocolTest, shouldRoundTripKeyValuePut)
{
    std::uint8_t bytes[KeyValuePut::LENGTH] = {};
    const KeyValuePut put{-3, 0x0102030405060708LL, 42, 99'999};
    put.encode(bytes);
    const KeyValuePut decoded = KeyValuePut::decode(bytes);
    EXPECT_EQ(decoded.key, -3);
    EXPECT_EQ(decoded.value, 0x0102030405060708LL);
    EXPECT_EQ(decoded.clientSequence, 42);
    EXPECT_EQ(decoded.sendTimeNs, 99'999);
    EXPECT_EQ(bytes[KeyValuePut::VALUE_OFFSET], 0x08);
}

// ---------------------------------------------------------------------------------------------------------------------

TEST(KeyValueStoreTest, shouldInsertReplaceAndGet)
{
    KeyValueStore store(4);
    std::int64_t previous = -1;
    EXPECT_EQ(store.put(10, 100, previous), KeyValueStore::PutResult::Inserted);
    EXPECT_EQ(store.put(10, 101, previous), KeyValueStore::PutResult::Replaced);
    EXPECT_EQ(previous, 100);
    EXPECT_EQ(store.get(10), 101);
    EXPECT_FALSE(store.get(11).has_value());
    EXPECT_EQ(store.size(), 1);
}

TEST(KeyValueStoreTest, shouldRefuseNewKeysWhenFullButStillReplace)
{
    KeyValueStore store(3);
    std::int64_t previous = 0;
    for (std::int64_t key = 0; key < 3; ++key)
    {
        EXPECT_EQ(store.put(key << 32, key, previous), KeyValueStore::PutResult::Inserted);
    }
    EXPECT_EQ(store.put(99, 1, previous), KeyValueStore::PutResult::Full);
    EXPECT_EQ(store.put(std::int64_t{2} << 32, 7, previous), KeyValueStore::PutResult::Replaced);
    EXPECT_EQ(previous, 2);
    EXPECT_EQ(store.size(), 3);
    std::int64_t sum = 0;
    store.forEach([&sum](std::int64_t, std::int64_t value) { sum += value; });
    EXPECT_EQ(sum, 0 + 1 + 7);
}

TEST(KeyValueStoreTest, shouldKeepEveryKeyWhenManyCollide)
{
    KeyValueStore store(5'000);
    std::int64_t previous = 0;
    for (std::int64_t i = 0; i < 5'000; ++i)
    {
        ASSERT_EQ(store.put(i * 4096, i, previous), KeyValueStore::PutResult::Inserted);
    }
    for (std::int64_t i = 0; i < 5'000; ++i)
    {
        ASSERT_EQ(store.get(i * 4096), i);
    }
    EXPECT_THROW(KeyValueStore(0), IllegalArgumentException);
}

// ---------------------------------------------------------------------------------------------------------------------

TEST(DemoOptionsTest, shouldUseDocumentedDefaults)
{
    const DemoOptions options = parseDemoOptions({});
    EXPECT_EQ(options.pipeline.messages, 200'000);
    EXPECT_EQ(options.udpMessages, 100'000);
    EXPECT_EQ(options.archiveMessages, 50'000);
    EXPECT_DOUBLE_EQ(options.lossRate, 0.05);
    EXPECT_EQ(options.act, DemoOptions::ALL_ACTS);
    EXPECT_TRUE(options.runs(1) && options.runs(2) && options.runs(3));
    EXPECT_EQ(options.pipeline.clients, 3);
    EXPECT_EQ(options.pipeline.threading, ThreadingMode::Shared);
    EXPECT_EQ(options.pipeline.idleStrategy, "backoff");
    EXPECT_EQ(options.seconds, 0.0);
    EXPECT_TRUE(options.directory.empty());
}

TEST(DemoOptionsTest, shouldParseEveryOption)
{
    const DemoOptions options =
        parseDemoOptions({"--messages", "20,000", "--seconds", "2.5", "--clients", "5", "--threading", "dedicated",
                          "--idle", "busy-spin", "--dir", "/tmp/d", "--keys", "64", "--corrupt-every", "9"});
    EXPECT_EQ(options.pipeline.messages, 20'000);
    EXPECT_EQ(options.udpMessages, 20'000) << "--messages sets every act's count";
    EXPECT_EQ(options.archiveMessages, 20'000);
    EXPECT_DOUBLE_EQ(options.seconds, 2.5);
    EXPECT_EQ(options.pipeline.clients, 5);
    EXPECT_EQ(options.pipeline.threading, ThreadingMode::Dedicated);
    EXPECT_EQ(options.pipeline.idleStrategy, "busy-spin");
    EXPECT_EQ(options.directory, "/tmp/d");
    EXPECT_EQ(options.pipeline.keysPerClient, 64);
    EXPECT_EQ(options.pipeline.corruptEvery, 9);
}

TEST(DemoOptionsTest, shouldSelectOneActAndParseLossAsFractionOrPercentage)
{
    const DemoOptions options = parseDemoOptions({"--act", "2", "--loss", "0.2"});
    EXPECT_EQ(options.act, 2);
    EXPECT_FALSE(options.runs(1));
    EXPECT_TRUE(options.runs(2));
    EXPECT_FALSE(options.runs(3));
    EXPECT_DOUBLE_EQ(options.lossRate, 0.2);
    EXPECT_DOUBLE_EQ(parseDemoOptions({"--loss", "10%"}).lossRate, 0.1);
    EXPECT_DOUBLE_EQ(parseDemoOptions({"--loss", "0"}).lossRate, 0.0);
}

TEST(DemoOptionsTest, shouldRunUnlimitedWhenOnlySecondsGiven)
{
    EXPECT_EQ(parseDemoOptions({"--seconds", "3"}).pipeline.messages, ClientAgent::UNLIMITED);
}

TEST(DemoOptionsTest, shouldRejectBadArguments)
{
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"--messages"}, {"--messages", "0"}, {"--messages", "1e6"}, {"--seconds", "-1"}, {"--seconds", "x"},
             {"--clients", "33"}, {"--threading", "pooled"}, {"--idle", "noop"}, {"--dir", ""}, {"--frobnicate"},
             {"--act", "0"}, {"--act", "4"}, {"--loss", "0.6"}, {"--loss", "-1%"}, {"--loss", "x"}, {"--loss", "%"}})
    {
        EXPECT_THROW((void)parseDemoOptions(args), IllegalArgumentException) << args[0];
    }
    EXPECT_TRUE(parseDemoOptions({"--help"}).help);
    EXPECT_NE(demoUsage().find("--threading"), std::string::npos);
}

TEST(DemoReportTest, shouldPrintPassOnlyWhenEverythingMatched)
{
    PipelineResult result;
    result.sentPerClient = {2};
    result.sent = result.sequenced = result.applied = result.consumed = 2;
    result.entries = result.expectedEntries = 2;
    result.serviceStateHash = result.recomputedStateHash = result.expectedStateHash = 0xABCDEF;
    cox::util::Histogram histogram;
    histogram.record(2'000);
    histogram.record(4'000);

    const std::string passed = formatSummary(result, histogram, 1.0);
    EXPECT_NE(passed.find("2 sent, 2 sequenced, 2 applied in 1.00 s"), std::string::npos) << passed;
    EXPECT_NE(passed.find("p50 2.0"), std::string::npos) << passed;
    EXPECT_NE(passed.find("max 4.0"), std::string::npos) << passed;
    EXPECT_NE(passed.find("0x0000000000abcdef"), std::string::npos);
    EXPECT_NE(passed.find("MATCH\n"), std::string::npos);
    EXPECT_NE(passed.find("errors       none"), std::string::npos);
    EXPECT_NE(passed.find("result       PASS\n"), std::string::npos);

    result.recomputedStateHash = 1;
    result.errors.push_back({3, "something odd"});
    const std::string failed = formatSummary(result, histogram, 1.0);
    EXPECT_NE(failed.find("MISMATCH"), std::string::npos);
    EXPECT_NE(failed.find("3 x something odd"), std::string::npos);
    EXPECT_NE(failed.find("result       FAIL\n"), std::string::npos);
}
