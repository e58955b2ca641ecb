// The usual std::visit helper: Overloaded{[](A&){...}, [](B&){...}}.
#pragma once

namespace oomguard::hog {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace oomguard::hog
