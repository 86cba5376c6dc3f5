/* schedule.h - the step order of a pipeline-parallel training schedule
 * (GPipe, 1F1B, interleaved 1F1B), for the `pipeline_order` built-in. */
#ifndef MLDC_SCHEDULE_H
#define MLDC_SCHEDULE_H

#include <stdint.h>

/* Fill out[0 .. 2 pp m v - 1] with every step of the schedule, each coded
 * (s * 2 + b) * m v + k: stage s's k-th forward (b = 0) or backward
 * (b = 1) of its micro-batch-chunks, in an order that keeps each stage's
 * own sequence and puts every step after the steps it needs.  kind: 0
 * GPipe, 1 1F1B (interleaved when v > 1).  Returns 0, or -1 when the
 * schedule cannot run (with v > 1, m must be a multiple of pp). */
int schedule_order(int kind, int64_t pp, int64_t v, int64_t m, int64_t *out);

#endif
