/* cli-test-util.h: running the built pharmatrack-admin from GTest programs. */
#pragma once

#include <gio/gio.h>
#include <bson/bson.h>

G_BEGIN_DECLS

#define CLI_TEST_TENANT   "6650a1b2c3d4e5f601234567"
#define CLI_TEST_OTHER    "6650a1b2c3d4e5f6deadbeef"
#define CLI_TEST_EMAIL    "owner@test.example"
#define CLI_TEST_PASSWORD "correct horse battery"

typedef struct
{
  gchar *tmp;          /* removed at teardown */
  gchar *data_dir;     /* tmp/data */
  gchar *device_id;    /* printed by init */
  const gchar *password; /* PHARMATRACK_PASSWORD for the child, or NULL */
  gboolean unprivileged; /* when root: run the child as "nobody" (65534) */
} CliFixture;

typedef struct
{
  gint   status;       /* exit status; -1 when killed by a signal */
  gchar *out;
  gchar *err;
} CliResult;

void      cli_result_clear (CliResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliResult, cli_result_clear)

/* A temporary dir and, when @with_store, `init` of a professional-plan
 * tenant CLI_TEST_TENANT with owner CLI_TEST_EMAIL. */
void      cli_fixture_setup         (CliFixture *f, gconstpointer with_store);
void      cli_fixture_teardown      (CliFixture *f, gconstpointer data);

/* Runs pharmatrack-admin --data-dir f->data_dir ARGS… (NULL-terminated),
 * with @input (may be NULL) on stdin; waits at most 60 s. */
void      cli_run       (CliFixture *f, CliResult *r, const gchar *input,
                         gsize input_len, ...) G_GNUC_NULL_TERMINATED;
/* Same with an argv array (no --data-dir added). */
void      cli_run_argv  (CliFixture *f, CliResult *r, const gchar *input,
                         gsize input_len, const gchar * const *argv);

/* Asserts success, printing stderr when not. */
#define cli_assert_ok(r) \
  G_STMT_START { if ((r)->status != 0) \
    g_error ("command failed (%d): %s", (r)->status, (r)->err); } G_STMT_END
/* A failure the way a user must see it: non-zero exit, exactly ONE line on
 * stderr starting with "pharmatrack-admin: ", containing @needle (case-
 * insensitive, may be NULL). */
void      cli_assert_one_line_failure (const CliResult *r, gint expected_status,
                                       const gchar *needle);

/* The whole store as `export --include-deleted` prints it: equal before
 * and after a refused command means nothing changed. */
gchar    *cli_snapshot  (CliFixture *f);

/* Runs `put COLLECTION` with @json; returns the printed id (asserted). */
gchar    *cli_put       (CliFixture *f, const gchar *collection, const gchar *json);
/* `get`: parsed document (asserted). */
bson_t   *cli_get       (CliFixture *f, const gchar *collection, const gchar *id);
/* The _id of the first document of `list COLLECTION`. */
gchar    *cli_first_id  (CliFixture *f, const gchar *collection);
/* Total of `stock --medicine ID --json`. */
gint64    cli_stock_total (CliFixture *f, const gchar *medicine_id);
/* Counts of non-empty lines. */
guint     cli_count_lines (const gchar *text);
/* Future / past date as YYYY-MM-DD. */
gchar    *cli_date_from_today (gint days);
/* `status --json` parsed member (int). */
gint64    cli_status_int (CliFixture *f, const gchar *member, const gchar *count_of);

/* `status --json` parsed member (string, newly allocated). */
gchar    *cli_status_str (CliFixture *f, const gchar *member);
G_END_DECLS
