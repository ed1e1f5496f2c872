#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-schema.h"

/* The prescription workflow:
 *   received → in_progress → ready → dispensed → picked_up
 *   cancelled from any state before picked_up. */
static const struct
{
  const gchar *status;
  const gchar *label;
} stages[] = {
  { "received",    N_("received") },
  { "in_progress", N_("in preparation") },
  { "ready",       N_("ready to dispense") },
  { "dispensed",   N_("dispensed") },
  { "picked_up",   N_("picked up") },
  { "cancelled",   N_("cancelled") },
};

#define RANK_DISPENSED 3
#define RANK_PICKED_UP 4
#define RANK_CANCELLED 5

static gint
rank_of (const gchar *status)
{
  if (status == NULL)
    return -1;
  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    if (strcmp (status, stages[i].status) == 0)
      return (gint) i;
  return -1;
}

gboolean
pt_rx_status_is_valid (const gchar *status)
{
  return rank_of (status) >= 0;
}

const gchar *
pt_rx_status_get_label (const gchar *status)
{
  gint rank = rank_of (status);

  if (status == NULL)
    return "";
  if (rank < 0)
    return status;
  return _(stages[rank].label);
}

gboolean
pt_rx_status_can_transition (const gchar *from,
                             const gchar *to)
{
  gint f, t;

  t = rank_of (to);
  if (t < 0)
    return FALSE;
  if (from == NULL)
    return TRUE;
  f = rank_of (from);
  if (f < 0)
    return FALSE;
  if (f == t)
    return TRUE;

  /* Nothing leaves the two end states. */
  if (f == RANK_PICKED_UP || f == RANK_CANCELLED)
    return FALSE;
  if (t == RANK_CANCELLED)
    return TRUE;
  if (t == RANK_PICKED_UP)
    return f == RANK_DISPENSED;
  /* A failed check sends a ready prescription back to preparation. */
  if (f == 2 && t == 1)
    return TRUE;
  return t > f;
}

gint
pt_rx_status_merge_compare (const gchar *a,
                            const gchar *b,
                            gboolean    *conflict)
{
  gint ra = rank_of (a);
  gint rb = rank_of (b);

  if (conflict)
    *conflict = FALSE;

  if (ra == rb)
    return 0;
  /* A known status beats garbage. */
  if (ra < 0)
    return 1;
  if (rb < 0)
    return -1;

  if (ra == RANK_CANCELLED || rb == RANK_CANCELLED)
    {
      gint other = ra == RANK_CANCELLED ? rb : ra;

      /* Medicine already handed over or dispensed cannot be undone by a
       * cancel made elsewhere: staff must look at it. */
      if (other >= RANK_DISPENSED)
        {
          if (conflict)
            *conflict = TRUE;
          return 0;
        }
      /* A cancel beats preparation that had not reached dispensing. */
      return ra == RANK_CANCELLED ? -1 : 1;
    }

  /* The later stage wins. */
  return ra > rb ? -1 : 1;
}
