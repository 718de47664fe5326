#include "core/client_record.h"

namespace gh {

namespace {
const char kHex[] = "0123456789abcdef";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is not a client id: the JS engine's Map keys are exact strings
}
}  // namespace

const std::string& ClientRecord::emptyString() {
  static const std::string empty;
  return empty;
}

const std::vector<std::string>& ClientRecord::groups() const {
  static const std::vector<std::string> none;
  return extras ? extras->groups : none;
}

const std::vector<std::pair<uint32_t, uint32_t>>& ClientRecord::patchAcks() const {
  static const std::vector<std::pair<uint32_t, uint32_t>> none;
  return extras ? extras->patchAcks : none;
}

namespace {
// Keeps `text` in extras when `address` cannot hold it; clears the text otherwise.
void setAddress(ClientRecord& c, ClientAddress& address, std::string ClientExtras::AddressTexts::*field,
                std::string_view text) {
  if (address.set(text) || text.empty()) {
    if (c.extras && c.extras->addressTexts) (c.extras->addressTexts.get()->*field).clear();
  } else {
    ClientExtras& x = c.extrasForWrite();
    if (!x.addressTexts) x.addressTexts = std::make_unique<ClientExtras::AddressTexts>();
    (x.addressTexts.get()->*field).assign(text.data(), text.size());
  }
  c.trimExtras();
}
}  // namespace

void ClientRecord::setRemoteAddress(std::string_view text) {
  setAddress(*this, remote, &ClientExtras::AddressTexts::remote, text);
}

void ClientRecord::setLocalAddress(std::string_view text) {
  setAddress(*this, local, &ClientExtras::AddressTexts::local, text);
}

std::string ClientRecord::remoteAddress() const {
  if (remote.stored()) return remote.text();
  return extras && extras->addressTexts ? extras->addressTexts->remote : std::string();
}

std::string ClientRecord::localAddress() const {
  if (local.stored()) return local.text();
  return extras && extras->addressTexts ? extras->addressTexts->local : std::string();
}

void appendClientId(std::string& out, const std::string& gatewayId, uint64_t number) {
  out += gatewayId;
  for (int shift = 44; shift >= 0; shift -= 4) out.push_back(kHex[(number >> shift) & 0xf]);
}

std::string clientIdOf(const std::string& gatewayId, uint64_t number) {
  std::string id;
  id.reserve(24);
  appendClientId(id, gatewayId, number);
  return id;
}

void clientIdBytes(const std::string& gatewayId, uint64_t number, uint8_t out[12]) {
  for (size_t i = 0; i < 6; i++) {
    int hi = i * 2 < gatewayId.size() ? hexValue(gatewayId[i * 2]) : 0;
    int lo = i * 2 + 1 < gatewayId.size() ? hexValue(gatewayId[i * 2 + 1]) : 0;
    out[i] = static_cast<uint8_t>(((hi < 0 ? 0 : hi) << 4) | (lo < 0 ? 0 : lo));
  }
  for (size_t i = 0; i < 6; i++) out[6 + i] = static_cast<uint8_t>(number >> (40 - 8 * i));
}

uint64_t clientNumberOf(const std::string& gatewayId, std::string_view id) {
  if (id.size() != 24 || gatewayId.size() != 12 || id.substr(0, 12) != gatewayId) return 0;
  uint64_t n = 0;
  for (size_t i = 12; i < 24; i++) {
    int v = hexValue(id[i]);
    if (v < 0) return 0;
    n = (n << 4) | static_cast<uint64_t>(v);
  }
  return n;
}

}  // namespace gh
