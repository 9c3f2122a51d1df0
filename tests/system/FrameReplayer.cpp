#include "FrameReplayer.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace cox::system
{
namespace
{
constexpr std::size_t RECENT_FRAMES = 4096;
constexpr std::size_t MAX_FRAME = 2048;
constexpr std::size_t ETHERNET_HEADER = 14;

/// An IPv4 UDP frame between two members (10.199.0.11 and up), not client traffic.
bool isMemberUdp(const std::uint8_t* frame, std::size_t length)
{
    if (length < ETHERNET_HEADER + sizeof(iphdr) || frame[12] != 0x08 || frame[13] != 0x00)
    {
        return false;
    }
    iphdr ip{};
    std::memcpy(&ip, frame + ETHERNET_HEADER, sizeof(ip));
    const std::uint32_t source = ntohl(ip.saddr);
    const std::uint32_t destination = ntohl(ip.daddr);
    const std::uint32_t firstMember = (10U << 24) | (199U << 16) | 11U;
    return ip.protocol == IPPROTO_UDP && source >= firstMember && source < firstMember + 16 &&
           destination >= firstMember && destination < firstMember + 16;
}
} // namespace

FrameReplayer::FrameReplayer(const std::vector<std::string>& interfaces, int duplicatePercent, int replaysPerSecond,
                             std::uint32_t seed) :
    m_duplicatePercent(duplicatePercent), m_replaysPerSecond(replaysPerSecond), m_random(seed)
{
    for (const std::string& name : interfaces)
    {
        Link link;
        link.ifindex = static_cast<int>(::if_nametoindex(name.c_str()));
        link.socket = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
        if (link.ifindex == 0 || link.socket < 0)
        {
            throw std::runtime_error("cannot tap " + name + ": " + std::strerror(errno));
        }
        sockaddr_ll address{};
        address.sll_family = AF_PACKET;
        address.sll_protocol = htons(ETH_P_ALL);
        address.sll_ifindex = link.ifindex;
        if (::bind(link.socket, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
        {
            throw std::runtime_error("cannot bind a tap to " + name + ": " + std::strerror(errno));
        }
        link.recent.reserve(RECENT_FRAMES);
        m_links.push_back(std::move(link));
    }
    m_thread = std::thread([this] { run(); });
}

FrameReplayer::~FrameReplayer()
{
    stop();
    for (Link& link : m_links)
    {
        if (link.socket >= 0)
        {
            ::close(link.socket);
        }
    }
}

void FrameReplayer::freezeOldFrames()
{
    m_freeze = true;
}

void FrameReplayer::stop()
{
    m_running = false;
    if (m_thread.joinable())
    {
        m_thread.join();
    }
}

FrameReplayer::Counts FrameReplayer::counts() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_counts;
}

void FrameReplayer::send(Link& link, const std::vector<std::uint8_t>& frame)
{
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_ifindex = link.ifindex;
    address.sll_halen = ETH_ALEN;
    std::memcpy(address.sll_addr, frame.data(), ETH_ALEN);
    (void)::sendto(link.socket, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&address), sizeof(address));
}

void FrameReplayer::run()
{
    using Clock = std::chrono::steady_clock;
    std::vector<std::uint8_t> buffer(MAX_FRAME);
    const auto replayInterval = std::chrono::microseconds(m_replaysPerSecond > 0 ? 1'000'000 / m_replaysPerSecond : 0);
    auto nextReplay = Clock::now();
    while (m_running)
    {
        bool idle = true;
        for (Link& link : m_links)
        {
            for (int i = 0; i < 64; ++i)
            {
                sockaddr_ll from{};
                socklen_t fromLength = sizeof(from);
                const ssize_t n = ::recvfrom(link.socket, buffer.data(), buffer.size(), 0,
                                             reinterpret_cast<sockaddr*>(&from), &fromLength);
                if (n <= 0)
                {
                    break;
                }
                idle = false;
                // Outgoing on the root end of the veth: a frame the bridge is delivering to the member.
                if (from.sll_pkttype != PACKET_OUTGOING ||
                    !isMemberUdp(buffer.data(), static_cast<std::size_t>(n)))
                {
                    continue;
                }
                std::vector<std::uint8_t> frame(buffer.begin(), buffer.begin() + n);
                const bool duplicate = static_cast<int>(m_random() % 100) < m_duplicatePercent;
                if (duplicate)
                {
                    send(link, frame);
                }
                if (link.recent.size() < RECENT_FRAMES)
                {
                    link.recent.push_back(std::move(frame));
                }
                else
                {
                    link.recent[link.next] = std::move(frame);
                    link.next = (link.next + 1) % RECENT_FRAMES;
                }
                std::lock_guard<std::mutex> lock(m_mutex);
                ++m_counts.seen;
                m_counts.duplicated += duplicate ? 1 : 0;
            }
        }
        if (m_freeze.exchange(false))
        {
            for (Link& link : m_links)
            {
                link.frozen = link.recent;
            }
        }
        if (m_replaysPerSecond > 0 && Clock::now() >= nextReplay)
        {
            nextReplay = std::max(nextReplay + replayInterval, Clock::now() - std::chrono::milliseconds(100));
            for (Link& link : m_links)
            {
                const bool stale = !link.frozen.empty() && m_random() % 2 == 0;
                const auto& pool = stale ? link.frozen : link.recent;
                if (!pool.empty())
                {
                    send(link, pool[m_random() % pool.size()]);
                    std::lock_guard<std::mutex> lock(m_mutex);
                    ++m_counts.replayed;
                }
            }
        }
        if (idle)
        {
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
    }
}
} // namespace cox::system
