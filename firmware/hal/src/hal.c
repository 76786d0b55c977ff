#include "hal.h"

const char *hal_status_str(hal_status s)
{
    switch (s) {
    case HAL_OK: return "ok";
    case HAL_ERR_PARAM: return "bad parameter";
    case HAL_ERR_IO: return "i/o error";
    case HAL_ERR_TIMEOUT: return "timeout";
    case HAL_ERR_NACK: return "no acknowledge";
    case HAL_ERR_UNSUPPORTED: return "unsupported";
    }
    return "unknown hal status";
}
