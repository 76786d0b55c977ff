/* The host board's boot step (README.md, "Firmware files"): boards/rp2040/boot's job for a
 * process whose firmware banks are files. */
#ifndef WASMCU_HOST_BOOT_H
#define WASMCU_HOST_BOOT_H

#include <stdbool.h>

/* First install, as a programmer writes the rp2040's first UF2: `image` (a signed firmware
 * image) into FLASH.fw_a when neither firmware file holds an image yet. NULL or a message. */
const char *host_boot_install(const char *flash_path, const char *image);

/* Called at the start of every wasmcu-host process, after hal_host_setup. A process the boot
 * step started from a firmware file, or a board without firmware files, returns -1 and runs
 * as the firmware. Otherwise this process becomes the board's boot step and reset line: it
 * takes the boot decision, runs the chosen firmware file's executable as a child, takes its
 * resets, crashes and failed boots (as watchdog resets), decides again, and returns the exit
 * status of the board only when the board stops (a power cut, no bootable firmware). */
int host_boot(const char *flash_path, char **argv);

#endif
