// outbench-virtual-dut: the simulated device as a JACK client, so the real PortAudio path can be tested end
// to end with no hardware (docs/MEASUREMENTS.md "Testing the real path without hardware").
//
// Ports: in_0..in_{2P-1} (the interface's outputs: line L/R, headphone L/R, as in the bench file) and
// out_0..out_{2P-1} (each port's signal across the selected load, through the loopback ADC model). A
// pseudo-terminal plays a USB relay board with the CH340 "LCUS" protocol (A0 <relay> <0|1> <checksum>):
// its slave is linked at --relay-link so a bench file can name it as its serial port. The loads of the relays
// that are on are in parallel; none on = open. --unplugged outputs silence (a cable pulled).
// A port's stream runs while a client is connected to one of its in_N ports (PortAudio connects a stream's ports
// when it starts and disconnects them when it stops): the model's turn_on_step_mv / turn_off_step_mv play then.
// A model with clock_ppm plays on its own clock: the DUT reads its inputs at 1 + clock_ppm * 1e-6 samples per
// JACK sample (measure/sim/clock_stream.hpp; clock_wander_ppm_per_min is not simulated here), after a queue of
// kFastQueueFrames when it runs fast (the queue shrinks by clock_ppm * 1e-6 per sample: 62 ms last 7 minutes
// at +150 ppm). --analyser NAME puts the out_N ports on a second JACK client NAME (the analyser of a
// two-device bench, its in_N fed from the DUT's out_N), so PortAudio sees two devices.
#include <fcntl.h>
#include <jack/jack.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "measure/config/kinds.hpp"
#include "measure/errors.hpp"
#include "measure/sim/clock_stream.hpp"
#include "measure/sim/port_sim.hpp"

namespace po = boost::program_options;
using namespace outbench;

namespace {

std::atomic<bool> g_quit{false};
extern "C" void on_signal(int) {
  g_quit = true;
}

constexpr double kFastQueueFrames = 3000;  // a DUT that runs fast starts this far behind its input
constexpr std::size_t kMaxBlockFrames = 16384;

struct Dut {
  std::vector<sim::PortSimulator> sims;
  std::vector<jack_port_t*> in, out;
  std::vector<sim::ClockStream> clocks;  // one per input channel when the DUT has its own clock
  std::vector<std::vector<float>> clocked;
  std::vector<jack_port_t*> an_in, an_out;  // --analyser: the analyser client's ports
  std::vector<bool> streaming;  // per port: a stream feeds its inputs (a client is connected to one of them)
  std::atomic<double> load_ohms{std::numeric_limits<double>::infinity()};
  double applied_ohms = -1;
  bool unplugged = false;
};

int process(jack_nframes_t n, void* arg) noexcept {
  auto* d = static_cast<Dut*>(arg);
  const double load = d->load_ohms.load(std::memory_order_relaxed);
  if (load != d->applied_ohms) {
    for (auto& s : d->sims) s.set_load_ohms(load);
    d->applied_ohms = load;
  }
  std::size_t ch = 0, port = 0;
  for (auto& s : d->sims) {
    // The host's stream starting and stopping: PortAudio connects its ports to ours when a stream starts and
    // disconnects them when it stops; the model's turn-on / turn-off step follows (port_sim.hpp).
    bool connected = false;
    for (int c = 0; c < s.channels(); ++c)
      connected = connected || jack_port_connected(d->in[ch + static_cast<std::size_t>(c)]) > 0;
    if (connected != d->streaming[port]) {
      s.stream_event_now(connected);
      d->streaming[port] = connected;
    }
    ++port;
    const float* ip[2] = {nullptr, nullptr};
    float* op[2] = {nullptr, nullptr};
    for (int c = 0; c < s.channels(); ++c) {
      const auto k = ch + static_cast<std::size_t>(c);
      ip[c] = static_cast<const float*>(jack_port_get_buffer(d->in[k], n));
      op[c] = static_cast<float*>(jack_port_get_buffer(d->out[k], n));
      if (!d->clocks.empty() && n <= kMaxBlockFrames) {  // the DUT's own clock
        d->clocks[k].process(ip[c], d->clocked[k].data(), n);
        ip[c] = d->clocked[k].data();
      }
    }
    if (d->unplugged) {
      for (int c = 0; c < s.channels(); ++c) std::memset(op[c], 0, n * sizeof(float));
    } else {
      s.process(ip, op, n);
    }
    ch += static_cast<std::size_t>(s.channels());
  }
  return 0;
}

// The analyser client: its inputs (fed from the DUT's outputs) straight to its outputs.
int analyser_process(jack_nframes_t n, void* arg) noexcept {
  auto* d = static_cast<Dut*>(arg);
  for (std::size_t k = 0; k < d->an_in.size(); ++k)
    std::memcpy(jack_port_get_buffer(d->an_out[k], n), jack_port_get_buffer(d->an_in[k], n), n * sizeof(float));
  return 0;
}

double ohms_of(const std::string& name) {
  if (name == "open") return std::numeric_limits<double>::infinity();
  double mult = 1;
  std::string s = name;
  if (!s.empty() && (s.back() == 'k' || s.back() == 'K')) {
    mult = 1e3;
    s.pop_back();
  }
  return std::stod(s) * mult;
}

void raw_mode(int fd) {
  termios t{};
  if (tcgetattr(fd, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
  }
}

struct DutOptions {
  std::string device, name = "outbench-dut", relay_link, relays = "10k=1,600=2,300=3,32=4,16=5", analyser;
  bool unplugged = false;
  std::uint64_t seed = 1;
};

// The command line; an exit code when the program is to end here (--help, a bad option).
std::optional<int> parse_options(int argc, char** argv, DutOptions& o) {
  po::options_description desc("outbench-virtual-dut options");
  desc.add_options()("help,h", "show this help")("device", po::value(&o.device)->required(), "device model (JSON)")(
      "name", po::value(&o.name)->default_value(o.name), "JACK client name")(
      "relay-link", po::value(&o.relay_link), "path of a symlink to the relay board's pseudo-terminal")(
      "relays", po::value(&o.relays)->default_value(o.relays), "load=relay pairs (relays from 1)")(
      "analyser", po::value(&o.analyser), "JACK client name of a separate analyser carrying the out_N ports")(
      "seed", po::value(&o.seed)->default_value(o.seed), "noise seed")("unplugged", po::bool_switch(&o.unplugged),
                                                                       "output silence (a cable pulled)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "outbench-virtual-dut: " << e.what() << "\n";
    return 2;
  }
  return std::nullopt;
}

// "10k=1,600=2" -> relay number -> load ohms; false (with a message) for an entry that is no pair.
bool parse_relays(const std::string& relays, std::map<int, double>& relay_ohms) {
  std::stringstream ss(relays);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      std::cerr << "outbench-virtual-dut: --relays wants LOAD=RELAY pairs, got '" << item << "'\n";
      return false;
    }
    relay_ohms[std::stoi(item.substr(eq + 1))] = ohms_of(item.substr(0, eq));
  }
  return true;
}

// The model's line and headphone ports (in that order) as JACK ports in_N/out_N, two channels each.
void register_ports(jack_client_t* client, const sim::DeviceModel& model, std::uint64_t seed, Dut& dut) {
  const double rate = jack_get_sample_rate(client);
  std::vector<const sim::PortModel*> order;
  for (const auto& [kind, word] : kPortKindNames)
    if (const auto* p = model.port(std::string(word))) order.push_back(p);
  std::uint64_t k = 0;
  int ch = 0;
  for (const auto* p : order) {
    dut.sims.emplace_back(model.loopback, *p, rate, seed + 1000 * k++);
    dut.streaming.push_back(false);
    for (int c = 0; c < p->channels; ++c, ++ch) {
      dut.in.push_back(jack_port_register(client, ("in_" + std::to_string(ch)).c_str(), JACK_DEFAULT_AUDIO_TYPE,
                                          JackPortIsInput, 0));
      dut.out.push_back(jack_port_register(client, ("out_" + std::to_string(ch)).c_str(), JACK_DEFAULT_AUDIO_TYPE,
                                           JackPortIsOutput, 0));
    }
  }
}

// The relay board's pseudo-terminal, its slave linked at `link`; false (with a message) when it fails.
struct RelayPty {
  int master = -1, slave_keep = -1;
};
bool open_relay_pty(const std::string& link, RelayPty& pty) {
  pty.master = posix_openpt(O_RDWR | O_NOCTTY);
  if (pty.master < 0 || grantpt(pty.master) != 0 || unlockpt(pty.master) != 0) {
    std::cerr << "outbench-virtual-dut: cannot open a pseudo-terminal\n";
    return false;
  }
  raw_mode(pty.master);
  const std::string slave = ptsname(pty.master);
  pty.slave_keep = open(slave.c_str(), O_RDWR | O_NOCTTY);  // keeps the master readable between client sessions
  raw_mode(pty.slave_keep);
  std::error_code ec;
  std::filesystem::remove(link, ec);
  std::filesystem::create_symlink(slave, link, ec);
  if (ec) {
    std::cerr << "outbench-virtual-dut: cannot link " << link << ": " << ec.message() << "\n";
    return false;
  }
  fcntl(pty.master, F_SETFL, O_NONBLOCK);
  return true;
}

// Applies the complete LCUS frames in `buf` (A0 relay state checksum): the loads of the relays that are on
// are in parallel; none on = open.
void apply_lcus_frames(std::vector<unsigned char>& buf, std::map<int, bool>& on,
                       const std::map<int, double>& relay_ohms, Dut& dut) {
  while (buf.size() >= 4) {
    if (buf[0] != 0xA0) {
      buf.erase(buf.begin());
      continue;
    }
    const int relay = buf[1], state = buf[2];
    if (((0xA0 + relay + state) & 0xFF) == buf[3] && state <= 1) on[relay] = state == 1;
    buf.erase(buf.begin(), buf.begin() + 4);
    double g = 0;  // conductance of the relays that are on
    for (const auto& [r, is_on] : on)
      if (is_on && relay_ohms.count(r)) g += 1.0 / relay_ohms.at(r);
    dut.load_ohms = g > 0 ? 1.0 / g : std::numeric_limits<double>::infinity();
  }
}

// The analyser as a second JACK client: in_N connected from the DUT's out_N, copied to its out_N.
jack_client_t* open_analyser(jack_client_t* dut_client, const std::string& name, Dut& dut) {
  jack_status_t status{};
  jack_client_t* a = jack_client_open(name.c_str(), JackNoStartServer, &status);
  if (!a) {
    std::cerr << "outbench-virtual-dut: cannot open the analyser client '" << name << "'\n";
    return nullptr;
  }
  for (std::size_t k = 0; k < dut.out.size(); ++k) {
    dut.an_in.push_back(
        jack_port_register(a, ("in_" + std::to_string(k)).c_str(), JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0));
    dut.an_out.push_back(
        jack_port_register(a, ("out_" + std::to_string(k)).c_str(), JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0));
  }
  jack_set_process_callback(a, analyser_process, &dut);
  if (jack_activate(a) != 0) {
    std::cerr << "outbench-virtual-dut: cannot activate the analyser client\n";
    return nullptr;
  }
  for (std::size_t k = 0; k < dut.out.size(); ++k)
    if (jack_connect(a, jack_port_name(dut.out[k]), jack_port_name(dut.an_in[k])) != 0) {
      std::cerr << "outbench-virtual-dut: cannot connect " << jack_port_name(dut.out[k]) << "\n";
      return nullptr;
    }
  (void)dut_client;
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  DutOptions o;
  if (const auto rc = parse_options(argc, argv, o)) return *rc;
  sim::DeviceModel model;
  try {
    model = sim::load_device_model(o.device);
  } catch (const InputError& e) {
    std::cerr << "outbench-virtual-dut: " << e.what() << "\n";
    return 2;
  }
  std::map<int, double> relay_ohms;
  if (!parse_relays(o.relays, relay_ohms)) return 2;

  jack_status_t status{};
  jack_client_t* client = jack_client_open(o.name.c_str(), JackNoStartServer, &status);
  if (!client) {
    std::cerr << "outbench-virtual-dut: cannot connect to the JACK server (status 0x" << std::hex << status
              << "): is jackd running?\n";
    return 1;
  }
  const double rate = jack_get_sample_rate(client);
  auto dut = std::make_unique<Dut>();
  dut->unplugged = o.unplugged;
  register_ports(client, model, o.seed, *dut);
  if (model.clock_ppm != 0)
    for (std::size_t k = 0; k < dut->in.size(); ++k) {
      dut->clocks.emplace_back(model.clock_ppm,
                               model.clock_ppm > 0 ? kFastQueueFrames : sim::ClockStream::kHalfTaps + 64.0);
      dut->clocked.emplace_back(kMaxBlockFrames, 0.0f);
    }
  jack_set_process_callback(client, process, dut.get());
  if (jack_activate(client) != 0) {
    std::cerr << "outbench-virtual-dut: cannot activate the JACK client\n";
    return 1;
  }
  jack_client_t* analyser = nullptr;
  if (!o.analyser.empty() && !(analyser = open_analyser(client, o.analyser, *dut))) return 1;
  RelayPty pty;
  if (!o.relay_link.empty() && !open_relay_pty(o.relay_link, pty)) return 1;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  std::fprintf(stderr, "outbench-virtual-dut: %s as JACK client '%s' at %.0f Hz%s%s, clock %+.1f ppm\n",
               model.name.c_str(), o.name.c_str(), rate,
               o.relay_link.empty() ? "" : (", relays on " + o.relay_link).c_str(),
               o.analyser.empty() ? "" : (", captured by '" + o.analyser + "'").c_str(), model.clock_ppm);

  std::map<int, bool> on;
  std::vector<unsigned char> buf;
  while (!g_quit) {
    if (pty.master >= 0) {
      unsigned char b[64];
      const ssize_t got = read(pty.master, b, sizeof b);
      if (got > 0) buf.insert(buf.end(), b, b + got);
      apply_lcus_frames(buf, on, relay_ohms, *dut);
    }
    usleep(1000);
  }
  if (analyser) jack_client_close(analyser);
  jack_client_close(client);
  if (!o.relay_link.empty()) std::filesystem::remove(o.relay_link);
  if (pty.slave_keep >= 0) close(pty.slave_keep);
  if (pty.master >= 0) close(pty.master);
  return 0;
}
