#include "cox/archive/RecordingSignalPoller.hpp"

namespace cox::archive
{
RecordingSignalPoller::RecordingSignalPoller(std::int64_t controlSessionId,
                                             std::shared_ptr<transport::Subscription> subscription, int fragmentLimit)
    : m_poller(std::move(subscription), fragmentLimit, controlSessionId)
{
}

int RecordingSignalPoller::poll()
{
    const int fragments = m_poller.poll();
    // Descriptors and challenges of this session end the inner poll too; they are not what this poller reports.
    m_pollComplete = m_poller.isControlResponse() || m_poller.isRecordingSignal();
    return fragments;
}
} // namespace cox::archive
