/* pt-hlc.h: the hybrid logical clock of DESIGN §4.
 *
 * A stamp is "HHHHHHHHHHHHHHHH-DDDDDDDDDDDDDDDD": 16 lowercase hex digits of
 * (wall milliseconds << 16 | logical counter), a dash, the 16-hex device id.
 * strcmp() order of stamps is causal order with a deterministic tie-break.
 */
#pragma once

#include <glib.h>
#include "pt-types.h"

G_BEGIN_DECLS

#define PT_HLC_STAMP_LEN 33     /* 16 + 1 + 16, without the NUL */
#define PT_DEVICE_ID_LEN 16

/* Wall clock in milliseconds since the epoch; injectable for tests. */
typedef gint64 (*PtClockFunc) (gpointer user_data);

/* A private clock (tests): @device_id: 16 hex digits. @clock: NULL means
 * the process wall clock (pt_hlc_wall_ms ()).  Skew above @max_skew_ms (in
 * a remote stamp, ahead of the wall clock) is recorded and reported, and
 * the clock still follows it (HLC rule). */
PtHlc    *pt_hlc_new              (const gchar *device_id,
                                   PtClockFunc  clock,
                                   gpointer     clock_data);
/* The one clock of @device_id in this process (DESIGN §4), created on
 * first use, on the process wall clock; every store connection of a device
 * shares it, so two connections never issue the same stamp.  Returns a
 * new reference. */
PtHlc    *pt_hlc_get_for_device   (const gchar *device_id);
PtHlc    *pt_hlc_ref              (PtHlc       *hlc);
/* Drops a reference (a shared clock lives while a connection holds it). */
void      pt_hlc_unref            (PtHlc       *hlc);
/* The same as pt_hlc_unref (). */
void      pt_hlc_free             (PtHlc       *hlc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtHlc, pt_hlc_free)

/* The process wall clock in ms since the epoch: g_get_real_time () / 1000
 * unless a test replaced it.  Clocks made with a NULL @clock, the store's
 * times (queued_at, updatedAt, audit "at") and the sync engine's
 * (last push/pull) all read it. */
gint64    pt_hlc_wall_ms          (void);
/* For tests: replaces the process wall clock (NULL restores the real one),
 * e.g. to simulate 30 days offline. */
void      pt_hlc_set_wall_clock   (PtClockFunc  clock,
                                   gpointer     clock_data);

const gchar *pt_hlc_get_device_id (PtHlc       *hlc);

/* Stamp for a local event: strictly greater than every stamp this clock has
 * issued or observed, even when the wall clock jumps backwards. Thread-safe.
 * Returns a newly allocated string. */
gchar    *pt_hlc_now              (PtHlc       *hlc);
/* Same, into a caller buffer of at least PT_HLC_STAMP_LEN + 1 bytes. */
void      pt_hlc_now_into         (PtHlc       *hlc,
                                   gchar       *buf);
/* Merge a stamp seen from elsewhere (HLC receive rule). Invalid stamps are
 * ignored and return FALSE. */
gboolean  pt_hlc_observe          (PtHlc       *hlc,
                                   const gchar *remote_stamp);
/* Largest amount (ms) by which an observed stamp was ahead of our wall
 * clock; 0 when none was. */
gint64    pt_hlc_get_max_skew_ms  (PtHlc       *hlc);
/* Restore the last issued/observed physical+logical value (e.g. from the
 * store at open) so stamps stay monotonic across restarts. */
void      pt_hlc_restore          (PtHlc       *hlc,
                                   const gchar *last_stamp);

/* Helpers on stamps. */
gboolean  pt_hlc_stamp_is_valid   (const gchar *stamp);
/* Builds the stamp of a foreign write: @time_ms (the document's updatedAt)
 * with logical 0 and device id "0000000000000000". */
gchar    *pt_hlc_stamp_from_time  (gint64       time_ms);
gint64    pt_hlc_stamp_time_ms    (const gchar *stamp);
/* strcmp() with NULL < any stamp. */
gint      pt_hlc_stamp_compare    (const gchar *a,
                                   const gchar *b);
/* A new random device id (16 hex digits). */
gchar    *pt_device_id_new        (void);

G_END_DECLS
