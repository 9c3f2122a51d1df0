#pragma once

#include <cstddef>
#include <cstdint>

namespace cox::util
{
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum iSCSI, ext4 and Aeron's
/// archive segment and recording-log checks use.
///
/// The running value follows zlib's convention: start from 0, feed chunks in order, and
///     crc32c(crc32c(0, a, n), b, m) == crc32c(0, a ++ b, n + m)
/// The pre- and post-inversion happen inside each call, so callers never see an inverted value.
///
/// crc32c() picks the SSE4.2 instruction when the CPU has it (decided once, on first call) and
/// the portable tables otherwise; both variants are exposed so tests can compare them. All are
/// thread-safe, allocate nothing and never throw.
[[nodiscard]] std::uint32_t crc32c(std::uint32_t crc, const std::uint8_t* data, std::size_t length) noexcept;

/// Slicing-by-8 table implementation; any CPU.
[[nodiscard]] std::uint32_t crc32cPortable(std::uint32_t crc, const std::uint8_t* data, std::size_t length) noexcept;

/// SSE4.2 crc32 instruction implementation. Precondition: crc32cHardwareAvailable(); calling it
/// on a CPU without SSE4.2 is an illegal instruction.
[[nodiscard]] std::uint32_t crc32cHardware(std::uint32_t crc, const std::uint8_t* data, std::size_t length) noexcept;

/// True when this CPU has SSE4.2 and crc32c() uses crc32cHardware().
[[nodiscard]] bool crc32cHardwareAvailable() noexcept;
} // namespace cox::util
