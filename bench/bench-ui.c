/* bench-ui: the two figures of the desktop app's quality bar, each against
 * a limit measured in the same run.  Prints figures; never asserts on time.
 *
 *   1. Startup: from exec to the first frame of the main window (the
 *      sign-in screen of the store in the data dir; 1280×800), on the demo
 *      store and on the big store.  The child runs what `pharmatrack
 *      --data-dir DIR` runs (locale, PtApplication with its style sheet,
 *      settings and colour scheme, the window).  Limit: exec to the first
 *      frame of a bare GtkWindow (same binary, same GTK/libadwaita
 *      start-up).  Both again with GSK_RENDERER=cairo (software drawing
 *      instead of GL on llvmpipe), in the same interleaved loop, and the
 *      p50 of each phase: exec → main (loading the libraries), main → the
 *      window built (toolkit start-up, application, template, store
 *      opened), → its first frame (style, layout, text, drawing).
 *   2. Keystroke → medicines model updated at N medicines: what the
 *      search entry's "search-changed" does — set the query, the model
 *      plans the list (barcode, names starting with the text, counted
 *      from the index) and the view reads the first visible rows (20).
 *      Printed apart: reading the next part of the other matches (a page
 *      when they are many, all when few), which happens when the list is
 *      scrolled past what is listed, not per keystroke.  Limit:
 *      the store's raw search for the same text (pt_store_search_medicines,
 *      50 ids), in the same loop.  The entry's 120 ms search delay (a
 *      deliberate debounce while typing) is not included.
 *
 *   GSETTINGS_SCHEMA_DIR=_build/data GSETTINGS_BACKEND=memory \
 *   bench-ui [--data-dir DIR] [--medicines N] [--runs N] [--words N] [--seed S]
 *
 * With --data-dir a store generated earlier (bench-store --data-dir, or
 * `pharmatrack-admin demo-data`) is reused; an empty DIR is filled with
 * --medicines demo medicines (slow: about 14 min for 100,000).  Without it
 * a temporary store of --medicines (default 10,000) is made and removed.
 * Startup needs a display (run under xvfb-run); without one it is skipped. */
#define G_LOG_DOMAIN "pt-bench"
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "pt-application.h"
#include "pt-demo.h"
#include "pt-medicine-item.h"
#include "pt-medicine-list-model.h"
#include "pt-startup.h"
#include "pt-store.h"
#include "pt-window.h"

#define VISIBLE_ROWS 20

void pt_register_resource (void);

static gint     opt_medicines = 10000;
static gint     opt_runs = 15;
static gint     opt_words = 60;
static gint64   opt_seed = 42;
static gchar   *opt_data_dir = NULL;
static gchar   *opt_child = NULL;

static GOptionEntry entries[] = {
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_data_dir, "Store to use or create", "DIR" },
  { "medicines", 0, 0, G_OPTION_ARG_INT, &opt_medicines, "Medicines to generate (no store yet)", "N" },
  { "runs", 0, 0, G_OPTION_ARG_INT, &opt_runs, "Start-ups per variant", "N" },
  { "words", 0, 0, G_OPTION_ARG_INT, &opt_words, "Names typed letter by letter", "N" },
  { "seed", 0, 0, G_OPTION_ARG_INT64, &opt_seed, "Random seed", "S" },
  { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_child, "internal", "MODE" },
  { NULL }
};

static gdouble
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static gint
compare_double (gconstpointer a,
                gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

static gdouble
percentile (GArray *ms,
            gdouble p)
{
  if (ms->len == 0)
    return 0;
  g_array_sort (ms, compare_double);
  return g_array_index (ms, gdouble, (guint) (p * (ms->len - 1) + 0.5));
}

/* ---- Child: show a window, report its first frame, quit ----------------- */

/* Phases are reported on the monotonic clock, which parent and child
 * share, with the child's CPU time so far: one line "mark <µs> <CPU µs>
 * <phase>" per phase recorded (pt-startup.h). */
static void
report_marks (void)
{
  const PtStartupMark *marks;
  guint n;

  marks = pt_startup_get_marks (&n);
  for (guint i = 0; i < n; i++)
    printf ("mark %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %s\n",
            marks[i].usec, marks[i].cpu_usec, marks[i].phase);
  fflush (stdout);
}

/* After the first frame: what the main loop still has to do before it is
 * idle (work deferred past the first frame) — then the window answers
 * input at once. */
static gboolean
settled_cb (gpointer data)
{
  GApplication *app = g_application_get_default ();

  printf ("settled %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  fflush (stdout);
  if (app == NULL)
    exit (0);
  /* The application closes its windows as when the user quits: the store
   * is closed cleanly (no WAL left for the next start-up to recover). */
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

static void
first_frame_cb (GtkWindow *window,
                gpointer   data)
{
  report_marks ();
  g_idle_add_full (G_PRIORITY_LOW, settled_cb, NULL, NULL);
}

static void
app_first_frame_cb (GdkFrameClock *clock,
                    gpointer       data)
{
  g_signal_handlers_disconnect_by_func (clock, app_first_frame_cb, data);
  first_frame_cb (NULL, NULL);
}

static void
app_realize_cb (GtkWidget *window)
{
  /* After the window's own watch, which marks "frame". */
  g_signal_connect_after (gtk_widget_get_frame_clock (window), "after-paint",
                          G_CALLBACK (app_first_frame_cb), NULL);
}

/* Emitted once the window is constructed (template, data dir opened,
 * sign-in prepared), before it is presented. */
static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window)
{
  gtk_window_set_default_size (window, 1280, 800);
  g_signal_connect (window, "realize", G_CALLBACK (app_realize_cb), NULL);
}

/* The toolkit's floor for an application: a libadwaita application (on
 * the session bus, non-unique like `pharmatrack --data-dir`, the Adwaita
 * style sheet) showing an AdwApplicationWindow with a header bar and a
 * label. */
static void
floor_activate_cb (GApplication *app)
{
  GtkWidget *window, *box, *label;

  pt_startup_mark ("activate");
  window = adw_application_window_new (GTK_APPLICATION (app));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  label = gtk_label_new ("PharmaTrack");
  gtk_widget_set_vexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_box_append (GTK_BOX (box), label);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  pt_startup_mark ("window built");
  pt_startup_watch (GTK_WINDOW (window), first_frame_cb, NULL);
  gtk_window_present (GTK_WINDOW (window));
}

static void
floor_startup_cb (GApplication *app)
{
  /* After AdwApplication's startup (the signal's class handler). */
  pt_startup_mark ("app startup");
}

static int
run_child (const gchar *mode,
           const gchar *dir)
{
  pt_startup_mark ("main");
  if (g_str_equal (mode, "bare"))
    {
      GtkWidget *window;

      gtk_init ();
      pt_startup_mark ("gtk_init");
      adw_init ();
      pt_startup_mark ("adw_init");
      window = gtk_window_new ();
      gtk_window_set_child (GTK_WINDOW (window), gtk_label_new ("PharmaTrack"));
      gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
      pt_startup_mark ("window built");
      pt_startup_watch (GTK_WINDOW (window), first_frame_cb, NULL);
      gtk_window_present (GTK_WINDOW (window));
      for (;;)
        g_main_context_iteration (NULL, TRUE);
    }
  else if (g_str_equal (mode, "floor"))
    {
      g_autoptr(AdwApplication) app = adw_application_new ("io.github.pharmatrack.BenchFloor",
                                                           G_APPLICATION_NON_UNIQUE);

      g_signal_connect (app, "startup", G_CALLBACK (floor_startup_cb), NULL);
      g_signal_connect (app, "activate", G_CALLBACK (floor_activate_cb), NULL);
      /* What g_application_run does first, timed apart as in the app. */
      g_application_register (G_APPLICATION (app), NULL, NULL);
      pt_startup_mark ("registered");
      gtk_init ();
      pt_startup_mark ("gtk_init");
      adw_init ();
      pt_startup_mark ("adw_init");
      return g_application_run (G_APPLICATION (app), 0, NULL);
    }
  else
    {
      /* What src/ui/main.c does, with --data-dir DIR. */
      g_autoptr(PtApplication) app = NULL;
      gchar *args[] = { (gchar *) "pharmatrack", (gchar *) "--data-dir", (gchar *) dir, NULL };

      setlocale (LC_ALL, "");
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
      app = pt_application_new ();
      g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), NULL);
      return g_application_run (G_APPLICATION (app), 3, args);
    }
  return 1;
}

/* ---- Parent: time start-ups ------------------------------------------- */

static gdouble
children_cpu_ms (void)
{
  struct rusage ru;

  getrusage (RUSAGE_CHILDREN, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

/* One kind of start-up: its wall times to the first frame, the child's
 * CPU times (user + sys, which the machine's load does not inflate), and
 * per phase the wall time since the phase before it. */
typedef struct {
  const gchar *label;
  const gchar *mode;       /* "bare", "floor" or "app" */
  const gchar *dir;
  const gchar *renderer;   /* GSK_RENDERER, or NULL for the default */
  GArray      *ms;         /* exec → first frame */
  GArray      *cpu;
  GArray      *settled;    /* first frame → main loop idle */
  GArray      *cpu_frame;  /* the child's CPU time, exec → first frame */
  GHashTable  *phases;     /* phase → GArray of ms since the mark before */
  GHashTable  *phases_cpu; /* phase → GArray of CPU ms since the mark before */
} Startup;

static void
startup_init (Startup     *s,
              const gchar *label,
              const gchar *mode,
              const gchar *dir,
              const gchar *renderer)
{
  s->label = label;
  s->mode = mode;
  s->dir = dir;
  s->renderer = renderer;
  s->ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  s->cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
  s->settled = g_array_new (FALSE, FALSE, sizeof (gdouble));
  s->cpu_frame = g_array_new (FALSE, FALSE, sizeof (gdouble));
  s->phases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  s->phases_cpu = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
}

static void
startup_clear (Startup *s)
{
  g_array_unref (s->ms);
  g_array_unref (s->cpu);
  g_array_unref (s->settled);
  g_array_unref (s->cpu_frame);
  g_hash_table_unref (s->phases);
  g_hash_table_unref (s->phases_cpu);
}

/* The phases in the order the app passes them, for the table. */
static GPtrArray *phase_order;

static void
add_to (GHashTable  *table,
        const gchar *phase,
        gdouble      ms)
{
  GArray *a = g_hash_table_lookup (table, phase);

  if (a == NULL)
    {
      a = g_array_new (FALSE, FALSE, sizeof (gdouble));
      g_hash_table_insert (table, g_strdup (phase), a);
    }
  g_array_append_val (a, ms);
}

static void
add_phase (Startup     *s,
           const gchar *phase,
           gdouble      ms,
           gdouble      cpu_ms)
{
  add_to (s->phases, phase, ms);
  add_to (s->phases_cpu, phase, cpu_ms);
  if (!g_ptr_array_find_with_equal_func (phase_order, phase, g_str_equal, NULL))
    g_ptr_array_add (phase_order, g_strdup (phase));
}

static gboolean
time_startup (const gchar *self_path,
              Startup     *s)
{
  const gchar *argv[] = { self_path, "--child", s->mode, "--data-dir", s->dir, NULL };
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_auto(GStrv) lines = NULL;
  gint status;
  gdouble c0, t0, prev, prev_cpu = 0, t_frame = -1, t_settled = -1;

  envp = s->renderer != NULL ? g_environ_setenv (envp, "GSK_RENDERER", s->renderer, TRUE)
                             : g_environ_unsetenv (envp, "GSK_RENDERER");
  c0 = children_cpu_ms ();
  t0 = now_ms ();
  if (!g_spawn_sync (NULL, (gchar **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, NULL, &status, &error))
    {
      g_printerr ("bench-ui: %s\n", error->message);
      return FALSE;
    }
  prev = t0;
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gchar *end = NULL, *phase = NULL;
      gdouble at, cpu;

      if (g_str_has_prefix (lines[i], "mark "))
        {
          at = g_ascii_strtoll (lines[i] + 5, &end, 10) / 1000.0;
          if (end == NULL || *end != ' ')
            continue;
          cpu = g_ascii_strtoll (end + 1, &phase, 10) / 1000.0;
          if (phase == NULL || *phase != ' ')
            continue;
          phase++;
          /* "main" is reached from exec: loading the libraries. */
          add_phase (s, phase, at - prev, cpu - prev_cpu);
          prev = at;
          prev_cpu = cpu;
          if (g_str_equal (phase, "frame"))
            {
              t_frame = at;
              g_array_append_val (s->cpu_frame, cpu);
            }
        }
      else if (g_str_has_prefix (lines[i], "settled "))
        t_settled = g_ascii_strtoll (lines[i] + 8, NULL, 10) / 1000.0;
    }
  if (t_frame < 0 || t_settled < 0)
    {
      g_printerr ("bench-ui: the %s window showed no frame\n", s->label);
      return FALSE;
    }
  /* To the first frame, not to the child's exit. */
  g_array_append_val (s->ms, (gdouble) { t_frame - t0 });
  g_array_append_val (s->cpu, (gdouble) { children_cpu_ms () - c0 });
  g_array_append_val (s->settled, (gdouble) { t_settled - t_frame });
  return TRUE;
}

/* One row per phase, one column per variant: p50 of the wall time since
 * the phase before it ("—": the variant has no such phase, its time is in
 * the next phase it has). */
static void
print_phase_table (Startup **variants,
                   guint     n,
                   gboolean  cpu)
{
  printf ("| %-30s |", cpu ? "phase (p50 CPU ms, all threads)" : "phase (p50 ms since the one before)");
  for (guint v = 0; v < n; v++)
    printf (" %12s |", variants[v]->label);
  printf ("\n|--------------------------------|");
  for (guint v = 0; v < n; v++)
    printf ("-------------:|");
  printf ("\n");
  for (guint i = 0; i < phase_order->len; i++)
    {
      const gchar *phase = g_ptr_array_index (phase_order, i);

      printf ("| %-30s |", g_str_equal (phase, "main") ? "exec → main (libraries)" : phase);
      for (guint v = 0; v < n; v++)
        {
          GArray *a = g_hash_table_lookup (cpu ? variants[v]->phases_cpu : variants[v]->phases, phase);

          if (a == NULL)
            printf (" %12s |", "—");
          else
            printf (" %12.1f |", percentile (a, 0.5));
        }
      printf ("\n");
    }
  if (cpu)
    {
      printf ("| %-30s |", "CPU to first frame (p50)");
      for (guint v = 0; v < n; v++)
        printf (" %12.1f |", percentile (variants[v]->cpu_frame, 0.5));
      printf ("\n");
      return;
    }
  printf ("| %-30s |", "total to first frame (p50)");
  for (guint v = 0; v < n; v++)
    printf (" %12.1f |", percentile (variants[v]->ms, 0.5));
  printf ("\n| %-30s |", "CPU user+sys to exit (p50)");
  for (guint v = 0; v < n; v++)
    printf (" %12.1f |", percentile (variants[v]->cpu, 0.5));
  printf ("\n| %-30s |", "first frame → loop idle (p50)");
  for (guint v = 0; v < n; v++)
    printf (" %12.1f |", percentile (variants[v]->settled, 0.5));
  printf ("\n");
}

static void
print_row (const gchar *what,
           GArray      *ms,
           const gchar *limit_what,
           GArray      *limit)
{
  gdouble p50 = percentile (ms, 0.5), p95 = percentile (ms, 0.95);
  gdouble l50 = percentile (limit, 0.5), l95 = percentile (limit, 0.95);

  printf ("| %-38s | %8.2f | %8.2f | %-30s | %8.2f | %8.2f | %7.2fx |\n",
          what, p50, p95, limit_what, l50, l95, l95 > 0 ? p95 / l95 : 0);
}

/* ---- Keystrokes --------------------------------------------------------- */

static GPtrArray *
pick_words (PtMedicineListModel *model,
            GRand               *rand,
            guint                n)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  guint total = g_list_model_get_n_items (G_LIST_MODEL (model));

  for (guint i = 0; total > 0 && i < n; i++)
    {
      g_autoptr(PtMedicineItem) item = g_list_model_get_item (G_LIST_MODEL (model),
                                                              g_rand_int_range (rand, 0, (gint32) total));
      const gchar *name = item ? pt_medicine_item_get_name (item) : NULL;

      if (name != NULL && *name != '\0')
        g_ptr_array_add (words, g_strdup (name));
    }
  return words;
}

/* One timed keystroke, to show where the slowest ones come from. */
typedef struct {
  gchar  *text;
  gdouble total, count, page;
  guint   n_items;
  guint   position;   /* letters typed of the name */
} Keystroke;

static void
keystroke_free (gpointer data)
{
  Keystroke *k = data;

  g_free (k->text);
  g_free (k);
}

static gint
compare_keystroke (gconstpointer a,
                   gconstpointer b)
{
  const Keystroke *x = *(Keystroke * const *) a, *y = *(Keystroke * const *) b;

  return x->total < y->total ? 1 : x->total > y->total ? -1 : 0;
}

static void
bench_keystrokes (PtStore *store,
                  GRand   *rand,
                  GArray  *model_ms,
                  GArray  *count_ms,
                  GArray  *page_ms,
                  GArray  *raw_ms,
                  GArray  *rest_ms,
                  GPtrArray *slowest,
                  guint   *keystrokes)
{
  g_autoptr(PtMedicineListModel) model = pt_medicine_list_model_new (store);
  g_autofree gchar *pharmacy = pt_store_get_pharmacy_id (store);
  g_autoptr(GPtrArray) words = NULL;

  pt_medicine_list_model_set_pharmacy_id (model, pharmacy);
  words = pick_words (model, rand, (guint) opt_words);
  *keystrokes = 0;
  for (guint w = 0; w < words->len; w++)
    {
      const gchar *word = g_ptr_array_index (words, w);
      glong chars = MIN (g_utf8_strlen (word, -1), 8);

      /* Typed letter by letter, as at the counter; then cleared. */
      for (glong c = 1; c <= chars; c++)
        {
          g_autofree gchar *prefix = g_utf8_substring (word, 0, c);
          g_autoptr(GPtrArray) ids = NULL;
          gdouble t0, tc, t1, t2;
          guint n;

          t0 = now_ms ();
          /* The model recounts the matches at once … */
          pt_medicine_list_model_set_query (model, prefix);
          n = g_list_model_get_n_items (G_LIST_MODEL (model));
          tc = now_ms ();
          /* … and reads a page when the view asks for the visible rows. */
          for (guint i = 0; i < MIN (n, VISIBLE_ROWS); i++)
            {
              g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (model), i);
              g_assert (item != NULL);
            }
          t1 = now_ms ();
          ids = pt_store_search_medicines (store, prefix, 50, NULL);
          t2 = now_ms ();
          g_array_append_val (model_ms, (gdouble) { t1 - t0 });
          g_array_append_val (count_ms, (gdouble) { tc - t0 });
          g_array_append_val (page_ms, (gdouble) { t1 - tc });
          g_array_append_val (raw_ms, (gdouble) { t2 - t1 });
          (*keystrokes)++;
          {
            Keystroke *k = g_new0 (Keystroke, 1);

            k->text = g_strdup (prefix);
            k->total = t1 - t0;
            k->count = tc - t0;
            k->page = t1 - tc;
            k->n_items = n;
            k->position = (guint) c;
            g_ptr_array_add (slowest, k);
          }

          /* Not per keystroke: once the list is scrolled past the names
           * that start with the text, the next part of the other matches
           * is read (all of them when they are few). */
          if (!pt_medicine_list_model_is_complete (model))
            {
              t0 = now_ms ();
              pt_medicine_list_model_load_rest (model);
              g_array_append_val (rest_ms, (gdouble) { now_ms () - t0 });
            }
        }
      pt_medicine_list_model_set_query (model, NULL);
    }
}

/* ---- Sorted by stock or expiry ------------------------------------------ */

/* What scrolling a list sorted by stock or by nearest expiry costs: the
 * time to read one page (the row the view asks for) at pages 0, 7, 8, 9
 * and a deep one.  Once per (query, sort): the first page read makes the
 * store's ordering of the matches, kept until the next change. */
static void
bench_sorted_pages (PtStore *store)
{
  static const struct { const gchar *query; const gchar *what; } queries[] = {
    { NULL, "whole catalogue" },
    { "a", "search \"a\"" },
  };
  static const struct { PtMedicineSort sort; const gchar *what; } sorts[] = {
    { PT_MEDICINE_SORT_STOCK, "stock" },
    { PT_MEDICINE_SORT_EXPIRY, "nearest expiry" },
  };
  g_autofree gchar *pharmacy = pt_store_get_pharmacy_id (store);

  printf ("\nSorted lists, ms to read the page the view asks for (%u rows a page; the\n"
          "first read orders every match by the key, the others read that ordering)\n\n",
          PT_MEDICINE_LIST_PAGE_SIZE);
  printf ("| %-34s | %8s | %8s | %8s | %8s | %8s | %8s |\n",
          "list", "items", "page 0", "page 7", "page 8", "page 9", "deep");
  printf ("|------------------------------------|---------:|---------:|---------:|---------:|---------:|---------:|\n");
  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    for (guint s = 0; s < G_N_ELEMENTS (sorts); s++)
      {
        g_autoptr(PtMedicineListModel) model = pt_medicine_list_model_new (store);
        g_autofree gchar *what = g_strdup_printf ("%s by %s", queries[q].what, sorts[s].what);
        guint pages[] = { 0, 7, 8, 9, 0 };
        guint n;

        pt_medicine_list_model_set_pharmacy_id (model, pharmacy);
        pt_medicine_list_model_set_sort (model, sorts[s].sort, FALSE);
        pt_medicine_list_model_set_query (model, queries[q].query);
        n = g_list_model_get_n_items (G_LIST_MODEL (model));
        pages[4] = n / PT_MEDICINE_LIST_PAGE_SIZE / 2;
        printf ("| %-34s | %8u |", what, n);
        for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
          {
            guint position = pages[i] * PT_MEDICINE_LIST_PAGE_SIZE;
            gdouble t0 = now_ms ();
            g_autoptr(GObject) item = position < n ? g_list_model_get_item (G_LIST_MODEL (model), position) : NULL;

            if (item == NULL)
              printf (" %8s |", "—");
            else
              printf (" %8.1f |", now_ms () - t0);
          }
        printf ("\n");
      }
}

/* ---- Main --------------------------------------------------------------- */

static void
progress_cb (gint64 done, gint64 total, gpointer data)
{
  if (total > 0 && done % 5000 == 0)
    fprintf (stderr, "\rbench-ui: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT, done, total);
}

static PtStore *
open_or_make (const gchar *dir,
              guint        medicines,
              GError     **error)
{
  PtDemoOptions options = {
    .medicines = medicines,
    .patients = MAX (medicines / 20, 200),
    .prescriptions = MAX (medicines / 20, 300),
    .seed = (guint64) opt_seed,
  };

  if (pt_store_exists (dir))
    return pt_store_open (dir, error);
  fprintf (stderr, "bench-ui: generating %u medicines in %s (seed %" G_GINT64_FORMAT ")\n",
           medicines, dir, opt_seed);
  return pt_demo_create_store (dir, &options, progress_cb, NULL, error);
}

static void
remove_tree (const gchar *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— desktop app start-up and search figures");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GArray) model_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) raw_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) count_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) page_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) rest_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GPtrArray) slowest = g_ptr_array_new_with_free_func (keystroke_free);
  g_autofree gchar *self_path = NULL;
  g_autofree gchar *big_dir = NULL;
  g_autofree gchar *demo_dir = NULL;
  GRand *rand;
  gboolean temporary = FALSE;
  guint keystrokes = 0;
  gint64 n_medicines;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_child != NULL)
    return run_child (opt_child, opt_data_dir);

  self_path = g_file_read_link ("/proc/self/exe", NULL);
  if (self_path == NULL)
    self_path = g_strdup (argv[0]);
  rand = g_rand_new_with_seed ((guint32) opt_seed);

  if (opt_data_dir != NULL)
    big_dir = g_strdup (opt_data_dir);
  else
    {
      big_dir = g_dir_make_tmp ("pt-bench-ui-XXXXXX", &error);
      temporary = TRUE;
    }
  store = open_or_make (big_dir, (guint) opt_medicines, &error);
  if (store == NULL)
    {
      g_printerr ("bench-ui: %s\n", error->message);
      return 1;
    }
  pt_store_act_as_system (store);
  n_medicines = pt_store_count (store, "medicines");

  /* 2. Keystroke → model (no display needed). */
  bench_keystrokes (store, rand, model_ms, count_ms, page_ms, raw_ms, rest_ms, slowest, &keystrokes);

  printf ("bench-ui (seed %" G_GINT64_FORMAT "): %" G_GINT64_FORMAT " medicines, %u keystrokes "
          "(%d names typed letter by letter), %d start-ups per variant, GSK_RENDERER=%s\n\n",
          opt_seed, n_medicines, keystrokes, opt_words, opt_runs,
          g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "(default)");
  printf ("| %-38s | %8s | %8s | %-30s | %8s | %8s | %8s |\n",
          "measure", "p50 ms", "p95 ms", "limit (same run)", "lim p50", "lim p95", "ratio p95");
  printf ("|----------------------------------------|---------:|---------:|--------------------------------|---------:|---------:|---------:|\n");
  {
    g_autofree gchar *what = g_strdup_printf ("keystroke → model, %" G_GINT64_FORMAT " meds", n_medicines);

    print_row (what, model_ms, "raw store search (50 ids)", raw_ms);
    print_row ("  of which: count the matches", count_ms, "raw store search (50 ids)", raw_ms);
    print_row ("  of which: first page with stock", page_ms, "raw store search (50 ids)", raw_ms);
    {
      g_autofree gchar *rest_what = g_strdup_printf ("on scroll: next other matches (%u×)", rest_ms->len);

      printf ("| %-38s | %8.2f | %8.2f | %-30s | %8s | %8s | %8s |\n", rest_what,
              percentile (rest_ms, 0.5), percentile (rest_ms, 0.95), "(once per search, not timed", "", "", "");
    }
  }

  /* Where the slowest keystrokes come from. */
  g_ptr_array_sort (slowest, compare_keystroke);
  printf ("\nSlowest keystrokes (text typed, letters of the name, items listed; ms):\n");
  for (guint i = 0; i < MIN (slowest->len, 8); i++)
    {
      Keystroke *k = g_ptr_array_index (slowest, i);

      printf ("  %-12s letter %u  %6u items  total %7.2f  count %6.2f  first page %7.2f\n",
              k->text, k->position, k->n_items, k->total, k->count, k->page);
    }

  bench_sorted_pages (store);

  /* 1. Start-up to the first frame. */
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    printf ("\n(start-up not measured: no display; run under xvfb-run -a -s \"-screen 0 1280x800x24\")\n");
  else
    {
      g_autoptr(PtStore) demo_store = NULL;
      PtDemoOptions options = { .medicines = 500, .patients = 200, .prescriptions = 300, .seed = 42 };
      g_autofree gchar *what = g_strdup_printf ("start-up → first frame, %" G_GINT64_FORMAT " meds",
                                                n_medicines);
      g_autofree gchar *cpu_what = g_strdup_printf ("  CPU of it, %" G_GINT64_FORMAT " meds", n_medicines);
      Startup bare, floor, demo, big, bare_cairo, floor_cairo, demo_cairo, warm;
      Startup *all[] = { &bare, &floor, &demo, &big, &bare_cairo, &floor_cairo, &demo_cairo };

      /* The store the welcome page's "Explore with demo data" makes. */
      demo_dir = g_dir_make_tmp ("pt-bench-ui-demo-XXXXXX", &error);
      demo_store = pt_demo_create_store (demo_dir, &options, NULL, NULL, &error);
      if (demo_store == NULL)
        {
          g_printerr ("bench-ui: %s\n", error->message);
          return 1;
        }
      g_clear_object (&demo_store);
      /* The big store is closed while the windows open it. */
      g_clear_object (&store);

      phase_order = g_ptr_array_new_with_free_func (g_free);
      startup_init (&bare, "bare", "bare", demo_dir, g_getenv ("GSK_RENDERER"));
      startup_init (&floor, "adw floor", "floor", demo_dir, g_getenv ("GSK_RENDERER"));
      startup_init (&demo, "app demo", "app", demo_dir, g_getenv ("GSK_RENDERER"));
      startup_init (&big, "app big", "app", big_dir, g_getenv ("GSK_RENDERER"));
      startup_init (&bare_cairo, "bare cairo", "bare", demo_dir, "cairo");
      startup_init (&floor_cairo, "floor cairo", "floor", demo_dir, "cairo");
      startup_init (&demo_cairo, "app cairo", "app", demo_dir, "cairo");
      startup_init (&warm, "first app", "app", demo_dir, g_getenv ("GSK_RENDERER"));
      /* Not counted: the first application start in a new D-Bus session
       * also starts the desktop portal (GtkApplication asks for its
       * Inhibit interface when no session manager answers), which a
       * desktop session has running already. */
      if (!time_startup (self_path, &warm))
        return 1;
      /* Interleaved, so that machine load hits all of them alike. */
      for (gint i = 0; i < opt_runs; i++)
        for (guint v = 0; v < G_N_ELEMENTS (all); v++)
          if (!time_startup (self_path, all[v]))
            return 1;
      print_row ("start-up → first frame, demo store", demo.ms, "AdwApplicationWindow floor", floor.ms);
      print_row (what, big.ms, "AdwApplicationWindow floor", floor.ms);
      print_row ("  CPU of it (user+sys), demo store", demo.cpu, "AdwApplicationWindow CPU", floor.cpu);
      print_row (cpu_what, big.cpu, "AdwApplicationWindow CPU", floor.cpu);
      print_row ("GSK_RENDERER=cairo: demo store", demo_cairo.ms, "AdwApplicationWindow, cairo", floor_cairo.ms);
      print_row ("  CPU of it, cairo", demo_cairo.cpu, "AdwApp.Window CPU, cairo", floor_cairo.cpu);
      print_row ("AdwApplicationWindow floor", floor.ms, "bare GtkWindow first frame", bare.ms);
      print_row ("AdwApplicationWindow floor, cairo", floor_cairo.ms, "bare GtkWindow, cairo", bare_cairo.ms);
      printf ("\nNot counted above: the first start in this D-Bus session (it starts the portal): %.1f ms\n",
              percentile (warm.ms, 0.5));

      printf ("\nStart-up phases, p50 wall ms since the phase before (bare: GtkWindow with a label;\n"
              "adw floor: AdwApplication + AdwApplicationWindow with a header bar and a label;\n"
              "app: pharmatrack --data-dir to its sign-in screen; big: the --data-dir store;\n"
              "frame: layout = style + size allocation, paint = snapshot + drawing)\n\n");
      print_phase_table (all, G_N_ELEMENTS (all), FALSE);
      printf ("\nThe same phases in CPU time of the child (user + sys, every thread: the\n"
              "GL rasteriser's too), which the machine's load does not inflate:\n\n");
      print_phase_table (all, G_N_ELEMENTS (all), TRUE);
      for (guint v = 0; v < G_N_ELEMENTS (all); v++)
        startup_clear (all[v]);
      startup_clear (&warm);
      g_clear_pointer (&phase_order, g_ptr_array_unref);
      remove_tree (demo_dir);
    }

  g_clear_object (&store);
  if (temporary)
    remove_tree (big_dir);
  g_rand_free (rand);
  return 0;
}
