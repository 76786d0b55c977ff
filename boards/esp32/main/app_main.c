/* ESP-IDF calls app_main on its main task; the device loop takes it over and never returns. */
#include "device.h"

void app_main(void);

void app_main(void)
{
    (void)wasmcu_device_main();
}
