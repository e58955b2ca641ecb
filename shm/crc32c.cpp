#include "shm/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace oomguard::shm {
namespace {

constexpr std::uint32_t kPolyReflected = 0x82F63B78u;

using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

// tables[0] is the classic byte-at-a-time table; tables[k][b] is the CRC of byte b followed by
// k zero bytes, which lets the loop below fold 8 input bytes per step (slice-by-8).
constexpr Tables make_tables() {
  Tables t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) != 0 ? (c >> 1) ^ kPolyReflected : c >> 1;
    t[0][b] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  }
  return t;
}

constexpr Tables kTables = make_tables();

std::uint32_t byte_step(std::uint32_t c, std::byte b) {
  return (c >> 8) ^ kTables[0][(c ^ std::to_integer<std::uint32_t>(b)) & 0xFFu];
}

}  // namespace

std::uint32_t crc32c_sw(std::span<const std::byte> data, std::uint32_t crc) {
  std::uint32_t c = ~crc;
  const std::byte* p = data.data();
  std::size_t n = data.size();
  while (n >= 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);  // little-endian: byte 0 is the low byte
    w ^= c;
    c = kTables[7][w & 0xFFu] ^ kTables[6][(w >> 8) & 0xFFu] ^ kTables[5][(w >> 16) & 0xFFu] ^
        kTables[4][(w >> 24) & 0xFFu] ^ kTables[3][(w >> 32) & 0xFFu] ^
        kTables[2][(w >> 40) & 0xFFu] ^ kTables[1][(w >> 48) & 0xFFu] ^ kTables[0][w >> 56];
    p += 8;
    n -= 8;
  }
  for (; n > 0; --n, ++p) c = byte_step(c, *p);
  return ~c;
}

#if defined(__x86_64__)

bool crc32c_hw_available() { return __builtin_cpu_supports("sse4.2") != 0; }

__attribute__((target("sse4.2"))) std::uint32_t crc32c_hw(std::span<const std::byte> data,
                                                          std::uint32_t crc) {
  std::uint64_t c = ~crc;
  const std::byte* p = data.data();
  std::size_t n = data.size();
  while (n >= 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  for (; n > 0; --n, ++p) c32 = _mm_crc32_u8(c32, std::to_integer<std::uint8_t>(*p));
  return ~c32;
}

#else

bool crc32c_hw_available() { return false; }

std::uint32_t crc32c_hw(std::span<const std::byte> data, std::uint32_t crc) {
  return crc32c_sw(data, crc);
}

#endif

std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t crc) {
  static const bool hw = crc32c_hw_available();
  return hw ? crc32c_hw(data, crc) : crc32c_sw(data, crc);
}

}  // namespace oomguard::shm
