#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

namespace cox::cluster
{
/// What an authenticator may do to a pending session (Aeron's SessionProxy).
class SessionProxy
{
public:
    virtual ~SessionProxy() = default;

    [[nodiscard]] virtual std::int64_t sessionId() const noexcept = 0;
    /// Sends a Challenge to the client; false if it could not be sent now (the authenticator is asked again).
    virtual bool challenge(std::span<const std::uint8_t> encodedChallenge) = 0;
    /// Accepts the session; encodedPrincipal (at most 4 KiB) is what services see as the session's principal.
    virtual bool authenticate(std::span<const std::uint8_t> encodedPrincipal) = 0;
    /// Rejects the session: the client gets AUTHENTICATION_REJECTED.
    virtual void reject() = 0;
};

/// Decides who may open a session (Aeron's Authenticator). Called on the consensus module's thread; must not
/// block. The default accepts everyone with an empty principal.
class Authenticator
{
public:
    virtual ~Authenticator() = default;

    /// A SessionConnectRequest arrived with these credentials.
    virtual void onConnectRequest(std::int64_t sessionId, std::span<const std::uint8_t> encodedCredentials,
                                  std::int64_t nowMs) = 0;
    /// The session's response publication is connected: challenge, authenticate or reject it (or wait).
    virtual void onConnectedSession(SessionProxy& sessionProxy, std::int64_t nowMs) = 0;
    /// The session was challenged and awaits a response: authenticate or reject it once the response came.
    virtual void onChallengedSession(SessionProxy& sessionProxy, std::int64_t nowMs) = 0;
    virtual void onChallengeResponse(std::int64_t sessionId, std::span<const std::uint8_t> encodedCredentials,
                                     std::int64_t nowMs) = 0;
};

/// Accepts every session (Aeron's DefaultAuthenticatorSupplier).
class DefaultAuthenticator final : public Authenticator
{
public:
    void onConnectRequest(std::int64_t, std::span<const std::uint8_t>, std::int64_t) override {}
    void onConnectedSession(SessionProxy& sessionProxy, std::int64_t) override { sessionProxy.authenticate({}); }
    void onChallengedSession(SessionProxy& sessionProxy, std::int64_t) override { sessionProxy.authenticate({}); }
    void onChallengeResponse(std::int64_t, std::span<const std::uint8_t>, std::int64_t) override {}
};

using AuthenticatorSupplier = std::function<std::unique_ptr<Authenticator>()>;

/// Whether an open session may make an admin request of the given type (client::AdminRequestType, e.g.
/// SNAPSHOT), judged by the principal its authenticator gave it (Aeron's AuthorisationService). Unset: every
/// admin request is refused, as Aeron's default.
using AuthorisationService = std::function<bool(std::int64_t clusterSessionId,
                                                std::span<const std::uint8_t> encodedPrincipal,
                                                std::int32_t adminRequestType)>;
} // namespace cox::cluster
