#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cox/util/DurabilityObserver.hpp"

namespace cox::sim
{
/// The simulator's disk. Files are real, but until a file is synced this remembers what each write to it replaced,
/// so that a simulated power loss leaves what a real one may: every synced byte, none of the unsynced ones, and,
/// if asked, a torn write (its first bytes landed, the rest did not). It covers the files that the archive and the
/// cluster report through util::DurabilityObserver (segments, catalog, recording log, node state) under one root,
/// one directory per member. Installs itself as the process's observer while it lives: one per process.
///
/// A power loss can strike in the middle of a member's work: armed, it strikes at the n-th write to the member's
/// files, and everything the member writes from then on is lost too, synced or not (the machine is off; the
/// simulator also silences its network from that moment).
class SimDisk final : public util::DurabilityObserver
{
public:
    explicit SimDisk(std::string root);
    ~SimDisk() override;

    SimDisk(const SimDisk&) = delete;
    SimDisk& operator=(const SimDisk&) = delete;

    void beforeWrite(const std::string& path, std::uint64_t offset, std::uint64_t length) override;
    void beforeResize(const std::string& path, std::uint64_t length) override;
    void afterSync(const std::string& path) override;

    /// Arms a power loss of the member whose files are under directory (a child of the root): it strikes at the
    /// writesFromNow-th write to them from now (1: the next), calling onStrike at once. With tearFraction in
    /// (0, 1), that write is torn: that fraction of its bytes lands.
    void arm(const std::string& directory, std::int64_t writesFromNow, double tearFraction, std::function<void()> onStrike);
    [[nodiscard]] bool hasStruck(const std::string& directory) const;

    /// Puts the member's files back to what the power loss leaves (striking now if it has not yet) and disarms.
    /// Returns how many writes and resizes were undone.
    std::int64_t powerLoss(const std::string& directory);

    /// Bytes written and not yet synced (or written after a strike), over all files: evidence the disk model ran.
    [[nodiscard]] std::int64_t unsyncedWrites() const noexcept;

private:
    struct Undo
    {
        bool resize = false;
        std::uint64_t offset = 0;         ///< write: where it went; resize: the new length
        std::uint64_t length = 0;         ///< write: how many bytes it wrote
        std::uint64_t sizeBefore = 0;     ///< the file's length before it
        std::vector<std::uint8_t> bytes;  ///< what it overwrote (write) or cut off (resize)
        std::uint64_t landed = 0;         ///< a torn write: how many of its first bytes stay
    };
    struct Member
    {
        std::int64_t countdown = -1; ///< writes until the strike; -1 unarmed
        double tearFraction = 0;
        bool struck = false;
        std::function<void()> onStrike;
    };

    [[nodiscard]] std::string memberDirectoryOf(const std::string& path) const;
    Undo& journal(const std::string& path, bool resize, std::uint64_t offset, std::uint64_t length);

    std::string m_root;
    std::map<std::string, std::vector<Undo>> m_journals; ///< by file path
    std::map<std::string, Member> m_members;             ///< by member directory
};
} // namespace cox::sim
