#include "consensus/ClusterSession.hpp"

#include "cox/transport/Publication.hpp"

namespace cox::cluster
{
bool ClusterSession::isResponsePublicationConnected() const noexcept
{
    return responsePublication && responsePublication->isConnected();
}

void ClusterSession::closeResponsePublication()
{
    if (responsePublication)
    {
        responsePublication->close();
        responsePublication.reset();
    }
}

const char* toString(ClusterSession::State state) noexcept
{
    switch (state)
    {
    case ClusterSession::State::INIT:
        return "INIT";
    case ClusterSession::State::CONNECTING:
        return "CONNECTING";
    case ClusterSession::State::CONNECTED:
        return "CONNECTED";
    case ClusterSession::State::CHALLENGED:
        return "CHALLENGED";
    case ClusterSession::State::AUTHENTICATED:
        return "AUTHENTICATED";
    case ClusterSession::State::REJECTED:
        return "REJECTED";
    case ClusterSession::State::OPEN:
        return "OPEN";
    case ClusterSession::State::CLOSING:
        return "CLOSING";
    case ClusterSession::State::INVALID:
        return "INVALID";
    case ClusterSession::State::CLOSED:
        return "CLOSED";
    }
    return "UNKNOWN";
}
} // namespace cox::cluster
