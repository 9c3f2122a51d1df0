#pragma once

#include <source_location>
#include <stdexcept>
#include <string>

namespace cox::util
{
/// Root of Coxswain's exceptions. Thrown only at set-up and for programmer errors; hot paths
/// return codes instead.
class CoxException : public std::runtime_error
{
public:
    explicit CoxException(const std::string& message, std::source_location where = std::source_location::current())
        : std::runtime_error(message), m_where(where)
    {
    }

    [[nodiscard]] const std::source_location& where() const noexcept { return m_where; }

private:
    std::source_location m_where;
};

/// An index or length outside a buffer's capacity.
class IndexOutOfBoundsException : public CoxException
{
public:
    using CoxException::CoxException;
};

/// A bad argument or configuration value; the message says which and why.
class IllegalArgumentException : public CoxException
{
public:
    using CoxException::CoxException;
};

/// An operation not valid in the object's current state.
class IllegalStateException : public CoxException
{
public:
    using CoxException::CoxException;
};

/// A failed system call at set-up (mmap, open, ...); the message carries errno's text.
class IoException : public CoxException
{
public:
    using CoxException::CoxException;
};
} // namespace cox::util
