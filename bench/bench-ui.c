/* bench-ui: the two figures of the desktop app's quality bar, each against
 * a limit measured in the same run.  Prints figures; never asserts on time.
 *
 *   1. Startup: from exec to the first frame of the main window (the
 *      sign-in screen of the store in the data dir; 1280×800), on the demo
 *      store and on the big store.  Limit: exec to the first frame of a
 *      bare GtkWindow (same binary, same GTK/libadwaita start-up).
 *   2. Keystroke → medicines model updated at N medicines: what the
 *      search entry's "search-changed" does — set the query, the model
 *      plans the list (barcode, names starting with the text, counted
 *      from the index) and the view reads the first visible rows (20).
 *      Printed apart: reading the other matches, which happens once when
 *      the list is scrolled past those names, not per keystroke.  Limit:
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

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "pt-demo.h"
#include "pt-medicine-item.h"
#include "pt-medicine-list-model.h"
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

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       data)
{
  /* The first frame is on screen: the parent stops its clock now. */
  fputs ("frame\n", stdout);
  fflush (stdout);
  exit (0);
}

static void
realize_cb (GtkWidget *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), NULL);
}

static int
run_child (const gchar *mode,
           const gchar *dir)
{
  GtkWidget *window;

  adw_init ();
  if (g_str_equal (mode, "bare"))
    {
      window = gtk_window_new ();
      gtk_window_set_child (GTK_WINDOW (window), gtk_label_new ("PharmaTrack"));
    }
  else
    {
      pt_register_resource ();
      window = GTK_WIDGET (pt_window_new (NULL, dir));
    }
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  g_signal_connect (window, "realize", G_CALLBACK (realize_cb), NULL);
  gtk_window_present (GTK_WINDOW (window));
  for (;;)
    g_main_context_iteration (NULL, TRUE);
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

/* Wall time to the first frame in @ms, and the child's CPU time (user +
 * sys, which the machine's load does not inflate) in @cpu. */
static gboolean
time_startup (const gchar *self_path,
              const gchar *mode,
              const gchar *dir,
              GArray      *ms,
              GArray      *cpu)
{
  const gchar *argv[] = { self_path, "--child", mode, "--data-dir", dir, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  gint status;
  gdouble c0 = children_cpu_ms ();
  gdouble t0 = now_ms ();

  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, NULL, &status, &error))
    {
      g_printerr ("bench-ui: %s\n", error->message);
      return FALSE;
    }
  if (out == NULL || !g_str_has_prefix (out, "frame"))
    {
      g_printerr ("bench-ui: the %s window showed no frame\n", mode);
      return FALSE;
    }
  g_array_append_val (ms, (gdouble) { now_ms () - t0 });
  g_array_append_val (cpu, (gdouble) { children_cpu_ms () - c0 });
  return TRUE;
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

static void
bench_keystrokes (PtStore *store,
                  GRand   *rand,
                  GArray  *model_ms,
                  GArray  *count_ms,
                  GArray  *page_ms,
                  GArray  *raw_ms,
                  GArray  *rest_ms,
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

          /* Not per keystroke: once the list is scrolled past the names
           * that start with the text, the other matches are read. */
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
  bench_keystrokes (store, rand, model_ms, count_ms, page_ms, raw_ms, rest_ms, &keystrokes);

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
      g_autofree gchar *rest_what = g_strdup_printf ("on scroll: the other matches (%u×)", rest_ms->len);

      printf ("| %-38s | %8.2f | %8.2f | %-30s | %8s | %8s | %8s |\n", rest_what,
              percentile (rest_ms, 0.5), percentile (rest_ms, 0.95), "(once per search, not timed", "", "", "");
    }
  }

  /* 1. Start-up to the first frame. */
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    printf ("\n(start-up not measured: no display; run under xvfb-run -a -s \"-screen 0 1280x800x24\")\n");
  else
    {
      g_autoptr(GArray) bare = g_array_new (FALSE, FALSE, sizeof (gdouble));
      g_autoptr(GArray) demo = g_array_new (FALSE, FALSE, sizeof (gdouble));
      g_autoptr(GArray) big = g_array_new (FALSE, FALSE, sizeof (gdouble));
      g_autoptr(GArray) bare_cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
      g_autoptr(GArray) demo_cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
      g_autoptr(GArray) big_cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
      g_autoptr(PtStore) demo_store = NULL;
      PtDemoOptions options = { .medicines = 500, .patients = 200, .prescriptions = 300, .seed = 42 };
      g_autofree gchar *what = g_strdup_printf ("start-up → first frame, %" G_GINT64_FORMAT " meds",
                                                n_medicines);

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

      /* Interleaved, so that machine load hits all three alike. */
      for (gint i = 0; i < opt_runs; i++)
        if (!time_startup (self_path, "bare", demo_dir, bare, bare_cpu)
            || !time_startup (self_path, "window", demo_dir, demo, demo_cpu)
            || !time_startup (self_path, "window", big_dir, big, big_cpu))
          return 1;
      print_row ("start-up → first frame, demo store", demo, "bare GtkWindow first frame", bare);
      print_row (what, big, "bare GtkWindow first frame", bare);
      print_row ("  CPU of it (user+sys), demo store", demo_cpu, "bare GtkWindow CPU", bare_cpu);
      {
        g_autofree gchar *cpu_what = g_strdup_printf ("  CPU of it, %" G_GINT64_FORMAT " meds", n_medicines);

        print_row (cpu_what, big_cpu, "bare GtkWindow CPU", bare_cpu);
      }
      remove_tree (demo_dir);
    }

  g_clear_object (&store);
  if (temporary)
    remove_tree (big_dir);
  g_rand_free (rand);
  return 0;
}
