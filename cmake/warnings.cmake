# Project-wide compiler flags: warnings on, sanitizers on request.
add_compile_options(-Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
# GCC 12 reports a false positive inside Asio's coroutine frame allocator (GCC bug 109224).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wno-mismatched-new-delete)
endif()
if(DF_SANITIZE)
  # Every report stops the process (UBSan would otherwise print and go on, and a test could pass).
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # Coverage for the libFuzzer targets built in the same tree; the ASan runtime supplies the
    # callbacks, so the daemons and tests link and run without libFuzzer.
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
endif()
if(DF_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # clang 14's -fsanitize=function cannot emit its prologue data for split coroutine frames
  # ("Cannot represent a difference across sections"); GCC's UBSan has no such check either.
  add_compile_options(-fno-sanitize=function)
endif()
# Asio and Beast are compiled once (src/net/asio_impl.cpp) instead of in every translation unit.
add_compile_definitions(BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
                        BOOST_ASIO_NO_DEPRECATED)
