/*
 * experiments.c: the table of experiments, in the order of science.md §6.
 */
#include "repro/repro.h"

extern const wh__experiment wh__e1_flows;
extern const wh__experiment wh__e2_times;
extern const wh__experiment wh__e3_noncommuting;
extern const wh__experiment wh__e4_online;
extern const wh__experiment wh__e5_switch;
extern const wh__experiment wh__e6_overparam;
extern const wh__experiment wh__e7_patches;
extern const wh__experiment wh__e8_gains;
extern const wh__experiment wh__e9_basis;
extern const wh__experiment wh__e10_family;

const wh__experiment *const *wh__experiments(size_t *count)
{
    static const wh__experiment *const table[] = {
        &wh__e1_flows,     &wh__e2_times,   &wh__e3_noncommuting, &wh__e4_online, &wh__e5_switch,
        &wh__e6_overparam, &wh__e7_patches, &wh__e8_gains,        &wh__e9_basis,  &wh__e10_family};
    *count = sizeof table / sizeof *table;
    return table;
}
