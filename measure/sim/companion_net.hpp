// A network of resistors, inductors and capacitors (analysis/network.hpp) in discrete time, for the simulated
// bench's reactive loads and its loopback input's capacitance.
// Method: the trapezoidal rule (the bilinear transform, as the port's coupling capacitor): per frame each element
// is v = R i + h, with R = its resistance, 2L/T (inductor) or T/(2C) (capacitor) and h from its previous voltage
// and current (inductor: -(R i' + v'), capacitor: v' + R i'); a series group sums R and h, a parallel group
// combines them as Norton sources (1/R = sum 1/R_k, h = R sum h_k/R_k). history() computes every h for the
// frame, commit(i) distributes the network's current to its elements (series: the same current; parallel:
// (v - h_k)/R_k) and keeps each element's v and i. Limits: element values > 0 (as the readers require).
#pragma once

#include <vector>

#include "analysis/network.hpp"

namespace outbench::sim {

class CompanionNet {
 public:
  CompanionNet(const NetworkElement& e, double rate_hz) : root_(build(e, 1.0 / rate_hz)) {}
  double resistance_ohms() const { return root_.r; }
  // The network's history voltage this frame: v = resistance_ohms() * i + history().
  double history() { return hist(root_); }
  // The network's current this frame (after history()); returns its voltage.
  double commit(double i) { return commit(root_, i); }

 private:
  struct Node {
    NetworkElement::Kind kind = NetworkElement::Kind::resistor;
    double r = 0, h = 0, v_prev = 0, i_prev = 0;
    std::vector<Node> parts;
  };
  Node root_;

  static Node build(const NetworkElement& e, double t_s) {
    using K = NetworkElement::Kind;
    Node n;
    n.kind = e.kind;
    switch (e.kind) {
      case K::resistor: n.r = e.value; break;
      case K::inductor: n.r = 2.0 * e.value / t_s; break;
      case K::capacitor: n.r = t_s / (2.0 * e.value); break;
      case K::series:
      case K::parallel: {
        double g = 0;
        for (const auto& p : e.parts) {
          n.parts.push_back(build(p, t_s));
          n.r += n.parts.back().r;
          g += 1.0 / n.parts.back().r;
        }
        if (e.kind == K::parallel) n.r = 1.0 / g;
        break;
      }
    }
    return n;
  }
  static double hist(Node& n) {
    using K = NetworkElement::Kind;
    switch (n.kind) {
      case K::resistor: n.h = 0; break;
      case K::inductor: n.h = -(n.r * n.i_prev + n.v_prev); break;
      case K::capacitor: n.h = n.v_prev + n.r * n.i_prev; break;
      case K::series:
        n.h = 0;
        for (auto& p : n.parts) n.h += hist(p);
        break;
      case K::parallel: {
        double j = 0;
        for (auto& p : n.parts) j += hist(p) / p.r;
        n.h = n.r * j;
        break;
      }
    }
    return n.h;
  }
  static double commit(Node& n, double i) {
    using K = NetworkElement::Kind;
    const double v = n.r * i + n.h;
    if (n.kind == K::series)
      for (auto& p : n.parts) commit(p, i);
    else if (n.kind == K::parallel)
      for (auto& p : n.parts) commit(p, (v - p.h) / p.r);
    n.v_prev = v;
    n.i_prev = i;
    return v;
  }
};

}  // namespace outbench::sim
