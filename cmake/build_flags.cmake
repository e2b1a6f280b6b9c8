# Optimisation and debug-info levels. Line tables only (-g1): backtraces, gdb and sanitizer reports
# keep file:line, while full debug info made the build a third slower (docs/testing.md, "Build time").
# The sanitizer build uses -O1, ASan's recommended level: reports stay exact and it compiles in
# about half the time of -O2.
if(DF_SANITIZE)
  set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -g1 -DNDEBUG")
else()
  set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O2 -g1 -DNDEBUG")
endif()

# Unity builds: each target's sources are compiled in batches of a few files, so the Asio, Beast,
# JSON and spdlog headers and their template instances are compiled once per batch instead of once
# per file (about 40 % less CPU; docs/testing.md, "Build time"). Names in anonymous namespaces must
# therefore be unique within a target. -DDF_UNITY_BUILD=OFF builds file by file.
option(DF_UNITY_BUILD "Compile each target's sources in batches (unity build)" ON)
if(DF_UNITY_BUILD)
  set(CMAKE_UNITY_BUILD ON)
  set(CMAKE_UNITY_BUILD_BATCH_SIZE 6)
  # GCC takes the .cpp files a unity source includes for headers and then warns that a coroutine
  # frame in them holds a type with internal linkage; each file is still included exactly once.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-subobject-linkage)
  endif()
endif()
