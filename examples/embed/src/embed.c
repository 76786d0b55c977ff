/* The product's firmware logic over the two libraries' public headers (see embed.h).
 * All memory is static and sized here: the figures printed say how much of it was used. */
#include "embed.h"

#include <string.h>

#include "nn.h"
#include "wr.h"

/* Runtime: everything the store, the module and the instance need comes from this buffer. */
#define RUNTIME_ARENA_BYTES (16u * 1024u)
/* The app's linear memory: less than one 64 KiB page is backed (its data fits in 4 KiB). */
#define APP_MEMORY_BYTES    4096u
#define APP_STACK_SLOTS     256u /* 8 bytes each */
#define APP_CALL_DEPTH      16u
/* Fuel per call into the app: one unit per wasm call and per backward branch (natives are
 * not counted). run() takes one unit per reading; spin() would take all there is. */
#define APP_FUEL            10000u
/* Engine: activations, scratch and the interpreter (hello_world_int8 needs well under this). */
#define MODEL_ARENA_BYTES   (8u * 1024u)
/* Most readings one run() may turn into outputs: the app keeps them at 0x200..0x2ff. */
#define MAX_READINGS        256u

static uint8_t runtime_arena[RUNTIME_ARENA_BYTES] __attribute__((aligned(8)));
static uint8_t model_arena[MODEL_ARENA_BYTES] __attribute__((aligned(16)));

typedef struct product {
    const embed_io *io;
    nn_interp *model;
    uint64_t infer_time; /* summed over the run, in io->clock_unit */
    uint32_t infers;
} product;

/* ------------------------------------------------------------ text without printf */
typedef struct line {
    char text[128];
    size_t len;
} line;

static void put(line *l, const char *s)
{
    while (*s != '\0' && l->len + 1u < sizeof l->text) l->text[l->len++] = *s++;
    l->text[l->len] = '\0';
}

static void put_u64(line *l, uint64_t v)
{
    char digits[21];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + (v % 10u));
        v /= 10u;
    } while (v != 0u);
    char out[22];
    for (size_t i = 0; i < n; i++) out[i] = digits[n - 1u - i];
    out[n] = '\0';
    put(l, out);
}

static void put_hex8(line *l, uint8_t v)
{
    static const char hex[] = "0123456789abcdef";
    const char out[3] = { hex[v >> 4], hex[v & 0xfu], '\0' };
    put(l, out);
}

/* "WHAT USED of SIZE bytes": how much of a static buffer a step took. */
static void put_budget(line *l, const char *what, uint64_t used, uint64_t size)
{
    put(l, what);
    put_u64(l, used);
    put(l, " of ");
    put_u64(l, size);
    put(l, " bytes");
}

static void say(const embed_io *io, const char *a, const char *b)
{
    line l = { .len = 0 };
    put(&l, a);
    put(&l, b);
    put(&l, "\n");
    io->print(l.text);
}

/* ------------------------------------------------------------ the product's natives */
/* product.sensor_read(index) -> reading: the product's own driver (here, recorded samples). */
static wr_status native_sensor_read(wr_native_ctx *ctx, const wr_arg *args, wr_arg *results)
{
    const product *p = wr_native_user(ctx);
    if (args[0].i32 < 0 || (size_t)args[0].i32 >= p->io->samples.len) {
        return wr_native_trap(ctx, "sensor_read: no such reading");
    }
    results[0].i32 = (int8_t)p->io->samples.data[args[0].i32];
    return WR_OK;
}

/* product.model_infer(input, input_len, output, output_len) -> output bytes written.
 * Both ranges are checked against the app's memory by the runtime ("*~") before this runs;
 * the lengths are checked against the model's tensors here. */
static wr_status native_model_infer(wr_native_ctx *ctx, const wr_arg *args, wr_arg *results)
{
    product *p = wr_native_user(ctx);
    nn_tensor_info in, out;
    if (nn_input(p->model, 0, &in) != NN_OK || nn_output(p->model, 0, &out) != NN_OK) {
        return wr_native_trap(ctx, "model_infer: the model has no input or output 0");
    }
    if ((size_t)args[1].i32 != in.bytes || (size_t)args[3].i32 < out.bytes) {
        return wr_native_trap(ctx, "model_infer: buffer sizes do not match the model's tensors");
    }
    memcpy(in.data, args[0].ptr, in.bytes);
    const uint64_t t0 = p->io->clock != NULL ? p->io->clock() : 0u;
    if (nn_invoke(p->model) != NN_OK) return wr_native_trap(ctx, nn_last_error(p->model));
    if (p->io->clock != NULL) p->infer_time += p->io->clock() - t0;
    p->infers++;
    memcpy(args[2].ptr, out.data, out.bytes);
    results[0].i32 = (int32_t)out.bytes;
    return WR_OK;
}

static product the_product;
static const wr_native natives[] = {
    { "product", "sensor_read", "(i)i", native_sensor_read, &the_product },
    { "product", "model_infer", "(*~*~)i", native_model_infer, &the_product },
};

/* ------------------------------------------------------------ steps */
static embed_status start_model(const embed_io *io, product *p)
{
    size_t need = 0;
    nn_error err;
    if (nn_arena_bytes(io->model.data, io->model.len, &need, &err) != NN_OK) {
        say(io, "model: ", err.message);
        return EMBED_ERR_MODEL;
    }
    line l = { .len = 0 };
    put_budget(&l, "model: arena ", need, MODEL_ARENA_BYTES);
    put(&l, "\n");
    io->print(l.text);
    if (need > sizeof model_arena) return EMBED_ERR_MODEL;
    if (nn_init(&p->model, io->model.data, io->model.len, model_arena, sizeof model_arena, &err) != NN_OK) {
        say(io, "model: ", err.message);
        return EMBED_ERR_MODEL;
    }
    return EMBED_OK;
}

static embed_status start_app(const embed_io *io, wr_store **store, wr_instance **app)
{
    static wr_bump bump;
    wr_allocator alloc;
    wr_limits lim;
    wr_module *m = NULL;
    wr_bump_init(&bump, &alloc, runtime_arena, sizeof runtime_arena);
    wr_limits_default(&lim);
    lim.max_memory_bytes = APP_MEMORY_BYTES;
    lim.stack_slots = APP_STACK_SLOTS;
    lim.call_depth = APP_CALL_DEPTH;
    if (wr_store_new(&alloc, &lim, store) != WR_OK) {
        say(io, "app: ", "the runtime arena is too small for a store");
        return EMBED_ERR_RUNTIME;
    }
    if (wr_store_add_natives(*store, natives, sizeof natives / sizeof natives[0]) != WR_OK ||
        wr_module_load(*store, io->app.data, io->app.len, &m) != WR_OK || wr_instantiate(*store, m, app) != WR_OK) {
        say(io, "app: ", wr_store_error(*store));
        return EMBED_ERR_RUNTIME;
    }
    wr_store_stats st;
    wr_store_stats_get(*store, &st);
    line l = { .len = 0 };
    put_budget(&l, "app: runtime arena ", st.peak_bytes, RUNTIME_ARENA_BYTES);
    put(&l, " (app memory ");
    put_u64(&l, APP_MEMORY_BYTES);
    put(&l, ")\n");
    io->print(l.text);
    return EMBED_OK;
}

static embed_status run_app(const embed_io *io, wr_store *store, wr_instance *app, product *p)
{
    wr_func *run = wr_instance_func(app, "run");
    wr_global *outputs = wr_instance_global(app, "outputs");
    if (run == NULL || outputs == NULL) {
        say(io, "app: ", "no run export or outputs global");
        return EMBED_ERR_RUNTIME;
    }
    const uint32_t n = io->samples.len < MAX_READINGS ? (uint32_t)io->samples.len : MAX_READINGS;
    wr_value arg = { .type = WR_I32, .of.i32 = (int32_t)n }, res, at;
    wr_store_set_fuel(store, APP_FUEL);
    if (wr_call(run, &arg, 1, &res, 1) != WR_OK) {
        say(io, "app: ", wr_store_error(store));
        return EMBED_ERR_RUNTIME;
    }
    wr_global_get(outputs, &at);
    uint8_t bytes[MAX_READINGS];
    const uint32_t got = (uint32_t)res.of.i32;
    if (got > n || wr_memory_read(wr_instance_memory(app), (uint32_t)at.of.i32, bytes, got) != WR_OK) {
        say(io, "app: ", "outputs out of range");
        return EMBED_ERR_RUNTIME;
    }
    line l = { .len = 0 };
    put(&l, "app: run used ");
    put_u64(&l, APP_FUEL - wr_store_fuel(store));
    put(&l, " fuel, ");
    put_u64(&l, p->infers);
    put(&l, " inferences");
    if (io->clock != NULL) {
        put(&l, ", ");
        put_u64(&l, p->infer_time / (p->infers != 0u ? p->infers : 1u));
        put(&l, " ");
        put(&l, io->clock_unit);
        put(&l, " each");
    }
    put(&l, "\n");
    io->print(l.text);
    /* Printed in lines of 32 bytes: the line buffer is small on purpose. */
    for (uint32_t i = 0; i < got; i += 32u) {
        line o = { .len = 0 };
        put(&o, "outputs:");
        for (uint32_t j = i; j < got && j < i + 32u; j++) {
            put(&o, " ");
            put_hex8(&o, bytes[j]);
        }
        put(&o, "\n");
        io->print(o.text);
    }
    return EMBED_OK;
}

static embed_status stop_runaway(const embed_io *io, wr_store *store, wr_instance *app)
{
    wr_func *spin = wr_instance_func(app, "spin");
    if (spin == NULL) return EMBED_ERR_RUNTIME;
    wr_store_set_fuel(store, APP_FUEL);
    const wr_status st = wr_call(spin, NULL, 0, NULL, 0);
    say(io, "spin: ", st == WR_TRAP_FUEL ? "stopped by the fuel budget" : wr_status_name(st));
    return st == WR_TRAP_FUEL ? EMBED_OK : EMBED_ERR_FUEL;
}

const char *embed_status_str(embed_status st)
{
    switch (st) {
    case EMBED_OK: return "ok";
    case EMBED_ERR_RUNTIME: return "runtime error";
    case EMBED_ERR_MODEL: return "model error";
    case EMBED_ERR_FUEL: return "fuel did not stop a runaway loop";
    }
    return "unknown status";
}

embed_status embed_run(const embed_io *io)
{
    product *p = &the_product;
    memset(p, 0, sizeof *p);
    p->io = io;
    wr_store *store = NULL;
    wr_instance *app = NULL;
    embed_status st = start_model(io, p);
    if (st == EMBED_OK) st = start_app(io, &store, &app);
    if (st == EMBED_OK) st = run_app(io, store, app, p);
    if (st == EMBED_OK) st = stop_runaway(io, store, app);
    if (store != NULL) wr_store_delete(store);
    say(io, "embed: ", embed_status_str(st));
    return st;
}
