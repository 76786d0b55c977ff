// wasmcu-vm for 32-bit ARM with the AOT loader able to run: Thumb code on an ARMv7-A core
// (qemu-arm's default CPU runs the ARMv6-M subset the compiler emits), soft-float, newlib over
// semihosting. host/load.c copies each image into an array the linker puts in a writable and
// executable segment (qemu-arm's heap is not executable), as flashing puts an image in XIP flash.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { vmIncludes, vmSources } from "./cross-vm.ts";

export const AOT_VM_FLAGS = ["-mthumb", "-mcpu=cortex-a7", "-mfloat-abi=soft", "--specs=rdimon.specs", "-Os", "-std=c11", "-Wall", "-Wextra", "-Werror", "-fno-math-errno"];

/** Builds it in `dir`; returns the ELF's path. */
export function buildAotVm(dir: string): string {
  const elf = path.join(dir, "wasmcu-vm-aot.elf");
  const cc = spawnSync("arm-none-eabi-gcc", [
    ...AOT_VM_FLAGS, ...vmIncludes.map((d) => `-I${d}`), ...vmSources, "-o", elf, "-lm",
    // the image array's segment is writable and executable on purpose (see host/load.c)
    "-Wl,--no-warn-rwx-segments",
  ], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
  return elf;
}
