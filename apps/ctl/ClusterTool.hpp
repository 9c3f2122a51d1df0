#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cox/archive/Catalog.hpp"
#include "cox/cluster/ClusterControl.hpp"
#include "cox/cluster/RecoveryPlan.hpp"
#include "cox/util/AtomicBuffer.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/CountersReader.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::apps::ctl
{
/// What coxctl reads the time with and how it waits, so tests can run the waits fast. Null members mean the
/// system clocks and std::this_thread::sleep_for.
struct ClusterToolContext
{
    const util::EpochClock* epochClock = nullptr;
    const util::NanoClock* nanoClock = nullptr;
    std::function<void(std::int64_t sleepNs)> sleeper;
    /// How often a wait re-reads the counters.
    std::int64_t pollIntervalNs = 10'000'000;
    /// How often a wait prints a progress dot.
    std::int64_t progressIntervalNs = 1'000'000'000;
};

/// The --help text.
[[nodiscard]] std::string clusterToolUsage();

/// `coxctl <cluster-dir> <command> [options]` (args excludes the program name). Results go to out, one line per
/// problem to err. Returns 0 on success, 1 when the action failed or was refused, 2 for bad usage (usage on err).
int runClusterTool(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const ClusterToolContext& context = {});

/// A node's counters file mapped for the cluster tool: read through a CountersReader, and, for the control
/// toggle only, written with compare-and-set through a second, read-write mapping of the same shared file.
class ClusterCountersFile
{
public:
    /// Maps path (a counters.dat). Throws IoException if it cannot be mapped, IllegalStateException if it is not
    /// a counters file of the expected version.
    explicit ClusterCountersFile(const std::string& path);

    [[nodiscard]] const util::CountersReader& reader() const noexcept { return *m_reader; }
    [[nodiscard]] const std::string& path() const noexcept { return m_path; }

    /// The id of clusterId's counter of typeId, or ClusterCounters::NULL_COUNTER_ID.
    [[nodiscard]] std::int32_t find(std::int32_t typeId, std::int32_t clusterId) const;

    /// The value of clusterId's counter of typeId, or nullopt if there is none (any more).
    [[nodiscard]] std::optional<std::int64_t> value(std::int32_t typeId, std::int32_t clusterId) const;

    /// Compare-and-set of an allocated counter's value in the shared mapping. False if the value was not
    /// expected, or the id is not an allocated counter.
    [[nodiscard]] bool compareAndSet(std::int32_t counterId, std::int64_t expected, std::int64_t desired);

private:
    std::string m_path;
    std::unique_ptr<util::CountersReader> m_reader;
    std::unique_ptr<util::MemoryMappedFile> m_writable;
    util::AtomicBuffer m_writableValues;
};

/// The recovery plan's view of an archive read offline: descriptors from the catalog (opened read-only), and the
/// recorded position of a live recording from the archive's recording position counter when the node's counters
/// file is at hand.
class CatalogExtentSource final : public cluster::RecordingExtentSource
{
public:
    /// Throws as archive::Catalog does when archiveDir holds no readable catalog. counters may be null; if not,
    /// it must outlive this.
    CatalogExtentSource(const std::string& archiveDir, const util::CountersReader* counters);

    [[nodiscard]] std::optional<archive::RecordingDescriptor> findRecording(std::int64_t recordingId) override;
    [[nodiscard]] std::int64_t recordedPosition(std::int64_t recordingId) override;

private:
    archive::Catalog m_catalog;
    const util::CountersReader* m_counters;
};
} // namespace cox::apps::ctl
