// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every ranking snapshot.
//
// crc32c() uses the SSE4.2 crc32 instruction when the CPU has it (checked at run time) and a
// slice-by-8 table otherwise. Both paths are exported so the tests can hold them to each other.
// Chaining: crc32c(b, crc32c(a)) == crc32c(a ++ b). No allocation, no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace oomguard::shm {

std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t crc = 0);

// The two implementations behind crc32c(). crc32c_hw() must only be called when
// crc32c_hw_available() is true.
std::uint32_t crc32c_sw(std::span<const std::byte> data, std::uint32_t crc = 0);
std::uint32_t crc32c_hw(std::span<const std::byte> data, std::uint32_t crc = 0);
bool crc32c_hw_available();

}  // namespace oomguard::shm
