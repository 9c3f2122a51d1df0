# Warning and sanitizer flags shared by every Coxswain target.
add_library(cox_compile_options INTERFACE)
target_compile_options(cox_compile_options INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough)
if(COX_WERROR)
    target_compile_options(cox_compile_options INTERFACE -Werror)
endif()
# Bounds checks in AtomicBuffer and flyweights are on in debug and sanitizer builds.
if(CMAKE_BUILD_TYPE STREQUAL "Debug" OR COX_SANITIZE)
    target_compile_definitions(cox_compile_options INTERFACE COX_BOUNDS_CHECK=1)
endif()

if(COX_SANITIZE STREQUAL "address")
    set(_cox_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
elseif(COX_SANITIZE STREQUAL "thread")
    set(_cox_san -fsanitize=thread -fno-omit-frame-pointer)
elseif(COX_SANITIZE)
    message(FATAL_ERROR "COX_SANITIZE must be empty, 'address' or 'thread', not '${COX_SANITIZE}'")
endif()
if(_cox_san)
    # GCC 12 reports maybe-uninitialized false positives inside libstdc++ (std::regex, std::function)
    # once sanitizer instrumentation is on; the plain build keeps the warning as an error.
    add_compile_options(-Wno-maybe-uninitialized)
    add_compile_options(${_cox_san})
    add_link_options(${_cox_san})
endif()
