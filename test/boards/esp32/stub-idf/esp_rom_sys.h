#pragma once
#include <stdint.h>
int esp_rom_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void esp_rom_delay_us(uint32_t us);
