/* clock.h — the two clocks rayc reads, in milliseconds.
 *
 * Wall time (ms since the Unix epoch) is for what is recorded or shown: start
 * and end times of jobs, tasks and nodes, heartbeat deadlines kept in records.
 * Monotonic time (ms since an arbitrary point, never going back) is for
 * intervals and timeouts inside one process. */
#ifndef RC_CLOCK_H
#define RC_CLOCK_H

#include <stdint.h>

int64_t rc_clock_wall_ms(void);
int64_t rc_clock_mono_ms(void);

#endif
