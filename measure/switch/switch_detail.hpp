// Shared by the load switches (not a public header): the settle wait and the serial baud rates.
#pragma once

#include <atomic>

namespace outbench::switch_detail {

inline constexpr int kBauds[] = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};

// Waits `s` seconds in short steps; false as soon as *stop is set (Ctrl-C).
bool wait_s(double s, const std::atomic<bool>* stop);

}  // namespace outbench::switch_detail
