/* test-cli-tty.c: pharmatrack-admin on a terminal (a pseudo-terminal the
 * test holds): the --user password prompt reads without echo, and an
 * import shows its progress on stderr — which a pipe never gets (the
 * other cli tests assert an empty stderr on success). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cli-test-util.h"

#define TTY_TIMEOUT_MS 60000

typedef struct
{
  pid_t    pid;
  int      master;
  GString *seen;       /* everything the terminal showed */
} Tty;

/* Starts pharmatrack-admin --data-dir DIR ARGS… on a new terminal, as the
 * session's controlling terminal, without PHARMATRACK_PASSWORD. */
static void
tty_start (Tty *t, CliFixture *f, const gchar * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = NULL;

  g_ptr_array_add (argv, (gpointer) g_getenv ("PT_ADMIN"));
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, f->data_dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  envp = g_get_environ ();
  envp = g_environ_unsetenv (envp, "PHARMATRACK_PASSWORD");
  envp = g_environ_unsetenv (envp, "PHARMATRACK_DATA_DIR");
  t->seen = g_string_new (NULL);
  t->pid = forkpty (&t->master, NULL, NULL, NULL);
  g_assert_cmpint (t->pid, >=, 0);
  if (t->pid == 0)
    {
      /* Only async-signal-safe calls between fork and exec. */
      execve ((const gchar *) argv->pdata[0], (gchar **) argv->pdata, envp);
      _exit (127);
    }
}

/* Reads what the terminal shows until @needle appears (NULL: until the
 * program closes it); fails the test after TTY_TIMEOUT_MS. */
static void
tty_read_until (Tty *t, const gchar *needle)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) TTY_TIMEOUT_MS * 1000;

  while (needle == NULL || strstr (t->seen->str, needle) == NULL)
    {
      struct pollfd p = { .fd = t->master, .events = POLLIN };
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      char buf[4096];
      ssize_t n;
      int rc;

      if (left_ms <= 0)
        {
          kill (t->pid, SIGKILL);
          g_error ("the terminal never showed “%s”; it showed: %s",
                   needle ? needle : "(end)", t->seen->str);
        }
      rc = poll (&p, 1, (int) left_ms);
      if (rc < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (rc, >=, 0);
      if (rc == 0)
        continue;
      n = read (t->master, buf, sizeof buf);
      if (n <= 0)               /* EIO: the program closed the terminal */
        {
          if (needle != NULL)
            g_error ("the program ended before showing “%s”; it showed: %s", needle,
                     t->seen->str);
          return;
        }
      g_string_append_len (t->seen, buf, n);
    }
}

static void
tty_write (Tty *t, const gchar *text)
{
  g_assert_cmpint (write (t->master, text, strlen (text)), ==, (gssize) strlen (text));
}

/* Waits for the program (reading the rest of its output); its exit code. */
static gint
tty_finish (Tty *t)
{
  int status = 0;

  tty_read_until (t, NULL);
  g_assert_cmpint (waitpid (t->pid, &status, 0), ==, t->pid);
  close (t->master);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
tty_clear (Tty *t)
{
  if (t->seen != NULL)
    g_string_free (t->seen, TRUE);
  t->seen = NULL;
}

static void
test_password_prompt (CliFixture *f, gconstpointer data)
{
  const gchar *args[] = { "--user", CLI_TEST_EMAIL, "status", NULL };

  {
    Tty t = { 0 };

    tty_start (&t, f, args);
    tty_read_until (&t, "assword");
    tty_write (&t, CLI_TEST_PASSWORD "\n");
    g_assert_cmpint (tty_finish (&t), ==, 0);
    g_assert_nonnull (strstr (t.seen->str, "Test Pharmacy"));
    /* Typed, never shown. */
    g_assert_null (strstr (t.seen->str, CLI_TEST_PASSWORD));
    tty_clear (&t);
  }
  {
    Tty t = { 0 };

    tty_start (&t, f, args);
    tty_read_until (&t, "assword");
    tty_write (&t, "not the password\n");
    g_assert_cmpint (tty_finish (&t), ==, 1);
    g_assert_null (strstr (t.seen->str, "Test Pharmacy"));
    g_assert_null (strstr (t.seen->str, "not the password"));
    tty_clear (&t);
  }
}

static void
test_import_progress (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *file = g_build_filename (f->tmp, "catalogue.json", NULL);
  GString *lines = g_string_new (NULL);
  const gchar *args[] = { "import", "--collection", "medicines", file, NULL };
  Tty t = { 0 };

  /* A supplier's catalogue of 3,000 lines. */
  for (guint i = 0; i < 3000; i++)
    g_string_append_printf (lines, "{\"name\": \"Catalogue item %u\", \"schedule\": \"otc\", "
                                   "\"price\": %u}\n", i, 10 + i % 90);
  g_assert_true (g_file_set_contents (file, lines->str, lines->len, NULL));
  g_string_free (lines, TRUE);

  tty_start (&t, f, args);
  g_assert_cmpint (tty_finish (&t), ==, 0);
  /* The progress line ("import: N / M (P %)") was drawn, then erased. */
  g_assert_nonnull (strstr (t.seen->str, "import: "));
  g_assert_nonnull (strstr (t.seen->str, "%)"));
  g_assert_cmpint (cli_status_int (f, NULL, "medicines"), ==, 3000);
  tty_clear (&t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli/tty/password-prompt-reads-without-echo", CliFixture, GINT_TO_POINTER (TRUE),
              cli_fixture_setup, test_password_prompt, cli_fixture_teardown);
  g_test_add ("/cli/tty/import-shows-progress-on-a-terminal", CliFixture, GINT_TO_POINTER (TRUE),
              cli_fixture_setup, test_import_progress, cli_fixture_teardown);
  return g_test_run ();
}
