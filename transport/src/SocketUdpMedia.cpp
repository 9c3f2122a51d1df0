#include <cerrno>
#include <algorithm>
#include <array>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cox/transport/UdpMedia.hpp"
#include "cox/util/Exceptions.hpp"
#include "cox/util/MemoryMappedFile.hpp"

namespace cox::transport
{
namespace
{
class SocketUdpTransport final : public UdpTransport
{
public:
    SocketUdpTransport(int fd, const InetAddress& localAddress) : m_fd(fd), m_localAddress(localAddress) {}

    ~SocketUdpTransport() override { ::close(m_fd); }

    std::int64_t sendTo(const std::uint8_t* data, std::size_t length, const InetAddress& to) noexcept override
    {
        const ssize_t sent = ::sendto(m_fd, data, length, MSG_DONTWAIT, to.sockaddrPtr(), to.length());
        if (sent >= 0)
        {
            return sent;
        }
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
    }

    std::int64_t receive(std::uint8_t* buffer, std::size_t capacity, InetAddress& from) noexcept override
    {
        sockaddr_storage address{};
        socklen_t addressLength = sizeof(address);
        const ssize_t received = ::recvfrom(
            m_fd, buffer, capacity, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&address), &addressLength);
        if (received >= 0)
        {
            from = InetAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&address), addressLength);
            return received;
        }
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
    }

    [[nodiscard]] const InetAddress& localAddress() const noexcept override { return m_localAddress; }

    [[nodiscard]] int descriptor() const noexcept { return m_fd; }

private:
    int m_fd;
    InetAddress m_localAddress;
};

/// Up to ITERATION_THRESHOLD sockets are simply read in turn (a read of an empty socket costs what epoll_wait
/// does); above it, one epoll_wait finds the few with datagrams among many idle ones, as Aeron's poller does.
class EpollUdpTransportPoller final : public UdpTransportPoller
{
public:
    static constexpr std::size_t ITERATION_THRESHOLD = 2;

    EpollUdpTransportPoller() : m_epollFd(::epoll_create1(EPOLL_CLOEXEC))
    {
        if (m_epollFd < 0)
        {
            throw util::IoException(util::errnoMessage("epoll_create1", "transport poller"));
        }
    }

    ~EpollUdpTransportPoller() override { ::close(m_epollFd); }

    EpollUdpTransportPoller(const EpollUdpTransportPoller&) = delete;
    EpollUdpTransportPoller& operator=(const EpollUdpTransportPoller&) = delete;

    void add(UdpTransport& transport) override
    {
        auto* socket = dynamic_cast<SocketUdpTransport*>(&transport);
        if (socket == nullptr)
        {
            m_withoutDescriptor.add(transport); // not ours to wait on: read on every poll
            return;
        }
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.ptr = &transport;
        if (::epoll_ctl(m_epollFd, EPOLL_CTL_ADD, socket->descriptor(), &event) != 0)
        {
            throw util::IoException(util::errnoMessage("epoll_ctl", transport.localAddress().toString()));
        }
        m_sockets.push_back(socket);
    }

    void remove(UdpTransport& transport) noexcept override
    {
        m_withoutDescriptor.remove(transport);
        auto* socket = dynamic_cast<SocketUdpTransport*>(&transport);
        if (socket != nullptr && std::find(m_sockets.begin(), m_sockets.end(), socket) != m_sockets.end())
        {
            ::epoll_ctl(m_epollFd, EPOLL_CTL_DEL, socket->descriptor(), nullptr);
            std::erase(m_sockets, socket);
        }
    }

    int poll() noexcept override
    {
        int marked = m_withoutDescriptor.poll();
        if (m_sockets.size() <= ITERATION_THRESHOLD)
        {
            for (SocketUdpTransport* socket : m_sockets)
            {
                socket->markReadable();
                ++marked;
            }
            return marked;
        }
        // Level-triggered: a socket left with datagrams (the reader's per-cycle limit) is reported again.
        const int ready = ::epoll_wait(m_epollFd, m_events.data(), static_cast<int>(m_events.size()), 0);
        if (ready < 0)
        {
            return errno == EINTR ? marked : -errno;
        }
        for (int i = 0; i < ready; ++i)
        {
            static_cast<UdpTransport*>(m_events[static_cast<std::size_t>(i)].data.ptr)->markReadable();
        }
        return marked + ready;
    }

private:
    int m_epollFd;
    std::vector<SocketUdpTransport*> m_sockets;
    IteratingUdpTransportPoller m_withoutDescriptor;
    std::array<epoll_event, 64> m_events{};
};

class SocketUdpMedia final : public UdpMedia
{
public:
    std::unique_ptr<UdpTransportPoller> newPoller() override { return std::make_unique<EpollUdpTransportPoller>(); }

    std::unique_ptr<UdpTransport> open(const InetAddress& bindAddress, int soRcvBuf, int soSndBuf) override
    {
        const int fd = ::socket(bindAddress.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw util::IoException(util::errnoMessage("socket", bindAddress.toString()));
        }
        if (bindAddress.port() != 0)
        {
            // A named port may be bound again while a closing endpoint still holds it. Never for port 0: Linux
            // then hands out ports already bound by other SO_REUSEADDR sockets, and a datagram for one of
            // them goes to the other (a publication that never hears its status messages).
            const int reuse = 1;
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
        }
        if (soRcvBuf > 0)
        {
            ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &soRcvBuf, sizeof(soRcvBuf));
        }
        if (soSndBuf > 0)
        {
            ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &soSndBuf, sizeof(soSndBuf));
        }
        if (::bind(fd, bindAddress.sockaddrPtr(), bindAddress.length()) != 0)
        {
            const std::string message = util::errnoMessage("bind", bindAddress.toString());
            ::close(fd);
            throw util::IoException(message);
        }
        sockaddr_storage bound{};
        socklen_t boundLength = sizeof(bound);
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &boundLength);
        return std::make_unique<SocketUdpTransport>(
            fd, InetAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&bound), boundLength));
    }
};
} // namespace

std::shared_ptr<UdpMedia> socketUdpMedia()
{
    return std::make_shared<SocketUdpMedia>();
}
} // namespace cox::transport
