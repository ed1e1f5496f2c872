/* pt-startup.h: timestamps of the application's start-up, phase by phase
 * (main, toolkit, window, store, first frame), so that bench-ui can show
 * where the time to the first frame goes.  Recording costs one clock read
 * per phase and stops at the first frame. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct
{
  const gchar *phase;   /* a static string */
  gint64       usec;    /* g_get_monotonic_time () */
} PtStartupMark;

/* Records @phase (a static string) now, unless the first frame was
 * already drawn. */
void                 pt_startup_mark      (const gchar *phase);
/* Records @phase and stops recording: the first frame is on screen. */
void                 pt_startup_finish    (const gchar *phase);
gboolean             pt_startup_finished  (void);
/* The marks so far, in order. */
const PtStartupMark *pt_startup_get_marks (guint *n_marks);

typedef void (*PtStartupFrameFunc) (GtkWindow *window,
                                    gpointer   user_data);

/* Marks @window's way to its first frame ("realized", "mapped", "frame:
 * layout" — style and size allocation —, "frame: paint" — snapshot and
 * drawing —, "frame") and then calls @func once, from the frame clock's
 * after-paint, with the first frame on screen.  @func may be NULL. */
void                 pt_startup_watch     (GtkWindow          *window,
                                           PtStartupFrameFunc  func,
                                           gpointer            user_data);

G_END_DECLS
