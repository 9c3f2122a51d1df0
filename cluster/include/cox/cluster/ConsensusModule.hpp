#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cox/cluster/Authenticator.hpp"
#include "cox/cluster/ConsensusModuleConfig.hpp"
#include "cox/util/Agent.hpp"
#include "cox/util/Clock.hpp"
#include "cox/util/ErrorHandler.hpp"

namespace cox::transport
{
class Aeron;
}

namespace cox::cluster
{
class ConsensusModuleAgent;

/// What a consensus module needs besides its configuration (Aeron's ConsensusModule.Context).
struct ConsensusModuleContext
{
    ConsensusModuleConfig config;
    /// Required; built with useConductorAgentInvoker so the module drives it from its own duty cycle.
    std::shared_ptr<transport::Aeron> aeron;
    /// Control request channel and stream of this node's archive (reached through aeron).
    std::string archiveControlChannel = "aeron:ipc?term-length=64k";
    std::int32_t archiveControlStreamId = 10;
    std::string archiveControlResponseChannel = "aeron:ipc?term-length=64k";
    std::int32_t archiveControlResponseStreamId = 30;
    /// Invoked by blocking archive calls so a single-threaded node keeps its archive and driver moving.
    std::function<int()> archiveInvoker;
    std::function<int()> driverInvoker;
    /// Defaults accept every client.
    AuthenticatorSupplier authenticatorSupplier;
    /// Unset refuses every admin request.
    AuthorisationService authorisationService;
    std::shared_ptr<util::NanoClock> nanoClock;
    std::shared_ptr<util::EpochClock> epochClock;
    util::ErrorHandler errorHandler;
};

/// The consensus module of one member (Aeron's ConsensusModule): sequences client ingress into the replicated
/// log, tracks what a quorum has recorded, and drives the node's services. Run its agent with an AgentRunner,
/// compose it with others, or invoke it from a test.
class ConsensusModule
{
public:
    explicit ConsensusModule(ConsensusModuleContext context);
    ~ConsensusModule();

    ConsensusModule(const ConsensusModule&) = delete;
    ConsensusModule& operator=(const ConsensusModule&) = delete;

    [[nodiscard]] util::Agent& agent() noexcept;
    [[nodiscard]] const ConsensusModuleContext& context() const noexcept { return m_context; }
    /// The module has shut down (terminated as asked, or failed); see the error handler for why.
    [[nodiscard]] bool isTerminated() const noexcept;
    /// Why the module stopped itself to stay safe (its state cannot be trusted; restart it), or empty. Read after
    /// isTerminated().
    [[nodiscard]] std::string failStopReason() const;

private:
    ConsensusModuleContext m_context;
    std::unique_ptr<ConsensusModuleAgent> m_agent;
};
} // namespace cox::cluster
