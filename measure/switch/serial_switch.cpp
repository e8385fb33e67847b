// The serial relay board switch (switches.hpp): a termios port in raw mode, preset or raw byte commands.
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "measure/errors.hpp"
#include "measure/switch/switch_detail.hpp"
#include "measure/switch/switches.hpp"

namespace outbench {

namespace {

using switch_detail::wait_s;

speed_t baud_constant(int baud) {
  switch (baud) {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    default: throw InputError("serial baud rate " + std::to_string(baud) + " is not supported (1200..115200)");
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

SerialPort::SerialPort(const std::string& path, int baud) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd_ < 0)
    throw InputError("cannot open the relay board's serial port '" + path + "': " + std::strerror(errno) +
                     " (check the cable and `ls /dev/ttyUSB* /dev/ttyACM*`, and that you may use it: group dialout)");
  termios t{};
  if (tcgetattr(fd_, &t) != 0) {
    ::close(fd_);
    throw InputError("'" + path + "' is not a serial port: " + std::strerror(errno));
  }
  cfmakeraw(&t);
  const speed_t sp = baud_constant(baud);
  cfsetispeed(&t, sp);
  cfsetospeed(&t, sp);
  t.c_cflag |= CLOCAL | CREAD;
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 1;
  tcsetattr(fd_, TCSANOW, &t);
  tcflush(fd_, TCIOFLUSH);
}

SerialPort::~SerialPort() {
  if (fd_ >= 0) ::close(fd_);
}

void SerialPort::write_all(const std::vector<unsigned char>& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("writing to the relay board on '" + path_ + "' failed: " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  tcdrain(fd_);
}

std::vector<unsigned char> parse_bytes(const std::string& spec, const std::string& what) {
  static const std::string kHow =
      " (write each byte as two hex digits, separated by spaces: \"A0 01 01 A2\" or \"0xA0 0x01 0x01 0xA2\")";
  std::vector<unsigned char> out;
  std::size_t i = 0;
  for (;;) {
    while (i < spec.size() && (spec[i] == ' ' || spec[i] == '\t')) ++i;
    if (i == spec.size()) break;
    std::size_t j = i;
    while (j < spec.size() && spec[j] != ' ' && spec[j] != '\t') ++j;
    const std::string token = spec.substr(i, j - i);
    const bool prefixed = token.size() > 2 && token[0] == '0' && (token[1] == 'x' || token[1] == 'X');
    const std::string digits = prefixed ? token.substr(2) : token;
    if (digits.size() != 2 || hex_digit(digits[0]) < 0 || hex_digit(digits[1]) < 0)
      throw InputError(what + ": '" + token + "' is not a hex byte" + kHow);
    out.push_back(static_cast<unsigned char>(hex_digit(digits[0]) * 16 + hex_digit(digits[1])));
    i = j;
  }
  if (out.empty()) throw InputError(what + ": no bytes" + kHow);
  return out;
}

SerialRelaySwitch::SerialRelaySwitch(Config c) : c_(std::move(c)), port_(c_.port, c_.baud) {
  all_off();
}

SerialRelaySwitch::~SerialRelaySwitch() {
  try {
    all_off();
  } catch (...) {
  }
}

std::vector<unsigned char> SerialRelaySwitch::relay_bytes(int relay, bool on) const {
  if (c_.preset == "lcus") {
    const auto r = static_cast<unsigned char>(relay), s = static_cast<unsigned char>(on ? 1 : 0);
    return {0xA0, r, s, static_cast<unsigned char>((0xA0 + r + s) & 0xFF)};
  }
  const std::string t = std::string("relay ") + (on ? "on " : "off ") + std::to_string(relay) + "\r";
  return {t.begin(), t.end()};
}

void SerialRelaySwitch::all_off() {
  if (c_.preset.empty()) {
    if (!c_.all_off.empty()) port_.write_all(c_.all_off);
    return;
  }
  for (const auto& [name, relay] : c_.relays) port_.write_all(relay_bytes(relay, false));
  if (c_.terminate_relay > 0) port_.write_all(relay_bytes(c_.terminate_relay, false));  // the input reconnected
}

void SerialRelaySwitch::select(const Load& load) {
  if (c_.preset.empty()) {
    if (!c_.all_off.empty()) port_.write_all(c_.all_off);
    if (load.is_open() && load.name == "open") {
      settle();
      return;
    }
    for (const auto& [name, bytes] : c_.commands)
      if (name == load.name) {
        port_.write_all(bytes);
        settle();
        return;
      }
    throw InputError("the relay board has no command for the load '" + load.name +
                     "' (add it to load_switch.commands)");
  }
  all_off();
  if (load.name != "open") {
    int relay = -1;
    for (const auto& [name, r] : c_.relays)
      if (name == load.name) relay = r;
    if (relay < 0)
      throw InputError("no relay is assigned to the load '" + load.name + "' (add it to load_switch.relays)");
    port_.write_all(relay_bytes(relay, true));
  }
  settle();
}

bool SerialRelaySwitch::terminate_input(bool on) {
  if (c_.terminate_relay <= 0) return false;
  port_.write_all(relay_bytes(c_.terminate_relay, on));
  settle();
  return true;
}

void SerialRelaySwitch::settle() const {
  if (!wait_s(c_.settle_s, c_.stop)) throw std::runtime_error("stopped while the relays settled");
}

std::string SerialRelaySwitch::describe() const {
  return "relay board (" + (c_.preset.empty() ? std::string("raw commands") : c_.preset) + ") on " + c_.port;
}

}  // namespace outbench
