/* pt-startup.c: see pt-startup.h.  Only the main thread records. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include "pt-startup.h"

#include <time.h>

#define MAX_MARKS 48

static PtStartupMark marks[MAX_MARKS];
static guint n_marks;
static gboolean finished;

void
pt_startup_mark (const gchar *phase)
{
  struct timespec cpu = { 0 };

  if (finished || n_marks == MAX_MARKS)
    return;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &cpu);
  marks[n_marks].phase = phase;
  marks[n_marks].usec = g_get_monotonic_time ();
  marks[n_marks].cpu_usec = (gint64) cpu.tv_sec * G_USEC_PER_SEC + cpu.tv_nsec / 1000;
  n_marks++;
}

void
pt_startup_finish (const gchar *phase)
{
  pt_startup_mark (phase);
  finished = TRUE;
}

gboolean
pt_startup_finished (void)
{
  return finished;
}

const PtStartupMark *
pt_startup_get_marks (guint *n)
{
  *n = n_marks;
  return marks;
}

/* ---- A window's first frame --------------------------------------------- */

typedef struct
{
  GtkWindow          *window;   /* not owned: the watch goes with it */
  PtStartupFrameFunc  func;
  gpointer            user_data;
  gulong              realize_id;
  gulong              map_id;
  GdkFrameClock      *clock;
  gulong              layout_id;
  gulong              paint_id;
  gulong              after_paint_id;
} Watch;

static void
watch_free (gpointer data)
{
  Watch *w = data;

  /* From the window's finalize its handlers are gone already. */
  if (w->realize_id != 0 && g_signal_handler_is_connected (w->window, w->realize_id))
    g_signal_handler_disconnect (w->window, w->realize_id);
  if (w->map_id != 0 && g_signal_handler_is_connected (w->window, w->map_id))
    g_signal_handler_disconnect (w->window, w->map_id);
  if (w->clock != NULL)
    {
      g_clear_signal_handler (&w->layout_id, w->clock);
      g_clear_signal_handler (&w->paint_id, w->clock);
      g_clear_signal_handler (&w->after_paint_id, w->clock);
      g_clear_object (&w->clock);
    }
  g_free (w);
}

static void
layout_cb (GdkFrameClock *clock,
           Watch         *w)
{
  pt_startup_mark ("frame: layout");
  g_clear_signal_handler (&w->layout_id, clock);
}

static void
paint_cb (GdkFrameClock *clock,
          Watch         *w)
{
  pt_startup_mark ("frame: paint");
  g_clear_signal_handler (&w->paint_id, clock);
}

static void
after_paint_cb (GdkFrameClock *clock,
                Watch         *w)
{
  GtkWindow *window = w->window;
  PtStartupFrameFunc func = w->func;
  gpointer user_data = w->user_data;

  pt_startup_finish ("frame");
  /* Frees w and its handlers: once only. */
  g_object_set_data (G_OBJECT (window), "pt-startup-watch", NULL);
  if (func != NULL)
    func (window, user_data);
}

static void
realize_cb (GtkWidget *widget,
            Watch     *w)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  pt_startup_mark ("realized");
  if (clock == NULL || w->clock != NULL)
    return;
  w->clock = g_object_ref (clock);
  /* After GTK's own handlers of the phase: the mark is its end. */
  w->layout_id = g_signal_connect_after (clock, "layout", G_CALLBACK (layout_cb), w);
  w->paint_id = g_signal_connect_after (clock, "paint", G_CALLBACK (paint_cb), w);
  w->after_paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), w);
}

static void
map_cb (GtkWidget *widget,
        Watch     *w)
{
  pt_startup_mark ("mapped");
}

void
pt_startup_watch (GtkWindow          *window,
                  PtStartupFrameFunc  func,
                  gpointer            user_data)
{
  Watch *w;

  g_return_if_fail (GTK_IS_WINDOW (window));

  w = g_new0 (Watch, 1);
  w->window = window;
  w->func = func;
  w->user_data = user_data;
  /* After the window's own handlers: the renderer exists, it is mapped. */
  w->realize_id = g_signal_connect_after (window, "realize", G_CALLBACK (realize_cb), w);
  w->map_id = g_signal_connect_after (window, "map", G_CALLBACK (map_cb), w);
  /* Freed with the window, or after the first frame. */
  g_object_set_data_full (G_OBJECT (window), "pt-startup-watch", w, watch_free);
}

/* ---- The store, opened ahead -------------------------------------------- */

typedef struct
{
  gchar    *dir;
  GThread  *thread;
  gboolean  exists;
  PtStore  *store;
  GError   *error;
} Prefetch;

static Prefetch *prefetch;

static gpointer
open_store_thread (gpointer data)
{
  Prefetch *p = data;

  p->exists = pt_store_exists (p->dir);
  if (p->exists)
    p->store = pt_store_open (p->dir, &p->error);
  return NULL;
}

void
pt_startup_open_store_begin (const gchar *data_dir)
{
  if (prefetch != NULL)
    return;
  prefetch = g_new0 (Prefetch, 1);
  prefetch->dir = pt_store_resolve_data_dir (data_dir);
  prefetch->thread = g_thread_new ("pt-store-open", open_store_thread, prefetch);
}

gboolean
pt_startup_open_store_finish (const gchar  *data_dir,
                              gboolean     *exists,
                              PtStore     **store,
                              GError      **error)
{
  g_autofree gchar *dir = pt_store_resolve_data_dir (data_dir);
  Prefetch *p = prefetch;

  g_return_val_if_fail (exists != NULL && store != NULL, FALSE);

  if (p == NULL || g_strcmp0 (p->dir, dir) != 0)
    return FALSE;
  prefetch = NULL;
  g_thread_join (p->thread);
  *exists = p->exists;
  *store = p->store;
  if (p->error != NULL)
    g_propagate_error (error, p->error);
  g_free (p->dir);
  g_free (p);
  return TRUE;
}
