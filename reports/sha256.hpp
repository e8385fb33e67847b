// SHA-256 (FIPS 180-4) and base64, for the Content-Security-Policy hashes of the report's inline scripts
// ('sha256-<base64 of the digest>'). Small and dependency-free; not for secrets.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace outbench {

std::array<std::uint8_t, 32> sha256(std::string_view data);
std::string base64(const std::uint8_t* data, std::size_t n);

// The CSP source expression of a script whose text (between <script> and </script>) is `script`.
std::string csp_sha256(std::string_view script);

}  // namespace outbench
