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

// GF(2) polynomial arithmetic modulo the CRC polynomial, reflected (bit 31 is x^0), as in
// zlib's crc32_combine: a * b mod P.
constexpr std::uint32_t mult_mod_p(std::uint32_t a, std::uint32_t b) {
  std::uint32_t m = 1u << 31, p = 0;
  for (;;) {
    if ((a & m) != 0) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = (b & 1u) != 0 ? (b >> 1) ^ kPolyReflected : b >> 1;
  }
  return p;
}

// x^(8 * bytes) mod P: multiplying a raw CRC register by it appends `bytes` zero bytes.
constexpr std::uint32_t x_pow_8n_mod_p(std::size_t bytes) {
  std::uint32_t result = 1u << 31;  // x^0
  std::uint32_t square = 1u << 23;  // x^8
  for (; bytes != 0; bytes >>= 1) {
    if ((bytes & 1) != 0) result = mult_mod_p(square, result);
    square = mult_mod_p(square, square);
  }
  return result;
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

// The crc32 instruction has a latency of 3 cycles and a throughput of 1 per cycle, so large
// buffers run as three interleaved streams over consecutive kStreamBytes blocks, combined by
// shifting: crc(A ++ B) = crc(A) * x^(8|B|) ^ crc_from_zero(B) on the raw register.
constexpr std::size_t kStreamBytes = 2048;
constexpr std::uint32_t kShiftStream = x_pow_8n_mod_p(kStreamBytes);

std::uint64_t load64(const std::byte* p) {
  std::uint64_t w = 0;
  std::memcpy(&w, p, 8);
  return w;
}

__attribute__((target("sse4.2"))) std::uint32_t crc32c_hw(std::span<const std::byte> data,
                                                          std::uint32_t crc) {
  std::uint64_t c = ~crc;
  const std::byte* p = data.data();
  std::size_t n = data.size();
  while (n >= 3 * kStreamBytes) {
    std::uint64_t c1 = 0, c2 = 0;
    for (std::size_t i = 0; i < kStreamBytes; i += 8) {
      c = _mm_crc32_u64(c, load64(p + i));
      c1 = _mm_crc32_u64(c1, load64(p + kStreamBytes + i));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * kStreamBytes + i));
    }
    const std::uint32_t ab =
        mult_mod_p(kShiftStream, static_cast<std::uint32_t>(c)) ^ static_cast<std::uint32_t>(c1);
    c = mult_mod_p(kShiftStream, ab) ^ static_cast<std::uint32_t>(c2);
    p += 3 * kStreamBytes;
    n -= 3 * kStreamBytes;
  }
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
