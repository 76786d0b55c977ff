/* The firmware image's entry when firmware/device is built: the device loop owns everything. */
#include "device.h"

int main(void);

int main(void)
{
    return wasmcu_device_main();
}
