#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include <string.h>

#include "pt-hlc.h"

/* The clock keeps one 64-bit value, (physical ms << 16) | logical.  Adding
 * one to it increments the logical counter and, when the counter is full,
 * carries into the physical part, so overflow can never make a stamp go
 * backwards or repeat. */
#define LOGICAL_BITS 16

/* A remote stamp this far ahead of our wall clock is logged. */
#define SKEW_LOG_MS ((gint64) 60 * 1000)

struct _PtHlc
{
  gint         ref_count;   /* shared clocks: changed under shared_lock */
  gboolean     shared;
  GMutex       mutex;
  gchar        device_id[PT_DEVICE_ID_LEN + 1];
  PtClockFunc  clock;
  gpointer     clock_data;
  guint64      last;        /* last issued or observed value */
  gint64       max_skew_ms;
};

static gboolean
is_lower_hex (const gchar *s,
              gsize        len)
{
  for (gsize i = 0; i < len; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return FALSE;
  return TRUE;
}

/* The process wall clock (replaceable by tests). */
static GMutex       wall_lock;
static PtClockFunc  wall_clock;
static gpointer     wall_clock_data;

/* The shared clocks: device id -> PtHlc (not owning). */
static GMutex      shared_lock;
static GHashTable *shared_clocks;

gint64
pt_hlc_wall_ms (void)
{
  PtClockFunc clock;
  gpointer data;

  g_mutex_lock (&wall_lock);
  clock = wall_clock;
  data = wall_clock_data;
  g_mutex_unlock (&wall_lock);
  if (clock != NULL)
    return clock (data);
  return g_get_real_time () / 1000;
}

void
pt_hlc_set_wall_clock (PtClockFunc clock,
                       gpointer    clock_data)
{
  g_mutex_lock (&wall_lock);
  wall_clock = clock;
  wall_clock_data = clock_data;
  g_mutex_unlock (&wall_lock);
}

static gint64
wall_ms (PtHlc *hlc)
{
  gint64 ms;

  if (hlc->clock != NULL)
    ms = hlc->clock (hlc->clock_data);
  else
    ms = pt_hlc_wall_ms ();
  /* The physical part has 48 bits; clocks before the epoch count as 0. */
  return CLAMP (ms, 0, (gint64) (G_MAXUINT64 >> LOGICAL_BITS));
}

static guint64
parse_value (const gchar *stamp)
{
  gchar buf[17];

  memcpy (buf, stamp, 16);
  buf[16] = '\0';
  return g_ascii_strtoull (buf, NULL, 16);
}

PtHlc *
pt_hlc_new (const gchar *device_id,
            PtClockFunc  clock,
            gpointer     clock_data)
{
  PtHlc *hlc;

  g_return_val_if_fail (device_id != NULL, NULL);
  g_return_val_if_fail (strlen (device_id) == PT_DEVICE_ID_LEN, NULL);
  for (guint i = 0; i < PT_DEVICE_ID_LEN; i++)
    g_return_val_if_fail (g_ascii_isxdigit (device_id[i]), NULL);

  hlc = g_new0 (PtHlc, 1);
  hlc->ref_count = 1;
  g_mutex_init (&hlc->mutex);
  for (guint i = 0; i < PT_DEVICE_ID_LEN; i++)
    hlc->device_id[i] = g_ascii_tolower (device_id[i]);
  hlc->clock = clock;
  hlc->clock_data = clock_data;
  return hlc;
}

PtHlc *
pt_hlc_get_for_device (const gchar *device_id)
{
  g_autofree gchar *key = NULL;
  PtHlc *hlc;

  g_return_val_if_fail (device_id != NULL && strlen (device_id) == PT_DEVICE_ID_LEN, NULL);

  key = g_ascii_strdown (device_id, -1);
  g_mutex_lock (&shared_lock);
  if (shared_clocks == NULL)
    shared_clocks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  hlc = g_hash_table_lookup (shared_clocks, key);
  if (hlc != NULL)
    hlc->ref_count++;
  else
    {
      hlc = pt_hlc_new (key, NULL, NULL);
      if (hlc != NULL)
        {
          hlc->shared = TRUE;
          g_hash_table_insert (shared_clocks, g_steal_pointer (&key), hlc);
        }
    }
  g_mutex_unlock (&shared_lock);
  return hlc;
}

PtHlc *
pt_hlc_ref (PtHlc *hlc)
{
  g_return_val_if_fail (hlc != NULL, NULL);

  if (hlc->shared)
    {
      g_mutex_lock (&shared_lock);
      hlc->ref_count++;
      g_mutex_unlock (&shared_lock);
    }
  else
    g_atomic_int_inc (&hlc->ref_count);
  return hlc;
}

void
pt_hlc_unref (PtHlc *hlc)
{
  gboolean last;

  if (hlc == NULL)
    return;
  if (hlc->shared)
    {
      /* Under the registry's lock, so a concurrent get never revives a
       * clock being freed. */
      g_mutex_lock (&shared_lock);
      last = --hlc->ref_count == 0;
      if (last)
        g_hash_table_remove (shared_clocks, hlc->device_id);
      g_mutex_unlock (&shared_lock);
    }
  else
    last = g_atomic_int_dec_and_test (&hlc->ref_count);
  if (!last)
    return;
  g_mutex_clear (&hlc->mutex);
  g_free (hlc);
}

void
pt_hlc_free (PtHlc *hlc)
{
  pt_hlc_unref (hlc);
}

const gchar *
pt_hlc_get_device_id (PtHlc *hlc)
{
  g_return_val_if_fail (hlc != NULL, NULL);
  return hlc->device_id;
}

void
pt_hlc_now_into (PtHlc *hlc,
                 gchar *buf)
{
  guint64 physical;
  guint64 value;

  g_return_if_fail (hlc != NULL);
  g_return_if_fail (buf != NULL);

  g_mutex_lock (&hlc->mutex);
  physical = (guint64) wall_ms (hlc) << LOGICAL_BITS;
  if (physical > hlc->last)
    hlc->last = physical;
  else
    hlc->last++;    /* tie or wall clock behind: logical counter (carries) */
  value = hlc->last;
  g_mutex_unlock (&hlc->mutex);

  g_snprintf (buf, PT_HLC_STAMP_LEN + 1, "%016" G_GINT64_MODIFIER "x-%s",
              value, hlc->device_id);
}

gchar *
pt_hlc_now (PtHlc *hlc)
{
  gchar *buf;

  g_return_val_if_fail (hlc != NULL, NULL);
  buf = g_malloc (PT_HLC_STAMP_LEN + 1);
  pt_hlc_now_into (hlc, buf);
  return buf;
}

gboolean
pt_hlc_observe (PtHlc       *hlc,
                const gchar *remote_stamp)
{
  guint64 remote;
  gint64 wall;
  gint64 skew;

  g_return_val_if_fail (hlc != NULL, FALSE);

  if (!pt_hlc_stamp_is_valid (remote_stamp))
    return FALSE;
  remote = parse_value (remote_stamp);

  g_mutex_lock (&hlc->mutex);
  wall = wall_ms (hlc);
  skew = (gint64) (remote >> LOGICAL_BITS) - wall;
  if (skew > hlc->max_skew_ms)
    {
      hlc->max_skew_ms = skew;
      if (skew > SKEW_LOG_MS)
        g_debug ("Clock skew: stamp %s is %" G_GINT64_FORMAT " ms ahead of this device's clock",
                 remote_stamp, skew);
    }
  /* Receive rule: the next local stamp must follow both. */
  if (remote > hlc->last)
    hlc->last = remote;
  g_mutex_unlock (&hlc->mutex);
  return TRUE;
}

gint64
pt_hlc_get_max_skew_ms (PtHlc *hlc)
{
  gint64 skew;

  g_return_val_if_fail (hlc != NULL, 0);
  g_mutex_lock (&hlc->mutex);
  skew = hlc->max_skew_ms;
  g_mutex_unlock (&hlc->mutex);
  return skew;
}

void
pt_hlc_restore (PtHlc       *hlc,
                const gchar *last_stamp)
{
  guint64 value;

  g_return_if_fail (hlc != NULL);
  if (!pt_hlc_stamp_is_valid (last_stamp))
    return;
  value = parse_value (last_stamp);
  g_mutex_lock (&hlc->mutex);
  if (value > hlc->last)
    hlc->last = value;
  g_mutex_unlock (&hlc->mutex);
}

gboolean
pt_hlc_stamp_is_valid (const gchar *stamp)
{
  if (stamp == NULL || strlen (stamp) != PT_HLC_STAMP_LEN)
    return FALSE;
  return is_lower_hex (stamp, 16)
         && stamp[16] == '-'
         && is_lower_hex (stamp + 17, PT_DEVICE_ID_LEN);
}

gchar *
pt_hlc_stamp_from_time (gint64 time_ms)
{
  guint64 value = (guint64) CLAMP (time_ms, 0, (gint64) (G_MAXUINT64 >> LOGICAL_BITS)) << LOGICAL_BITS;

  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x-0000000000000000", value);
}

gint64
pt_hlc_stamp_time_ms (const gchar *stamp)
{
  if (!pt_hlc_stamp_is_valid (stamp))
    return 0;
  return (gint64) (parse_value (stamp) >> LOGICAL_BITS);
}

gint
pt_hlc_stamp_compare (const gchar *a,
                      const gchar *b)
{
  gint r;

  if (a == NULL || b == NULL)
    return (a != NULL) - (b != NULL);
  r = strcmp (a, b);
  return (r > 0) - (r < 0);
}

gchar *
pt_device_id_new (void)
{
  return g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
}
