#pragma once
// An invariant check for fuzz targets: aborts (a finding) when it does not hold.
#include <cstdlib>

#define DF_FUZZ_CHECK(cond) \
  do {                      \
    if (!(cond)) std::abort(); \
  } while (0)
