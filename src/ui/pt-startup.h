/* pt-startup.h: timestamps of the application's start-up, phase by phase
 * (main, toolkit, window, store, first frame), so that bench-ui can show
 * where the time to the first frame goes.  Recording costs one clock read
 * per phase and stops at the first frame. */
#pragma once

#include <gtk/gtk.h>

#include "pt-store.h"

G_BEGIN_DECLS

typedef struct
{
  const gchar *phase;   /* a static string */
  gint64       usec;    /* g_get_monotonic_time () */
  gint64       cpu_usec; /* CPU time of the process so far, all threads
                          * (the GL rasteriser's too): the machine's load
                          * does not inflate it */
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

/* Opens the store of @data_dir (resolved as the window resolves it; NULL:
 * the default) on a thread of its own, while this one starts the toolkit
 * (display, GL, style sheets: a few hundred ms on one core). */
void                 pt_startup_open_store_begin  (const gchar *data_dir);
/* The store opened ahead for @data_dir, waiting for it if need be: TRUE,
 * with *@exists (FALSE: no store there yet) and *@store (NULL with @error
 * set when it could not be opened); FALSE when nothing was opened ahead
 * for that folder (the caller opens it).  Once only. */
gboolean             pt_startup_open_store_finish (const gchar  *data_dir,
                                                   gboolean     *exists,
                                                   PtStore     **store,
                                                   GError      **error);

G_END_DECLS
