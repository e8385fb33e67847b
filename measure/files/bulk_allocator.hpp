// An allocator for long sample buffers: blocks of 1 MiB or more come straight from mmap with
// MADV_HUGEPAGE over their whole 2 MiB pages (the tail on small pages, so that no huge page is resident for
// a few bytes), so a 60 s, 96 kHz file costs a few dozen page faults instead of tens of thousands (on this
// kind of virtual machine each fault costs more than the FFT of the data). Smaller blocks use operator new.
// Elements are default-initialised (resize() does not zero: the buffer is about to be filled).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>
#include <utility>

namespace outbench {

template <class T>
struct BulkAllocator {
  using value_type = T;
  static constexpr std::size_t kBulkBytes = std::size_t{1} << 20;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  BulkAllocator() = default;
  template <class U>
  BulkAllocator(const BulkAllocator<U>&) noexcept {}
  // Whole huge pages mapped (Linux aligns such a mapping to a huge page); advised only where filled.
  static std::size_t rounded(std::size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kBulkBytes) return static_cast<T*>(::operator new(bytes));
    void* p = ::mmap(nullptr, rounded(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    ::madvise(p, bytes / kHugePage * kHugePage, MADV_HUGEPAGE);
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kBulkBytes)
      ::operator delete(p);
    else
      ::munmap(p, rounded(bytes));
  }
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  bool operator==(const BulkAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace outbench
