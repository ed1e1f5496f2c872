/* pt-sync-backoff.h: retry delays, exponential with jitter, capped. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PT_SYNC_BACKOFF_BASE_MS 500
#define PT_SYNC_BACKOFF_CAP_MS  60000

typedef struct
{
  guint  attempt;     /* failures in a row */
  GRand *rand;
} PtSyncBackoff;

/* @seed: 0 = random. */
void   pt_sync_backoff_init  (PtSyncBackoff *backoff, guint32 seed);
void   pt_sync_backoff_clear (PtSyncBackoff *backoff);
/* The delay before the next retry: min(cap, base·2^attempt) scaled by a
 * random factor in [0.5, 1.0] ("equal jitter": never 0, so a failing
 * server is not hammered, and counters do not retry in lock-step).
 * Increments the attempt count. */
guint  pt_sync_backoff_next  (PtSyncBackoff *backoff);
/* Success, or the network came back: start again from the base. */
void   pt_sync_backoff_reset (PtSyncBackoff *backoff);

G_END_DECLS
