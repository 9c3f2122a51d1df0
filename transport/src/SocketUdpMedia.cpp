#include <cerrno>
#include <fcntl.h>
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

private:
    int m_fd;
    InetAddress m_localAddress;
};

class SocketUdpMedia final : public UdpMedia
{
public:
    std::unique_ptr<UdpTransport> open(const InetAddress& bindAddress, int soRcvBuf, int soSndBuf) override
    {
        const int fd = ::socket(bindAddress.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw util::IoException(util::errnoMessage("socket", bindAddress.toString()));
        }
        const int reuse = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
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
