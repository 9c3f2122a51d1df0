#pragma once

#include "cox/sim/History.hpp"

#include <string>

// Terse constructors for hand-written histories in the checker tests.
namespace cox::sim::test
{
inline Operation send(std::int64_t client, std::int64_t seq, std::int64_t invokeNs, std::int64_t completeNs,
                      OpOutcome outcome = OpOutcome::OK)
{
    Operation op;
    op.clientId = client;
    op.sequence = seq;
    op.kind = OpKind::SEND;
    op.invokeNs = invokeNs;
    op.completeNs = completeNs;
    op.outcome = completeNs == INDETERMINATE_NS ? OpOutcome::UNKNOWN : outcome;
    return op;
}

inline Operation kv(OpKind kind, std::string key, std::string value, std::int64_t invokeNs, std::int64_t completeNs,
                    OpOutcome outcome = OpOutcome::OK)
{
    static std::int64_t nextSequence = 0;
    Operation op;
    op.clientId = 1;
    op.sequence = ++nextSequence;
    op.kind = kind;
    op.key = std::move(key);
    op.value = std::move(value);
    op.invokeNs = invokeNs;
    op.completeNs = completeNs;
    op.outcome = completeNs == INDETERMINATE_NS ? OpOutcome::UNKNOWN : outcome;
    return op;
}

inline Operation put(std::string key, std::string value, std::int64_t invokeNs, std::int64_t completeNs)
{
    return kv(OpKind::PUT, std::move(key), std::move(value), invokeNs, completeNs);
}

inline Operation get(std::string key, std::string value, std::int64_t invokeNs, std::int64_t completeNs)
{
    return kv(OpKind::GET, std::move(key), std::move(value), invokeNs, completeNs);
}

inline Operation getMissing(std::string key, std::int64_t invokeNs, std::int64_t completeNs)
{
    return kv(OpKind::GET, std::move(key), "", invokeNs, completeNs, OpOutcome::NOT_FOUND);
}

inline Operation cas(std::string key, std::string expected, std::string value, std::int64_t invokeNs,
                     std::int64_t completeNs, OpOutcome outcome = OpOutcome::OK)
{
    auto op = kv(OpKind::CAS, std::move(key), std::move(value), invokeNs, completeNs, outcome);
    op.expected = std::move(expected);
    return op;
}

inline Operation del(std::string key, std::int64_t invokeNs, std::int64_t completeNs, OpOutcome outcome = OpOutcome::OK)
{
    return kv(OpKind::DELETE, std::move(key), "", invokeNs, completeNs, outcome);
}
} // namespace cox::sim::test
