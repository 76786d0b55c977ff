/* f64_armv6m.S: f64 add, sub and mul for AOT code on ARMv6-M (aot_helpers.c's
 * table entries WR_AOT_HELPER_F64_ADD/SUB/MUL), written from IEEE 754 binary64,
 * round to nearest, ties to even.
 *
 * Calling convention: the run-time ABI's __aeabi_dadd/dsub/dmul (a in r0:r1,
 * b in r2:r3, low word first; the result in r0:r1; r4-r7 kept; r12 and the
 * flags clobbered; 28 bytes of stack at most). Each routine has a fast path
 * for ordinary operands (exponents within 2^±511, so the result is normal
 * before rounding) and hands every other case (zero, subnormal, infinity,
 * NaN, larger or smaller magnitudes, a product that could overflow) to
 * libgcc's routine untouched: a tail call with the operands as they came, so
 * those cases give exactly what they gave before.
 *
 * Only the instructions ARMv6-M has (Cortex-M0+: no CLZ, no UMULL, MULS is
 * 32x32 -> 32), so the same code also runs on any later ARM core in Thumb
 * state (the qemu-arm build of wasmcu-vm). Elsewhere this file is empty. */

#if defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 6 && !defined(__ARM_ARCH_ISA_A64)

    .syntax unified
    .thumb

/* Fallback: restore r4-r7 and jump to libgcc's routine with r0-r3 and lr as
 * the caller left them (B cannot reach far enough, BX through r12 can). */
.macro FALLBACK target
    ldr r4, =\target
    mov r12, r4
    pop {r4-r7}
    bx r12
.endm

/* The fast paths take exponents e in [512, 1536), |x| in [2^-511, 2^513):
 * the exponent's top two bits differ, a test of four instructions. Leaves
 * e in \e; uses r6, r7. */
.macro ORDINARY_OR e, hi, fallback
    lsls r6, \hi, #1          @ the exponent at the top
    lsls r7, r6, #1
    eors r7, r6
    bpl \fallback
    lsrs \e, r6, #21
.endm

/* Add and sub: in that range a sum cannot overflow before rounding (the
 * larger exponent grows by one at most) nor a difference underflow
 * (cancellation removes at most 53 bits, see .Lsub_normalise). Leaves ea in
 * r4, eb in r5. */
.macro ADD_OPERANDS_OR fallback
    ORDINARY_OR r4, r1, \fallback
    ORDINARY_OR r5, r3, \fallback
.endm

/* Both significands, implicit bit included, moved up to bit 63 of r1:r0 and
 * r3:r2: the 11 bits below the result's last place hold guard and sticky. */
.macro SIGNIFICANDS
    movs r5, #1
    lsls r5, r5, #31
    lsls r1, r1, #11
    lsrs r7, r0, #21
    orrs r1, r7
    orrs r1, r5
    lsls r0, r0, #11
    lsls r3, r3, #11
    lsrs r7, r2, #21
    orrs r3, r7
    orrs r3, r5
    lsls r2, r2, #11
.endm

/* r3:r2 >>= r6 (the exponent difference), what falls off ORed into bit 0
 * (sticky), so the sum or difference still rounds as the exact one would.
 * Uses r5, r7. */
.macro ALIGN_B
    cmp r6, #32
    bhs 2f
    movs r5, #32
    subs r5, r5, r6          @ 32 - d; a register shift by 32 gives 0, so d = 0 works
    movs r7, r2
    lsls r7, r7, r5          @ the bits that fall off the low word
    beq 1f
    movs r7, #1
1:  lsrs r2, r2, r6
    orrs r2, r7
    movs r7, r3
    lsls r7, r7, r5
    orrs r2, r7
    lsrs r3, r3, r6
    b 5f
2:  cmp r6, #64
    bhs 4f
    subs r6, r6, #32
    movs r5, #32
    subs r5, r5, r6
    movs r7, r3
    lsls r7, r7, r5          @ the bits that fall off the high word
    orrs r7, r2              @ and the whole low word
    beq 3f
    movs r7, #1
3:  lsrs r3, r3, r6
    movs r2, r3
    orrs r2, r7
    movs r3, #0
    b 5f
4:  movs r2, #1              @ b is below a's last place by far: sticky only
    movs r3, #0
5:
.endm

/* ------------------------------------------------------------ add, sub */

    /* one section: add branches into sub's body with a short B */
    .section .text.wr__f64_addsub, "ax", %progbits
    .global wr__f64_sub
    .type wr__f64_sub, %function
    .thumb_func
    .p2align 2
wr__f64_sub:
    push {r4-r7}
    ADD_OPERANDS_OR .Lsub_fallback
    movs r6, #1
    lsls r6, r6, #31
    eors r3, r6              @ a - b = a + (-b), exactly
    b .Laddsub

.Lsub_fallback:
    FALLBACK __aeabi_dsub
.Ladd_fallback:
    FALLBACK __aeabi_dadd
    .ltorg
    .size wr__f64_sub, . - wr__f64_sub

    /* add falls through into the body it shares with sub */
    .global wr__f64_add
    .type wr__f64_add, %function
    .thumb_func
wr__f64_add:
    push {r4-r7}
    ADD_OPERANDS_OR .Ladd_fallback

/* The shared body of add and sub: a in r1:r0, b in r3:r2, ea in r4, eb in r5,
 * both exponents in range (ADD_OPERANDS_OR), r4-r7 pushed. */
.Laddsub:
    subs r6, r4, r5          @ d = ea - eb
    bhs 1f
    mov r12, r0              @ |b| has the larger exponent: swap, so a does
    mov r0, r2
    mov r2, r12
    mov r12, r1
    mov r1, r3
    mov r3, r12
    negs r6, r6
1:  lsrs r4, r1, #20         @ sign << 11 | exponent: the result's (the sign flipped
                             @ below if |b| > |a|; the exponent never reaches bit 11)
    movs r7, r1
    eors r7, r3
    bmi .Lsub_magnitudes

.Ladd_magnitudes:
    SIGNIFICANDS
    ALIGN_B
    adds r0, r0, r2
    adcs r1, r1, r3
    bcc .Laddsub_round
    movs r5, #1              @ carry out: shift right one, the lost bit into sticky
    ands r5, r0
    lsrs r0, r0, #1
    orrs r0, r5
    lsls r5, r1, #31
    orrs r0, r5
    lsrs r1, r1, #1
    movs r5, #1
    lsls r5, r5, #31
    orrs r1, r5
    adds r4, r4, #1          @ at most 1536: ea < 1536
    b .Laddsub_round

.Lsub_magnitudes:
    SIGNIFICANDS
    ALIGN_B
    subs r0, r0, r2
    sbcs r1, r1, r3
    bcs .Lsub_normalise
    negs r0, r0              @ |b| > |a| (same exponents): negate, flip the sign
    movs r5, #0              @ MOVS #imm keeps C
    sbcs r5, r1
    movs r1, r5
    movs r5, #1
    lsls r5, r5, #11
    eors r4, r5

/* Up to 53 bits cancel (d <= 1: exact, low 10 bits zero) or one (d >= 2), so
 * with ea >= 512 the exponent stays > 400: never subnormal. */
.Lsub_normalise:
    cmp r1, #0
    bmi .Laddsub_round
    bne 2f
    cmp r0, #0
    beq .Lsub_zero
    movs r1, r0              @ a whole word cancelled
    movs r0, #0
    subs r4, r4, #32
    cmp r1, #0
    bmi .Laddsub_round
2:  lsrs r7, r1, #24         @ bytes while the top byte is empty
    bne 3f
    lsls r1, r1, #8
    lsrs r7, r0, #24
    orrs r1, r7
    lsls r0, r0, #8
    subs r4, r4, #8
    b 2b
3:  cmp r1, #0               @ then bits
    bmi .Laddsub_round
4:  subs r4, r4, #1
    adds r0, r0, r0
    adcs r1, r1, r1
    bpl 4b
    b .Laddsub_round

.Lsub_zero:                  @ x - x is +0 when rounding to nearest
    movs r1, #0
    pop {r4-r7}
    bx lr

/* r1:r0 the significand with its top bit at 63, r4 the sign << 11 | the
 * exponent (1..0x7FE): pack and round to nearest even. */
.Laddsub_round:
    subs r4, r4, #1
    lsls r4, r4, #20         @ sign | (e - 1) << 20: the implicit bit adds the 1
    lsls r7, r1, #21
    lsrs r1, r1, #11
    adds r1, r1, r4          @ the high word before rounding
    lsrs r5, r0, #11
    orrs r7, r5              @ the low word before rounding
    lsls r3, r0, #21         @ the bits below the last place; C = the last place
    ldr r2, =0x7FFFFFFF
    adcs r3, r2              @ C = above half, or half and odd: round up
    movs r0, #0
    adcs r0, r7
    movs r2, #0
    adcs r1, r2              @ a carry into the exponent is right, up to infinity
    pop {r4-r7}
    bx lr
    .ltorg
    .size wr__f64_add, . - wr__f64_add

/* ------------------------------------------------------------------ mul */

    .section .text.wr__f64_mul, "ax", %progbits
    .global wr__f64_mul
    .type wr__f64_mul, %function
    .p2align 2
    /* before the entry: the fast path's checks reach it with a short branch */
.Lmul_fallback:
    FALLBACK __aeabi_dmul
    .ltorg
    .thumb_func
wr__f64_mul:
    push {r4-r7}
    /* Fast path: both exponents in [512, 1536) and ea + eb <= 3068, so the
     * exponent ea + eb - 1023 (+1 when the significands' product is >= 2)
     * is in [1, 0x7FE] before rounding. */
    ORDINARY_OR r4, r1, .Lmul_fallback
    ORDINARY_OR r5, r3, .Lmul_fallback
    adds r4, r4, r5
    adds r6, r4, #3
    lsrs r6, r6, #10
    cmp r6, #3
    bhs .Lmul_fallback

    lsrs r4, r1, #20
    lsrs r5, r3, #20
    adds r4, r4, r5          @ (sa + sb) << 11 + ea + eb
    lsls r4, r4, #20         @ bit 11, sa ^ sb, to the sign; the carry out of it gone
    movs r6, #3
    lsls r6, r6, #30
    adds r4, r4, r6          @ - 1024 << 20: ea + eb - 1024 is in [0, 2044]
    mov r12, r4              @ sign | (e - 1) << 20 for a product below 2

    movs r6, #1              @ the significands: A1:A0 and B1:B0, A1, B1 < 2^21
    lsls r6, r6, #20
    lsls r1, r1, #12
    lsrs r1, r1, #12
    orrs r1, r6
    lsls r3, r3, #12
    lsrs r3, r3, #12
    orrs r3, r6

    /* 16-bit limbs: A0 = a1:a0, A1 = a3:a2, B0 = b1:b0, B1 = b3:b2; a3, b3 < 32.
     * P = A1*B1 << 64 + (A1*B0 + A0*B1) << 32 + A0*B0, < 2^106. */

    /* A1*B1 = a2*b2 + (a2*b3 + a3*B1) << 16 (the middle term < 2^27) */
    uxth r4, r1
    uxth r6, r3
    muls r4, r6
    lsrs r5, r1, #16
    muls r5, r3
    uxth r6, r1
    lsrs r7, r3, #16
    muls r7, r6
    adds r5, r5, r7
    lsls r7, r5, #16
    lsrs r5, r5, #16
    adds r4, r4, r7
    movs r7, #0
    adcs r5, r7
    mov r6, r12
    push {r4-r6}             @ A1*B1 low, high; sign and exponent

    /* X = A1*B0 + A0*B1 < 2^54 in r5:r4 */
    uxth r4, r1
    uxth r6, r2
    muls r4, r6              @ a2*b0
    lsrs r7, r1, #16
    muls r7, r6              @ a3*b0 < 2^21
    mov r12, r7
    uxth r7, r3
    uxth r6, r0
    muls r6, r7              @ a0*b2
    movs r5, #0
    adds r4, r4, r6
    adcs r5, r5
    lsrs r6, r0, #16
    muls r6, r7              @ a1*b2
    lsls r7, r6, #16
    lsrs r6, r6, #16
    adds r4, r4, r7
    adcs r5, r6
    lsrs r6, r2, #16
    uxth r7, r1
    muls r6, r7              @ a2*b1
    lsls r7, r6, #16
    lsrs r6, r6, #16
    adds r4, r4, r7
    adcs r5, r6
    lsrs r6, r3, #16
    uxth r7, r0
    muls r6, r7              @ a0*b3 < 2^21
    add r6, r12              @ + a3*b0 < 2^22
    lsls r7, r6, #16
    lsrs r6, r6, #16
    adds r4, r4, r7
    adcs r5, r6
    lsrs r6, r3, #16
    lsrs r7, r0, #16
    muls r6, r7              @ a1*b3 < 2^21
    adds r5, r5, r6
    lsrs r6, r1, #16
    lsrs r7, r2, #16
    muls r6, r7              @ a3*b1 < 2^21
    adds r5, r5, r6

    /* A0*B0 in r2:r6 */
    uxth r1, r0
    lsrs r0, r0, #16
    uxth r3, r2
    lsrs r2, r2, #16
    movs r6, r1
    muls r6, r3              @ a0*b0
    muls r3, r0              @ a1*b0
    muls r1, r2              @ a0*b1
    muls r2, r0              @ a1*b1
    adds r1, r1, r3          @ the middle terms, 33 bits
    bcc 1f
    movs r3, #1
    lsls r3, r3, #16
    adds r2, r2, r3
1:  lsls r3, r1, #16
    lsrs r1, r1, #16
    adds r6, r6, r3
    adcs r2, r1

    /* P = W3:W2:W1:W0 in r1:r5:r4:r6, the sign and exponent in r2 */
    adds r4, r4, r2          @ W1
    pop {r0-r2}
    adcs r5, r0              @ W2
    movs r0, #0
    adcs r1, r0              @ W3 < 2^10

    /* The significand's top bit is P's bit 105 (c = 1) or 104 (c = 0): shift
     * P right by 53 - 1 + c... as k = 12 - c from W3:W2:W1, so the implicit
     * bit lands on bit 20 of the high word; what is below is rounding. */
    lsrs r3, r1, #9          @ c
    lsls r7, r3, #20
    adds r2, r2, r7          @ the exponent + c
    movs r7, #12
    subs r7, r7, r3          @ k
    movs r0, #32
    subs r0, r0, r7          @ 32 - k
    lsls r1, r1, r7
    movs r3, r5
    lsrs r3, r3, r0
    orrs r1, r3              @ the high word's significand bits
    lsls r5, r5, r7
    movs r3, r4
    lsrs r3, r3, r0
    orrs r5, r3              @ the low word before rounding
    lsls r4, r4, r7          @ the bits below the last place
    cmp r6, #0               @ W0: sticky
    beq 2f
    adds r4, r4, #1
2:  adds r1, r1, r2          @ the high word before rounding
    ldr r0, =0x7FFFFFFF
    lsrs r3, r5, #1          @ C = the last place
    adcs r4, r0              @ C = round up (nearest, ties to even)
    movs r0, #0
    adcs r0, r5
    movs r2, #0
    adcs r1, r2              @ a carry into the exponent is right, up to infinity
    pop {r4-r7}
    bx lr
    .ltorg
    .size wr__f64_mul, . - wr__f64_mul

#endif
