#include "shm/crc32c.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <string_view>
#include <vector>

namespace oomguard::shm {
namespace {

std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s)); }

struct Vector {
  std::vector<std::byte> data;
  std::uint32_t crc;
};

// RFC 3720 (iSCSI) appendix B.4 and the usual check value.
std::vector<Vector> known_vectors() {
  std::vector<Vector> v;
  const std::string_view check = "123456789";
  v.push_back({{bytes_of(check).begin(), bytes_of(check).end()}, 0xE3069283u});
  v.push_back({std::vector<std::byte>(32, std::byte{0x00}), 0x8A9136AAu});
  v.push_back({std::vector<std::byte>(32, std::byte{0xFF}), 0x62A8AB43u});
  std::vector<std::byte> up(32), down(32);
  for (std::size_t i = 0; i < 32; ++i) {
    up[i] = static_cast<std::byte>(i);
    down[i] = static_cast<std::byte>(31 - i);
  }
  v.push_back({up, 0x46DD794Eu});
  v.push_back({down, 0x113FDB5Cu});
  v.push_back({{}, 0x00000000u});
  return v;
}

TEST(Crc32c, KnownVectorsSoftware) {
  for (const Vector& v : known_vectors()) EXPECT_EQ(crc32c_sw(v.data), v.crc) << v.data.size();
}

TEST(Crc32c, KnownVectorsHardware) {
  if (!crc32c_hw_available()) GTEST_SKIP() << "CPU has no SSE4.2 crc32 instruction";
  for (const Vector& v : known_vectors()) EXPECT_EQ(crc32c_hw(v.data), v.crc) << v.data.size();
}

TEST(Crc32c, DispatcherMatchesKnownVector) {
  EXPECT_EQ(crc32c(bytes_of("123456789")), 0xE3069283u);
}

TEST(Crc32c, ChainingEqualsOneShot) {
  const std::string_view s = "123456789";
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    const std::uint32_t head = crc32c(bytes_of(s.substr(0, cut)));
    EXPECT_EQ(crc32c(bytes_of(s.substr(cut)), head), 0xE3069283u) << cut;
    EXPECT_EQ(crc32c_sw(bytes_of(s.substr(cut)), crc32c_sw(bytes_of(s.substr(0, cut)))),
              0xE3069283u)
        << cut;
  }
}

TEST(Crc32c, HardwareAndSoftwareAgreeOnRandomBuffers) {
  if (!crc32c_hw_available()) GTEST_SKIP() << "CPU has no SSE4.2 crc32 instruction";
  std::mt19937_64 rng(12345);
  std::vector<std::byte> buf(4096 + 16);
  for (int round = 0; round < 2000; ++round) {
    for (auto& b : buf) b = static_cast<std::byte>(rng());
    const std::size_t offset = rng() % 16;  // unaligned starts
    const std::size_t len = rng() % 4096;
    const std::span<const std::byte> s(buf.data() + offset, len);
    const auto seed = static_cast<std::uint32_t>(rng());
    ASSERT_EQ(crc32c_hw(s, seed), crc32c_sw(s, seed)) << "len " << len << " offset " << offset;
  }
}

TEST(Crc32c, HardwareAndSoftwareAgreeOnLargeBuffers) {
  // Long enough for the interleaved three-stream path (and its tail) of the hardware version.
  if (!crc32c_hw_available()) GTEST_SKIP() << "CPU has no SSE4.2 crc32 instruction";
  std::mt19937_64 rng(777);
  std::vector<std::byte> buf(100'000);
  for (auto& b : buf) b = static_cast<std::byte>(rng());
  for (const std::size_t len : {6143u, 6144u, 6145u, 12288u, 20000u, 98368u, 99999u}) {
    const std::span<const std::byte> s(buf.data() + 1, len);
    ASSERT_EQ(crc32c_hw(s, 0x12345678u), crc32c_sw(s, 0x12345678u)) << len;
    ASSERT_EQ(crc32c_hw(s), crc32c_sw(s)) << len;
  }
  for (int round = 0; round < 200; ++round) {
    const std::size_t len = rng() % (buf.size() - 8);
    const std::span<const std::byte> s(buf.data() + rng() % 8, len);
    ASSERT_EQ(crc32c_hw(s), crc32c_sw(s)) << len;
  }
}

TEST(Crc32c, DetectsSingleBitFlips) {
  std::array<std::byte, 384> buf{};
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::byte>(i * 7);
  const std::uint32_t base = crc32c(buf);
  for (std::size_t bit = 0; bit < buf.size() * 8; ++bit) {
    auto flipped = buf;
    flipped[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
    ASSERT_NE(crc32c(flipped), base) << bit;
  }
}

}  // namespace
}  // namespace oomguard::shm
