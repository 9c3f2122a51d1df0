#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "cox/util/Exceptions.hpp"

namespace cox::util
{
/// A view over memory it does not own (heap, stack or a memory-mapped file) with plain, ordered
/// (release) and volatile (acquire/seq-cst) accessors, the vocabulary of Agrona's AtomicBuffer.
///
/// Plain accessors tolerate any alignment. Ordered, volatile and atomic accessors need the index
/// aligned to the value's size; layouts in Coxswain guarantee this.
///
/// Bounds are checked when COX_BOUNDS_CHECK is defined (debug and sanitizer builds) and throw
/// IndexOutOfBoundsException, a programmer error. Release builds trust the caller: decoders of
/// untrusted input check lengths themselves before reading.
class AtomicBuffer
{
public:
    AtomicBuffer() noexcept = default;

    AtomicBuffer(std::uint8_t* buffer, std::size_t length) noexcept : m_buffer(buffer), m_length(length) {}

    AtomicBuffer(void* buffer, std::size_t length) noexcept
        : m_buffer(static_cast<std::uint8_t*>(buffer)), m_length(length)
    {
    }

    void wrap(std::uint8_t* buffer, std::size_t length) noexcept
    {
        m_buffer = buffer;
        m_length = length;
    }

    void wrap(const AtomicBuffer& other, std::size_t offset, std::size_t length)
    {
        other.boundsCheck(offset, length);
        m_buffer = other.m_buffer + offset;
        m_length = length;
    }

    [[nodiscard]] std::uint8_t* buffer() const noexcept { return m_buffer; }
    [[nodiscard]] std::size_t capacity() const noexcept { return m_length; }

    /// Always-on check, for callers validating untrusted lengths.
    [[nodiscard]] bool inBounds(std::size_t index, std::size_t length) const noexcept
    {
        return index <= m_length && length <= m_length - index;
    }

    void boundsCheck([[maybe_unused]] std::size_t index, [[maybe_unused]] std::size_t length) const
    {
#if defined(COX_BOUNDS_CHECK)
        if (!inBounds(index, length))
        {
            throw IndexOutOfBoundsException(
                "index=" + std::to_string(index) + " length=" + std::to_string(length) +
                " capacity=" + std::to_string(m_length));
        }
#endif
    }

    // ---- plain accessors (any alignment) ----

    template <typename T>
    [[nodiscard]] T get(std::size_t index) const
    {
        static_assert(std::is_trivially_copyable_v<T>);
        boundsCheck(index, sizeof(T));
        T value;
        std::memcpy(&value, m_buffer + index, sizeof(T));
        return value;
    }

    template <typename T>
    void put(std::size_t index, T value)
    {
        static_assert(std::is_trivially_copyable_v<T>);
        boundsCheck(index, sizeof(T));
        std::memcpy(m_buffer + index, &value, sizeof(T));
    }

    [[nodiscard]] std::int64_t getInt64(std::size_t index) const { return get<std::int64_t>(index); }
    void putInt64(std::size_t index, std::int64_t value) { put(index, value); }
    [[nodiscard]] std::int32_t getInt32(std::size_t index) const { return get<std::int32_t>(index); }
    void putInt32(std::size_t index, std::int32_t value) { put(index, value); }
    [[nodiscard]] std::int16_t getInt16(std::size_t index) const { return get<std::int16_t>(index); }
    void putInt16(std::size_t index, std::int16_t value) { put(index, value); }
    [[nodiscard]] std::uint16_t getUInt16(std::size_t index) const { return get<std::uint16_t>(index); }
    void putUInt16(std::size_t index, std::uint16_t value) { put(index, value); }
    [[nodiscard]] std::uint32_t getUInt32(std::size_t index) const { return get<std::uint32_t>(index); }
    void putUInt32(std::size_t index, std::uint32_t value) { put(index, value); }
    [[nodiscard]] std::uint8_t getUInt8(std::size_t index) const { return get<std::uint8_t>(index); }
    void putUInt8(std::size_t index, std::uint8_t value) { put(index, value); }
    [[nodiscard]] std::int8_t getInt8(std::size_t index) const { return get<std::int8_t>(index); }
    void putInt8(std::size_t index, std::int8_t value) { put(index, value); }
    [[nodiscard]] double getDouble(std::size_t index) const { return get<double>(index); }
    void putDouble(std::size_t index, double value) { put(index, value); }

    // ---- ordered / volatile / atomic accessors (aligned indexes only) ----

    [[nodiscard]] std::int64_t getInt64Volatile(std::size_t index) const
    {
        return __atomic_load_n(ptr<std::int64_t>(index), __ATOMIC_ACQUIRE);
    }
    void putInt64Volatile(std::size_t index, std::int64_t value)
    {
        __atomic_store_n(ptr<std::int64_t>(index), value, __ATOMIC_SEQ_CST);
    }
    /// Release store: earlier writes become visible before this value (Agrona's putLongOrdered).
    void putInt64Ordered(std::size_t index, std::int64_t value)
    {
        __atomic_store_n(ptr<std::int64_t>(index), value, __ATOMIC_RELEASE);
    }
    /// Single-writer increment with release semantics; no read-modify-write instruction.
    void addInt64Ordered(std::size_t index, std::int64_t increment)
    {
        std::int64_t* p = ptr<std::int64_t>(index);
        __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + increment, __ATOMIC_RELEASE);
    }
    [[nodiscard]] bool compareAndSetInt64(std::size_t index, std::int64_t expected, std::int64_t desired)
    {
        return __atomic_compare_exchange_n(
            ptr<std::int64_t>(index), &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
    std::int64_t getAndAddInt64(std::size_t index, std::int64_t delta)
    {
        return __atomic_fetch_add(ptr<std::int64_t>(index), delta, __ATOMIC_SEQ_CST);
    }
    std::int64_t getAndSetInt64(std::size_t index, std::int64_t value)
    {
        return __atomic_exchange_n(ptr<std::int64_t>(index), value, __ATOMIC_SEQ_CST);
    }

    [[nodiscard]] std::int32_t getInt32Volatile(std::size_t index) const
    {
        return __atomic_load_n(ptr<std::int32_t>(index), __ATOMIC_ACQUIRE);
    }
    void putInt32Volatile(std::size_t index, std::int32_t value)
    {
        __atomic_store_n(ptr<std::int32_t>(index), value, __ATOMIC_SEQ_CST);
    }
    void putInt32Ordered(std::size_t index, std::int32_t value)
    {
        __atomic_store_n(ptr<std::int32_t>(index), value, __ATOMIC_RELEASE);
    }
    [[nodiscard]] bool compareAndSetInt32(std::size_t index, std::int32_t expected, std::int32_t desired)
    {
        return __atomic_compare_exchange_n(
            ptr<std::int32_t>(index), &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
    std::int32_t getAndAddInt32(std::size_t index, std::int32_t delta)
    {
        return __atomic_fetch_add(ptr<std::int32_t>(index), delta, __ATOMIC_SEQ_CST);
    }

    // ---- bulk ----

    void putBytes(std::size_t index, const void* src, std::size_t length)
    {
        boundsCheck(index, length);
        if (length > 0)
        {
            std::memcpy(m_buffer + index, src, length);
        }
    }
    void putBytes(std::size_t index, const AtomicBuffer& src, std::size_t srcIndex, std::size_t length)
    {
        src.boundsCheck(srcIndex, length);
        putBytes(index, src.m_buffer + srcIndex, length);
    }
    void getBytes(std::size_t index, void* dst, std::size_t length) const
    {
        boundsCheck(index, length);
        if (length > 0)
        {
            std::memcpy(dst, m_buffer + index, length);
        }
    }
    void setMemory(std::size_t index, std::size_t length, std::uint8_t value)
    {
        boundsCheck(index, length);
        if (length > 0)
        {
            std::memset(m_buffer + index, value, length);
        }
    }

    /// Length-prefixed (int32) ASCII string, as Agrona's putStringAscii; returns bytes written.
    std::size_t putStringAscii(std::size_t index, std::string_view value)
    {
        putInt32(index, static_cast<std::int32_t>(value.size()));
        putBytes(index + sizeof(std::int32_t), value.data(), value.size());
        return sizeof(std::int32_t) + value.size();
    }
    [[nodiscard]] std::string getStringAscii(std::size_t index) const
    {
        const auto length = static_cast<std::size_t>(getInt32(index));
        boundsCheck(index + sizeof(std::int32_t), length);
        return {reinterpret_cast<const char*>(m_buffer + index + sizeof(std::int32_t)), length};
    }

    template <typename T>
    [[nodiscard]] T* ptr(std::size_t index) const
    {
        boundsCheck(index, sizeof(T));
        return reinterpret_cast<T*>(m_buffer + index);
    }

private:
    std::uint8_t* m_buffer = nullptr;
    std::size_t m_length = 0;
};
} // namespace cox::util
