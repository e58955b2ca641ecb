// Fixed-capacity containers for data that the core keeps after start-up: no heap, ever.
// FixedString holds a NUL-terminated string of at most N-1 bytes; FixedVector holds at most N
// trivially copyable elements. Both refuse (return false) instead of growing or truncating.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

namespace oomguard {

template <std::size_t N>
class FixedString {
 public:
  static constexpr std::size_t kCapacity = N - 1;

  constexpr FixedString() = default;

  // False (and unchanged) if `text` does not fit or contains a NUL byte.
  bool assign(std::string_view text) {
    if (text.size() > kCapacity || text.find('\0') != std::string_view::npos) return false;
    std::memcpy(data_.data(), text.data(), text.size());
    data_[text.size()] = '\0';
    size_ = text.size();
    return true;
  }

  const char* c_str() const { return data_.data(); }
  std::string_view view() const { return {data_.data(), size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  friend bool operator==(const FixedString& a, const FixedString& b) {
    return a.view() == b.view();
  }

 private:
  std::array<char, N> data_{};
  std::size_t size_ = 0;
};

template <typename T, std::size_t N>
class FixedVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  static constexpr std::size_t kCapacity = N;

  bool push_back(const T& value) {
    if (size_ == N) return false;
    items_[size_++] = value;
    return true;
  }
  void clear() { size_ = 0; }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) { return items_[i]; }
  const T& operator[](std::size_t i) const { return items_[i]; }
  T* begin() { return items_.data(); }
  T* end() { return items_.data() + size_; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + size_; }
  std::span<const T> span() const { return {items_.data(), size_}; }
  // Equal when the sizes and the used elements are equal; unused slots are ignored.
  friend bool operator==(const FixedVector& a, const FixedVector& b) {
    if (a.size_ != b.size_) return false;
    for (std::size_t i = 0; i < a.size_; ++i) {
      if (!(a.items_[i] == b.items_[i])) return false;
    }
    return true;
  }

 private:
  std::array<T, N> items_{};
  std::size_t size_ = 0;
};

}  // namespace oomguard
