/* pt-store-checkpoint.c: WAL checkpoints off the committing thread, and
 * at the counter's idle moments.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL
 * past 1000 pages: that commit (a dispense at the counter, every fortieth
 * or so) then also copies a thousand pages into the database file and
 * syncs it.  Instead, a WAL hook on every store connection hands the
 * checkpoint to one worker thread with its own connection, which runs it
 * PASSIVE (it never waits for, nor blocks, a reader or the writer).
 *
 * When: past PT_STORE_WAL_SOFT_PAGES, counter-sized commits (a dispense
 * writes about twenty pages) are checkpointed once the store has been
 * idle for PT_STORE_WAL_IDLE_MS — a
 * checkpoint's sync of the database file then competes with no commit's
 * sync, and once the WAL is wholly copied the next commit writes it again
 * from its beginning, over a part of the file that is already allocated
 * (on this disk an fdatasync that also has to write the file's new size
 * costs about twice as much).  A big commit (bulk work: an import, a
 * sync) asks at once, every PT_STORE_WAL_SOFT_PAGES of growth, as the
 * work goes on.  The WAL stays bounded: past PT_STORE_WAL_HARD_PAGES (no
 * idle moment came, or the worker fell behind) the committing connection
 * checkpoints inline as SQLite would have, and journal_size_limit keeps
 * the file at most that long when it starts again (not shorter: a shorter
 * file would be grown again, frame by frame).  A checkpoint is as
 * crash-safe on one connection as on another. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include "pt-store-impl.h"

/* A commit of more frames than this is bulk work. */
#define BULK_COMMIT_PAGES 256
/* How long an idle checkpoint waits for a pause before giving up (the
 * next commit asks again); the worker serves every store of the
 * process, one at a time. */
#define IDLE_GIVE_UP_MS 2000

typedef struct
{
  gchar    *path;
  gboolean  now;        /* bulk work: do not wait for a pause */
} Job;

static GMutex lock;
static GCond idle_cond;
static GThreadPool *pool;        /* one thread: checkpoints never overlap */
static GHashTable *queued;       /* paths with a checkpoint queued or running */
static GHashTable *asked_at;     /* path → WAL pages when last asked (+1) */
static GHashTable *last_commit;  /* path → monotonic µs of its last commit */
static guint running;            /* queued + running jobs */
static guint64 n_background;
static guint64 n_inline;

/* Until @path has seen no commit for PT_STORE_WAL_IDLE_MS; FALSE when
 * commits kept coming for IDLE_GIVE_UP_MS.  Called with the lock held. */
static gboolean
wait_for_pause (const gchar *path)
{
  gint64 give_up = g_get_monotonic_time () + IDLE_GIVE_UP_MS * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      gint64 last = 0, now = g_get_monotonic_time (), until;
      gpointer value;

      if (g_hash_table_lookup_extended (last_commit, path, NULL, &value))
        last = *(gint64 *) value;
      until = last + PT_STORE_WAL_IDLE_MS * G_TIME_SPAN_MILLISECOND;
      if (now >= until)
        return TRUE;
      if (now >= give_up)
        return FALSE;
      /* Nothing signals the condition: a timed sleep that lets commits
       * move `last` meanwhile. */
      g_cond_wait_until (&idle_cond, &lock, MIN (until, give_up));
    }
}

static void
checkpoint_job (gpointer data,
                gpointer user_data)
{
  Job *job = data;
  const gchar *path = job->path;
  sqlite3 *db = NULL;
  int log = -1, done = -1;
  int rc;
  gboolean paused = TRUE;

  (void) user_data;
  g_mutex_lock (&lock);
  if (!job->now)
    paused = wait_for_pause (path);
  /* Taken off the queue before it runs: a commit from now on asks
   * again. */
  g_hash_table_remove (queued, path);
  g_mutex_unlock (&lock);
  if (!paused)
    {
      g_debug ("no pause in the commits to %s: its checkpoint waits for the next", path);
      goto out;
    }

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 1000);
      /* A connection opens the WAL at its first read: until then it
       * would report "not in WAL mode" and checkpoint nothing. */
      rc = sqlite3_exec (db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
      /* Commits went on while the pages were copied: a few more passes
       * copy those too, so that the WAL is wholly in the database for a
       * moment and the next commit starts it again from the beginning
       * (the WAL file is reused, not grown). */
      for (guint pass = 0; rc == SQLITE_OK && pass < 4; pass++)
        {
          rc = sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
          if (log == done)
            break;
        }
      /* All copied: mark the WAL to start again from its beginning (a
       * WAL that only grows makes every commit's sync also write the
       * file's new size).  RESTART needs the write lock for a moment;
       * without waiting for it (a commit in progress: BUSY, never mind),
       * and with nothing left to copy it syncs nothing. */
      if (rc == SQLITE_OK && log == done && log > 0)
        {
          sqlite3_busy_timeout (db, 0);
          if (sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL)
              == SQLITE_OK)
            g_debug ("WAL of %s starts again from its beginning", path);
        }
    }
  /* Busy (another connection checkpoints) or a file gone: the next
   * commit asks again, and the hard bound still holds. */
  g_debug ("background checkpoint of %s: %s (%d of %d WAL frames)", path,
           sqlite3_errstr (rc), done, log);
  sqlite3_close_v2 (db);

out:
  g_mutex_lock (&lock);
  if (paused)
    n_background++;
  running--;
  g_cond_broadcast (&idle_cond);
  g_mutex_unlock (&lock);
  g_free (job->path);
  g_free (job);
}

/* Called with the lock held. */
static void
queue_job (const gchar *path,
           gboolean     now)
{
  Job *job;

  if (g_hash_table_contains (queued, path))
    return;
  job = g_new0 (Job, 1);
  job->path = g_strdup (path);
  job->now = now;
  g_hash_table_add (queued, g_strdup (path));
  running++;
  g_thread_pool_push (pool, job, NULL);
}

/* Every commit: notes its time.  Past PT_STORE_WAL_SOFT_PAGES, bulk work
 * asks for a checkpoint at once, once per PT_STORE_WAL_SOFT_PAGES of
 * growth (while commits keep coming the WAL cannot start again from the
 * beginning); a counter-sized commit asks for one at the next pause.  Not
 * sooner: the commit that starts the WAL again also writes and syncs its
 * header (a second fdatasync), and a checkpoint syncs the database file —
 * once per thousand pages, not after every dispense. */
static void
note_commit (const gchar *path,
             guint        pages,
             gboolean     bulk)
{
  gint64 *last;

  g_mutex_lock (&lock);
  if (pool == NULL)
    {
      queued = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      asked_at = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      last_commit = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      pool = g_thread_pool_new (checkpoint_job, NULL, 1, FALSE, NULL);
    }
  last = g_hash_table_lookup (last_commit, path);
  if (last == NULL)
    {
      last = g_new0 (gint64, 1);
      g_hash_table_insert (last_commit, g_strdup (path), last);
    }
  *last = g_get_monotonic_time ();

  if (bulk && pages >= PT_STORE_WAL_SOFT_PAGES)
    {
      guint asked = GPOINTER_TO_UINT (g_hash_table_lookup (asked_at, path));

      if (asked == 0 || pages + 1 < asked || pages + 1 >= asked + PT_STORE_WAL_SOFT_PAGES)
        {
          g_hash_table_insert (asked_at, g_strdup (path), GUINT_TO_POINTER (pages + 1));
          queue_job (path, TRUE);
        }
    }
  else if (!bulk && pages >= PT_STORE_WAL_SOFT_PAGES)
    queue_job (path, FALSE);
  g_mutex_unlock (&lock);
}

static int
wal_hook_cb (void       *data,
             sqlite3    *db,
             const char *schema,
             int         pages)
{
  PtStore *self = data;
  /* The frames this commit added (the WAL may have started again). */
  guint added = (guint) (pages >= self->wal_pages ? pages - self->wal_pages : pages);

  self->wal_pages = pages;
  if (pages >= PT_STORE_WAL_HARD_PAGES)
    {
      int rc = sqlite3_wal_checkpoint_v2 (db, schema, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

      g_debug ("inline checkpoint of %s at %d WAL pages: %s", self->path, pages,
               sqlite3_errstr (rc));
      g_mutex_lock (&lock);
      n_inline++;
      g_mutex_unlock (&lock);
    }
  note_commit (self->path, (guint) pages, added > BULK_COMMIT_PAGES);
  return SQLITE_OK;
}

void
_pt_store_install_checkpointer (PtStore *self)
{
  /* Replaces SQLite's automatic checkpoint on this connection. */
  sqlite3_wal_hook (self->db, wal_hook_cb, self);
}

gboolean
_pt_store_checkpoints_wait (guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean idle = TRUE;

  g_mutex_lock (&lock);
  while (running > 0 && idle)
    idle = g_cond_wait_until (&idle_cond, &lock, deadline);
  idle = running == 0;
  g_mutex_unlock (&lock);
  return idle;
}

void
_pt_store_checkpoint_counts (guint64 *background,
                             guint64 *inline_)
{
  g_mutex_lock (&lock);
  if (background != NULL)
    *background = n_background;
  if (inline_ != NULL)
    *inline_ = n_inline;
  g_mutex_unlock (&lock);
}
