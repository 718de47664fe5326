#pragma once
// Fixed-width integers on byte buffers. Readers take a pointer the caller has
// already bounds-checked; writers append to a std::string (the output buffers).
#include <cstdint>
#include <string>

namespace gh {

inline void putU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

inline void putU16BE(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

inline void putU32BE(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

inline void putU64BE(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

inline void putU16LE(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v));
  out.push_back(static_cast<char>(v >> 8));
}

inline void putU32LE(std::string& out, uint32_t v) {
  for (int shift = 0; shift <= 24; shift += 8) out.push_back(static_cast<char>(v >> shift));
}

inline void putU64LE(std::string& out, uint64_t v) {
  for (int shift = 0; shift <= 56; shift += 8) out.push_back(static_cast<char>(v >> shift));
}

// Overwrites 4 bytes at pos (which must be inside out): frame lengths are
// known only after the body is appended.
inline void setU32BE(std::string& out, size_t pos, uint32_t v) {
  out[pos] = static_cast<char>(v >> 24);
  out[pos + 1] = static_cast<char>(v >> 16);
  out[pos + 2] = static_cast<char>(v >> 8);
  out[pos + 3] = static_cast<char>(v);
}

inline uint16_t getU16BE(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

inline uint32_t getU32BE(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

inline uint64_t getU64BE(const uint8_t* p) {
  return (static_cast<uint64_t>(getU32BE(p)) << 32) | getU32BE(p + 4);
}

inline uint16_t getU16LE(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

inline uint32_t getU32LE(const uint8_t* p) {
  return p[0] | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

inline uint64_t getU64LE(const uint8_t* p) {
  return getU32LE(p) | (static_cast<uint64_t>(getU32LE(p + 4)) << 32);
}

inline const uint8_t* bytesOf(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

}  // namespace gh
