#pragma once
#include <stdint.h>
typedef uint32_t TickType_t;
typedef int BaseType_t;
#define configTICK_RATE_HZ 1000
#define portMAX_DELAY      ((TickType_t)0xffffffffu)
#define pdTRUE             1
#define pdFALSE            0
#define pdMS_TO_TICKS(ms)  ((TickType_t)(((TickType_t)(ms)*configTICK_RATE_HZ) / 1000u))
typedef struct QueueDefinition *QueueHandle_t;
typedef struct tskTaskControlBlock *TaskHandle_t;
