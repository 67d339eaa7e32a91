/* sched_fx.h — shared by the tests of head/sched: builds synthetic clusters
 * (ids from a number, resources from whole or fractional units) and places
 * tasks with or without applying them. */
#ifndef RC_SCHED_FX_H
#define RC_SCHED_FX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "res.h"
#include "sched.h"

#define GIB (INT64_C(1) << 30)

static inline rc_id_t fx_id(unsigned i)
{
    rc_id_t id = RC_ID_NIL;
    id.b[0] = 0xab;
    id.b[12] = (uint8_t)(i >> 24);
    id.b[13] = (uint8_t)(i >> 16);
    id.b[14] = (uint8_t)(i >> 8);
    id.b[15] = (uint8_t)i;
    return id;
}

/* A resource vector from whole/fractional units; memory in GiB. */
static inline rc_res_t fx_res(double cpu, double gpu, double mem_gib, double obj_gib)
{
    rc_res_t r = RC_RES_INIT;
    r.cpu = rc_res_from_double(cpu);
    r.gpu = rc_res_from_double(gpu);
    r.memory = (int64_t)(mem_gib * (double)GIB) * RC_RES_SCALE;
    r.object_store_memory = (int64_t)(obj_gib * (double)GIB) * RC_RES_SCALE;
    return r;
}

static inline rc_sched_t *fx_new(double threshold, uint64_t seed)
{
    rc_sched_opts_t o;
    rc_sched_opts_default(&o);
    o.spread_threshold = threshold;
    o.seed = seed;
    return rc_sched_new(&o);
}

/* Adds node i (ALIVE, everything available) in group (may be NULL). */
static inline uint32_t fx_add(rc_sched_t *s, unsigned i, const rc_res_t *total, const char *group)
{
    rc_sched_node_info_t info = {0};
    uint32_t slot = RC_SCHED_NONE;
    info.id = fx_id(i);
    info.group = group;
    info.total = total;
    info.state = RC_SCHED_ALIVE;
    assert_int_equal(rc_sched_node_set(s, &info, &slot), RC_OK);
    return slot;
}

static inline uint32_t fx_add_cpu(rc_sched_t *s, unsigned i, double cpu)
{
    rc_res_t t = fx_res(cpu, 0, 0, 0);
    return fx_add(s, i, &t, NULL);
}

static inline rc_sched_request_t fx_req(const rc_res_t *r)
{
    rc_sched_request_t q;
    memset(&q, 0, sizeof(q));
    q.res = r;
    q.strategy = RC_SCHED_DEFAULT;
    return q;
}

static inline rc_sched_result_t fx_place_req(rc_sched_t *s, const rc_sched_request_t *q)
{
    rc_sched_result_t out;
    memset(&out, 0x5a, sizeof(out));
    assert_int_equal(rc_sched_place(s, q, &out), RC_OK);
    if (out.kind == RC_SCHED_AVAILABLE || out.kind == RC_SCHED_FEASIBLE) {
        assert_true(out.slot != RC_SCHED_NONE);
        rc_id_t id = rc_sched_node_id(s, out.slot);
        assert_true(rc_id_eq(&id, &out.node_id));
        assert_string_equal(out.reason, "");
    } else {
        assert_int_equal(out.slot, RC_SCHED_NONE);
        assert_true(out.reason[0] != '\0');
    }
    return out;
}

static inline rc_sched_result_t fx_place(rc_sched_t *s, const rc_res_t *r)
{
    rc_sched_request_t q = fx_req(r);
    return fx_place_req(s, &q);
}

/* Places and, when AVAILABLE, applies the assignment; returns the slot (or NONE). */
static inline uint32_t fx_place_apply_req(rc_sched_t *s, const rc_sched_request_t *q)
{
    rc_sched_result_t out = fx_place_req(s, q);
    if (out.kind != RC_SCHED_AVAILABLE) return RC_SCHED_NONE;
    assert_int_equal(rc_sched_acquire(s, out.slot, q->res), RC_OK);
    return out.slot;
}

static inline uint32_t fx_place_apply(rc_sched_t *s, const rc_res_t *r)
{
    rc_sched_request_t q = fx_req(r);
    return fx_place_apply_req(s, &q);
}

static inline double fx_used_cpu(rc_sched_t *s, uint32_t slot)
{
    return rc_res_to_double(rc_sched_node_total(s, slot)->cpu -
                            rc_sched_node_available(s, slot)->cpu);
}

#endif
