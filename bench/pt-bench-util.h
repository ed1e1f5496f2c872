/* pt-bench-util.h: what every benchmark needs — a clock, percentiles,
 * and the physical limit of a commit on this disk. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Monotonic milliseconds. */
gdouble  pt_bench_now_ms      (void);
/* The @p quantile (0..1) of @ms (sorted in place); 0 when empty. */
gdouble  pt_bench_percentile  (GArray      *ms,
                               gdouble      p);
/* The limit of a counter commit: @n one-row transactions (300-byte blob)
 * with journal_mode=WAL and synchronous=FULL in a scratch SQLite file in
 * @dir (the store's file system), after 20 unmeasured ones; the file is
 * removed afterwards.  *@p50, *@p95 in ms. */
void     pt_bench_raw_commit  (const gchar *dir,
                               guint        n,
                               gdouble     *p50,
                               gdouble     *p95);
/* The output of `uptime` (load average: benchmarks on a shared machine
 * are only as good as the load they ran under), without the newline. */
gchar   *pt_bench_uptime      (void);

G_END_DECLS
