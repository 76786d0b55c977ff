/* All link command dispatch: frames from a wasmcu host and the MLPerf Tiny runner's text
 * commands, routed to the services that run them; every frame command gets one ACK with
 * the link status its handler returns (after any DATA the handler sent). */
#include "dispatch.h"

#include <string.h>

#include "app.h"
#include "deploy.h"
#include "events.h"
#include "hal.h"
#include "hello.h"
#include "link.h"
#include "mlperf.h"
#include "model.h"
#include "update.h"

/* Recently answered non-idempotent commands: a retransmitted one is answered again, not redone. */
#define RECENT 8u
typedef struct {
    uint16_t seq;
    uint8_t type, status;
    bool used;
} answered;
static answered recent[RECENT];
static unsigned recent_next;

static void ack(uint16_t seq, link_status st, const char *detail)
{
    uint8_t s = (uint8_t)st;
    link_send(LINK_ACK, seq, &s, 1, (const uint8_t *)detail, detail ? strlen(detail) : 0);
}

static bool replay(uint8_t type, uint16_t seq)
{
    for (unsigned i = 0; i < RECENT; i++) {
        if (recent[i].used && recent[i].seq == seq && recent[i].type == type) {
            ack(seq, (link_status)recent[i].status, NULL);
            return true;
        }
    }
    return false;
}

static void remember(uint8_t type, uint16_t seq, link_status st)
{
    recent[recent_next] = (answered){ .seq = seq, .type = type, .status = (uint8_t)st, .used = true };
    recent_next = (recent_next + 1u) % RECENT;
}

/* Commands whose repeat (a retransmission after a lost answer) must not run again. */
static bool run_once(uint8_t type)
{
    return type == LINK_CMD_WRITE_BEGIN || type == LINK_CMD_VERIFY || type == LINK_CMD_ACTIVATE ||
           type == LINK_CMD_APP || type == LINK_CMD_RESET || type == LINK_CMD_MODEL_INVOKE ||
           type == LINK_CMD_MODEL_RESET || type == LINK_CMD_OTA_BEGIN || type == LINK_CMD_OTA_CONFIRM ||
           type == LINK_CMD_RECOVERY;
}

/* Runs one command; *answered is set when nothing is left for the dispatcher to send. */
static link_status run(uint8_t type, uint16_t seq, const uint8_t *p, size_t n, const char **detail, bool *answered)
{
    switch (type) {
    case LINK_CMD_INFO: return hello_reply(seq, p, n);
    case LINK_CMD_WRITE_BEGIN: return deploy_begin(p, n, detail);
    case LINK_CMD_WRITE_DATA: return deploy_data(p, n);
    case LINK_CMD_VERIFY: return deploy_verify(seq);
    case LINK_CMD_ACTIVATE: {
        link_status st = deploy_activate();
        if (st == LINK_OK) app_request(APP_RESTART);
        return st;
    }
    case LINK_CMD_APP:
        if (n != 1 || p[0] > 1) return LINK_E_ARGS;
        app_request(p[0] ? APP_RESTART : APP_STOP);
        return LINK_OK;
    case LINK_CMD_RESET:
        ack(seq, LINK_OK, NULL);
        hal_link_flush();
        hal_reset();
        *answered = true;
        return LINK_OK;
    case LINK_CMD_RECOVERY: {
        link_status st = update_recovery_allowed(detail);
        if (st != LINK_OK) return st;
        ack(seq, LINK_OK, NULL);
        hal_link_flush();
        (void)hal_reset_to_recovery(); /* returns only on a board with no bootloader, refused above */
        *answered = true;
        return LINK_OK;
    }
    case LINK_CMD_READ: return deploy_read(seq, p, n);
    case LINK_CMD_CALL:
        /* Answered by the main loop once the call has run; a repeat waits for that answer. */
        if (!app_call_pending(seq)) {
            if (n == 0 || n > 31) return LINK_E_ARGS;
            app_request_call(seq, p, n);
        }
        *answered = true;
        return LINK_OK;
    case LINK_CMD_MODEL_INFO: return model_cmd_info(seq, p, n, detail);
    case LINK_CMD_MODEL_INPUT: return model_cmd_input(p, n, detail);
    case LINK_CMD_MODEL_INVOKE: return model_cmd_invoke(seq, detail);
    case LINK_CMD_MODEL_OUTPUT: return model_cmd_output(seq, p, n, detail);
    case LINK_CMD_MODEL_RESET: return model_cmd_reset(detail);
    case LINK_CMD_OTA_BEGIN: return update_begin(p, n, detail);
    case LINK_CMD_OTA_DATA: return update_data(p, n, detail);
    case LINK_CMD_OTA_FINISH: return update_finish(seq, detail);
    case LINK_CMD_OTA_CONFIRM: return update_confirm(detail);
    case LINK_CMD_OTA_STATUS: return update_status(seq, p, n);
    default:
        /* A device → host frame echoed back is not for us. */
        *answered = type < 0x40;
        return LINK_E_UNKNOWN;
    }
}

void dispatch_frame(uint8_t type, uint16_t seq, const uint8_t *p, size_t n)
{
    /* A frame means a wasmcu host is talking: events flow again. */
    events_hold(false);
    bool once = run_once(type);
    if (once && replay(type, seq)) return;
    const char *detail = NULL;
    bool answered = false;
    link_status st = run(type, seq, p, n, &detail, &answered);
    if (answered) return;
    if (once) remember(type, seq, st);
    ack(seq, st, detail);
}

void dispatch_text(const char *text, size_t len)
{
    /* The MLPerf runner reads lines: from its first command on, no event frame lands among them. */
    events_hold(true);
    mlperf_command(text, len);
}
