// The heap of a one-shot process (`outbench analyze`) on transparent huge pages.
//
// Method: an analysis makes each large FFTW plan once or twice; a real-input plan's twiddle tables (~9 bytes per
// point: 4.7 MB for 0.5 M points; the half-size plans of the longest transforms are small, see fft.hpp) and
// the FFT buffers of a one-shot process are malloc'ed, and on this kind of virtual
// machine every freshly touched 4 KiB page costs ~15 us (~4 ms per MB; ~1 ms per MB on 2 MiB pages): a plan's
// page faults cost more than its twiddles and its transform together. serve_blocks_from_a_huge_page_heap(),
// called once before the work, serves every block below 32 MiB from glibc's brk heap, grows that heap by
// `reserve_bytes` at once and advises huge pages over it, and never trims it: twiddle tables fault in 2 MiB at
// a time, and the next plan reuses the pages the last one freed.
// Limits: the heap's pages stay resident until the process ends (its peak memory is the heap's high-water mark,
// rounded to 2 MiB pages); sample and FFT buffers of 1 MiB or more do not come from it (BulkAllocator and
// RealFft map their own, also on huge pages). Where the heap cannot grow by brk (glibc then maps arenas), only
// the mallopt() settings apply. Linux and glibc only; for a process that runs one analysis and exits.
#pragma once

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace outbench {

inline void serve_blocks_from_a_huge_page_heap(std::size_t reserve_bytes = std::size_t{64} << 20) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_ARENA_MAX, 1);  // one heap for every thread: a plan made on another thread takes the same pages
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
  ::mallopt(M_TOP_PAD, static_cast<int>(reserve_bytes));
  // A block larger than anything free makes the heap grow by brk: by the block plus the pad.
  void* probe = ::malloc(kHuge);
  const auto at = reinterpret_cast<std::uintptr_t>(probe);
  const auto end = reinterpret_cast<std::uintptr_t>(::sbrk(0));
  const std::uintptr_t lo = (at + kHuge - 1) / kHuge * kHuge, hi = end / kHuge * kHuge;
  // Only where the probe lies in the brk heap just grown (not in a mapped arena).
  if (probe && end != static_cast<std::uintptr_t>(-1) && lo < hi && hi - at <= reserve_bytes + 2 * kHuge)
    ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
  ::free(probe);
  ::mallopt(M_TOP_PAD, 128 << 10);  // glibc's default: growth past the reserve in small steps
}

}  // namespace outbench
