/* pt-sync-backoff.c: retry delays. */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include "pt-sync-backoff.h"

void
pt_sync_backoff_init (PtSyncBackoff *backoff,
                      guint32        seed)
{
  backoff->attempt = 0;
  backoff->rand = seed != 0 ? g_rand_new_with_seed (seed) : g_rand_new ();
}

void
pt_sync_backoff_clear (PtSyncBackoff *backoff)
{
  g_clear_pointer (&backoff->rand, g_rand_free);
}

guint
pt_sync_backoff_next (PtSyncBackoff *backoff)
{
  guint64 ceiling = PT_SYNC_BACKOFF_BASE_MS;

  for (guint i = 0; i < backoff->attempt && ceiling < PT_SYNC_BACKOFF_CAP_MS; i++)
    ceiling *= 2;
  ceiling = MIN (ceiling, PT_SYNC_BACKOFF_CAP_MS);
  if (backoff->attempt < 64)
    backoff->attempt++;

  return (guint) (ceiling / 2 + (guint64) g_rand_int_range (backoff->rand, 0,
                                                            (gint32) (ceiling / 2) + 1));
}

void
pt_sync_backoff_reset (PtSyncBackoff *backoff)
{
  backoff->attempt = 0;
}
