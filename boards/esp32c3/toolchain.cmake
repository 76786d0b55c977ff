# Cross compiler for the ESP32-C3 (RV32IMC): Debian's riscv64-unknown-elf-gcc with picolibc.
# Selected by the root CMakeLists.txt for -DWASMCU_BOARD=esp32c3.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)

find_program(WASMCU_RISCV_GCC riscv64-unknown-elf-gcc)
if(NOT WASMCU_RISCV_GCC)
  message(FATAL_ERROR
    "riscv64-unknown-elf-gcc not found: the esp32c3 board is built with the RISC-V bare-metal toolchain.\n"
    "  Debian/Ubuntu: apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf\n"
    "  (scripts/apt-packages.txt lists every package the project needs).")
endif()
get_filename_component(_wasmcu_rv_bin "${WASMCU_RISCV_GCC}" DIRECTORY)
find_program(WASMCU_RISCV_OBJCOPY riscv64-unknown-elf-objcopy HINTS "${_wasmcu_rv_bin}")
if(NOT WASMCU_RISCV_OBJCOPY)
  message(FATAL_ERROR "riscv64-unknown-elf-objcopy not found next to ${WASMCU_RISCV_GCC} (package binutils-riscv64-unknown-elf)")
endif()

set(CMAKE_C_COMPILER "${WASMCU_RISCV_GCC}")
set(CMAKE_ASM_COMPILER "${WASMCU_RISCV_GCC}")
set(CMAKE_OBJCOPY "${WASMCU_RISCV_OBJCOPY}" CACHE FILEPATH "objcopy for the esp32c3 images")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Compile with Zicsr (the CSR instructions of start-up, interrupts and the cycle counter);
# link with plain rv32imc: GCC 12 chooses the multilib from the link's -march, and only
# "rv32imc" maps to picolibc's rv32im build (no atomics: the C3 has no A extension).
set(CMAKE_C_FLAGS_INIT "-march=rv32imc_zicsr -mabi=ilp32 --specs=picolibc.specs -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "-march=rv32imc_zicsr -mabi=ilp32")
set(CMAKE_C_FLAGS_RELEASE_INIT "-g")
# --specs=picolibc.specs comes with the C flags, which CMake puts on the link line too.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-march=rv32imc -mabi=ilp32 -nostartfiles -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
