/*
 * test_alloc.c: every constructor survives the failure of each of its
 * allocations, returns WH_ENOMEM, leaves *out NULL, and leaks nothing.
 *
 * The oracle for "leaks nothing" is the allocator's own live count (every
 * library buffer comes from wh__alloc); CI also runs this suite under
 * AddressSanitizer's leak checker.
 */
#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "support.h"

typedef wh_status (*constructor)(void **out);

/* Fail allocation 0, 1, 2, ... until the constructor succeeds; returns how many it makes. */
static size_t fail_each_allocation(const char *what, constructor make, void (*destroy)(void *))
{
    for (size_t nth = 0; nth < 1000; nth++) {
        const long live = wh__alloc_live();
        void *obj = (void *)&nth;
        wh__alloc_fail_at(nth);
        wh_status st = make(&obj);
        const bool fired = !wh__alloc_armed();
        wh__alloc_fail_at(WH__ALLOC_NEVER);
        if (!fired) {
            assert_status(st, WH_OK);
            destroy(obj);
            cr_assert_eq(wh__alloc_live(), live, "%s: free leaves %ld blocks", what,
                         wh__alloc_live() - live);
            return nth;
        }
        cr_assert(st == WH_ENOMEM, "%s: allocation %zu failed but status is %s", what, nth,
                  wh_status_name(st));
        cr_assert_null(obj, "%s: allocation %zu failed but *out is set", what, nth);
        cr_assert_eq(wh__alloc_live(), live, "%s: allocation %zu failed and %ld blocks leaked",
                     what, nth, wh__alloc_live() - live);
    }
    cr_assert_fail("%s: never succeeded", what);
    return 0;
}

static const double spread[4] = {0.5, 1.5, 2.385, 1.0};
static const double C4[16] = {2.0, 0.1, 0.0, 0.0, 0.1, 1.0, 0.2, 0.0,
                              0.0, 0.2, 3.0, 0.1, 0.0, 0.0, 0.1, 0.5};

static wh_status make_net(void **out, wh_net_kind kind, wh_init_kind init)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = kind;
    o.n = 4;
    o.k = 6;
    o.init.kind = init;
    o.init.spread = spread;
    o.init.matrix = C4;
    return wh_net_new(&o, (wh_net **)out);
}

static wh_status direct_identity(void **out)
{
    return make_net(out, WH_NET_DIRECT, WH_INIT_IDENTITY);
}

static wh_status direct_rotated(void **out)
{
    return make_net(out, WH_NET_DIRECT, WH_INIT_ROTATED);
}

static wh_status inter_rotated(void **out)
{
    return make_net(out, WH_NET_INTERNEURON, WH_INIT_ROTATED);
}

static wh_status inter_matrix(void **out)
{
    return make_net(out, WH_NET_INTERNEURON, WH_INIT_MATRIX);
}

static void free_net(void *p)
{
    wh_net_free(p);
}

static wh_status source_two_contexts(void **out)
{
    double both[32];
    for (size_t i = 0; i < 16; i++)
        both[i] = both[16 + i] = C4[i];
    wh_source_options so;
    wh_source_options_default(&so);
    so.n = 4;
    so.contexts = 2;
    so.covariances = both;
    so.switch_every = 10;
    return wh_source_new(&so, (wh_source **)out);
}

static void free_source(void *p)
{
    wh_source_free(p);
}

static wh_status metrics(void **out)
{
    return wh_metrics_new(4, C4, 4, (wh_metrics **)out);
}

static void free_metrics(void *p)
{
    wh_metrics_free(p);
}

static wh_status running(void **out)
{
    return wh_running_cov_new(4, 100.0, (wh_running_cov **)out);
}

static void free_running(void *p)
{
    wh_running_cov_free(p);
}

Test(alloc, every_constructor_survives_each_failed_allocation)
{
    cr_assert_geq(fail_each_allocation("direct, identity", direct_identity, free_net), 10);
    cr_assert_geq(fail_each_allocation("direct, rotated", direct_rotated, free_net), 12);
    cr_assert_geq(fail_each_allocation("interneurons, rotated", inter_rotated, free_net), 15);
    cr_assert_geq(fail_each_allocation("interneurons, matrix", inter_matrix, free_net), 15);
    cr_assert_geq(fail_each_allocation("source", source_two_contexts, free_source), 4);
    cr_assert_geq(fail_each_allocation("metrics", metrics, free_metrics), 5);
    cr_assert_geq(fail_each_allocation("running covariance", running, free_running), 3);
}

Test(alloc, covariance_from_spectrum_survives_each_failed_allocation)
{
    double C[16];
    wh_spectrum spec = {.n = 4, .lo = 0.1, .hi = 10.0, .rotate = true, .seed = 3};
    size_t nth = 0;
    for (;; nth++) {
        const long live = wh__alloc_live();
        wh__alloc_fail_at(nth);
        wh_status st = wh_covariance_from_spectrum(&spec, C, 4);
        const bool fired = !wh__alloc_armed();
        wh__alloc_fail_at(WH__ALLOC_NEVER);
        cr_assert_eq(wh__alloc_live(), live);
        if (!fired) {
            assert_status(st, WH_OK);
            break;
        }
        assert_status(st, WH_ENOMEM);
    }
    cr_assert_geq(nth, 4, "only %zu allocations were exercised", nth);
}

Test(alloc, size_overflow_is_caught_before_allocating)
{
    size_t out;
    cr_assert(!wh__size_mul(SIZE_MAX / 2 + 1, 2, &out));
    cr_assert(wh__size_mul(SIZE_MAX / 2, 2, &out));
    cr_assert_null(wh__alloc(SIZE_MAX / 4, 8));
}
