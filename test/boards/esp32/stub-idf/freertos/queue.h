#pragma once
#include "freertos/FreeRTOS.h"
BaseType_t xQueueReceive(QueueHandle_t q, void *item, TickType_t wait);
BaseType_t xQueueGenericReset(QueueHandle_t q, BaseType_t new_queue);
#define xQueueReset(q) xQueueGenericReset((q), pdFALSE)
