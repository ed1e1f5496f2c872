/* test-wire.c — contract tests: handshake, URIs, concurrency, OP_MSG
 * details and bad input on raw sockets
 */
#define G_LOG_DOMAIN "mongosim-test"
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ms-test-common.h"

static void
setup (MsTest *t, gconstpointer data)
{
  ms_test_setup (t, data);
}

static void
teardown (MsTest *t, gconstpointer data)
{
  ms_test_teardown (t);
}

/* ---------------------------------------------------------- raw sockets */

static int
raw_connect (MsTest *t)
{
  struct sockaddr_in addr = { 0 };
  struct timeval tv = { 5, 0 };
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  addr.sin_family = AF_INET;
  addr.sin_port = htons (mongosim_fixture_get_port (t->sim));
  inet_pton (AF_INET, "127.0.0.1", &addr.sin_addr);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

static void
put_i32 (GByteArray *b, gint32 v)
{
  guint32 le = GUINT32_TO_LE ((guint32) v);
  g_byte_array_append (b, (const guint8 *) &le, 4);
}

static void
set_i32 (GByteArray *b, guint offset, gint32 v)
{
  guint32 le = GUINT32_TO_LE ((guint32) v);
  memcpy (b->data + offset, &le, 4);
}

static guint32
crc32c (const guint8 *data, gsize len)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0x82F63B78 & (0u - (crc & 1)));
    }
  return ~crc;
}

/* An OP_MSG: body, optional document sequence, optional checksum. */
static GByteArray *
op_msg (gint32 request_id, guint32 flags, const bson_t *body, const char *seq_name, bson_t **seq, guint n_seq)
{
  GByteArray *b = g_byte_array_new ();
  guint8 kind0 = 0, kind1 = 1;

  put_i32 (b, 0);
  put_i32 (b, request_id);
  put_i32 (b, 0);
  put_i32 (b, 2013);
  put_i32 (b, (gint32) flags);
  g_byte_array_append (b, &kind0, 1);
  g_byte_array_append (b, bson_get_data (body), body->len);
  if (seq_name != NULL)
    {
      guint start;
      g_byte_array_append (b, &kind1, 1);
      start = b->len;
      put_i32 (b, 0);
      g_byte_array_append (b, (const guint8 *) seq_name, strlen (seq_name) + 1);
      for (guint i = 0; i < n_seq; i++)
        g_byte_array_append (b, bson_get_data (seq[i]), seq[i]->len);
      set_i32 (b, start, (gint32) (b->len - start));
    }
  if (flags & 1)
    {
      set_i32 (b, 0, (gint32) b->len + 4);
      put_i32 (b, (gint32) crc32c (b->data, b->len));
    }
  set_i32 (b, 0, (gint32) b->len);
  return b;
}

static void
send_all (int fd, const guint8 *data, gsize len)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = send (fd, data + done, len - done, MSG_NOSIGNAL);
      if (n <= 0)
        return;
      done += (gsize) n;
    }
}

static gboolean
recv_all (int fd, guint8 *buf, gsize len)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = recv (fd, buf + done, len - done, 0);
      if (n <= 0)
        return FALSE;
      done += (gsize) n;
    }
  return TRUE;
}

/* Reads one reply; returns its body (OP_MSG section 0 or the first OP_REPLY
 * document) or NULL when the server closed the connection. */
static bson_t *
read_reply (int fd, gint32 *response_to, gint32 *opcode)
{
  guint8 header[16];
  gint32 len;
  g_autofree guint8 *rest = NULL;
  gsize off;

  if (!recv_all (fd, header, 16))
    return NULL;
  memcpy (&len, header, 4);
  len = GINT32_FROM_LE (len);
  if (len < 16 || len > 48000000)
    g_error ("bad reply length %d", len);
  rest = g_malloc ((guint32) len - 16);
  g_assert_true (recv_all (fd, rest, (guint32) len - 16));
  if (response_to)
    {
      memcpy (response_to, header + 8, 4);
      *response_to = GINT32_FROM_LE (*response_to);
    }
  memcpy (opcode, header + 12, 4);
  *opcode = GINT32_FROM_LE (*opcode);
  off = *opcode == 2013 ? 5 : 20;
  return bson_new_from_data (rest + off, len - 16 - off);
}

static gboolean
server_closed (int fd)
{
  guint8 byte;
  ssize_t n = recv (fd, &byte, 1, 0);

  return n == 0 || (n < 0 && errno == ECONNRESET);
}

static void
assert_still_serving (MsTest *t)
{
  g_autoptr(mongoc_client_t) client = ms_test_new_client (t);
  g_autoptr(bson_t) ping = ms_j ("{'ping': 1}");
  bson_error_t error;
  bson_t reply;

  ms_assert_ok (mongoc_client_command_simple (client, "admin", ping, NULL, &reply, &error), &error);
  bson_destroy (&reply);
}

/* ---------------------------------------------------------------- tests */

static void
test_hello_writable_primary (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) cmd = ms_j ("{'hello': 1}");
  bson_t reply;
  bson_error_t error;
  bson_iter_t it;

  ms_assert_ok (mongoc_client_command_simple (t->client, "admin", cmd, NULL, &reply, &error), &error);
  g_assert_cmpint (ms_test_reply_int (&reply, "isWritablePrimary"), ==, 1);
  g_assert_cmpint (ms_test_reply_int (&reply, "secondary"), ==, 0);
  g_assert_nonnull (ms_test_reply_str (&reply, "setName"));
  g_assert_cmpstr (ms_test_reply_str (&reply, "me"), ==, ms_test_reply_str (&reply, "primary"));
  g_assert_cmpstr (ms_test_reply_str (&reply, "hosts.0"), ==, ms_test_reply_str (&reply, "me"));
  g_assert_cmpint (ms_test_reply_int (&reply, "maxWireVersion"), >=, 17);
  g_assert_cmpint (ms_test_reply_int (&reply, "logicalSessionTimeoutMinutes"), ==, 30);
  g_assert_cmpint (ms_test_reply_int (&reply, "maxBsonObjectSize"), ==, 16777216);
  g_assert_cmpint (ms_test_reply_int (&reply, "maxMessageSizeBytes"), ==, 48000000);
  g_assert_cmpint (ms_test_reply_int (&reply, "maxWriteBatchSize"), ==, 100000);
  g_assert_true (bson_iter_init (&it, &reply) && bson_iter_find_descendant (&it, "$clusterTime.clusterTime", &it) &&
                 BSON_ITER_HOLDS_TIMESTAMP (&it));
  g_assert_true (bson_iter_init_find (&it, &reply, "operationTime") && BSON_ITER_HOLDS_TIMESTAMP (&it));
  if (!ms_test_external ())
    g_assert_cmpstr (ms_test_reply_str (&reply, "setName"), ==, "rs0");
  bson_destroy (&reply);
}

typedef struct
{
  mongoc_client_pool_t *pool;
  const char *db;
  int worker;
  gboolean ok;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  mongoc_client_t *client = mongoc_client_pool_pop (w->pool);
  mongoc_collection_t *c = mongoc_client_get_collection (client, w->db, "conc");
  bson_error_t error;

  w->ok = TRUE;
  for (int i = 0; i < 100 && w->ok; i++)
    {
      bson_t *doc = BCON_NEW ("w", BCON_INT32 (w->worker), "i", BCON_INT32 (i));
      w->ok = mongoc_collection_insert_one (c, doc, NULL, NULL, &error);
      bson_destroy (doc);
    }
  if (w->ok)
    {
      bson_t *filter = BCON_NEW ("w", BCON_INT32 (w->worker));
      w->ok = mongoc_collection_count_documents (c, filter, NULL, NULL, NULL, &error) == 100;
      bson_destroy (filter);
    }
  mongoc_collection_destroy (c);
  mongoc_client_pool_push (w->pool, client);
  return NULL;
}

static void
run_pooled (MsTest *t, const char *uri_string)
{
  mongoc_uri_t *uri = mongoc_uri_new (uri_string);
  mongoc_client_pool_t *pool = mongoc_client_pool_new (uri);
  Worker workers[10];
  GThread *threads[10];
  g_autoptr(mongoc_collection_t) c = NULL;
  mongoc_client_t *client;
  g_autoptr(bson_t) all = ms_j ("{}");
  bson_error_t error;

  mongoc_client_pool_max_size (pool, 10);
  for (int i = 0; i < 10; i++)
    {
      workers[i] = (Worker) { pool, t->dbname, i, FALSE };
      threads[i] = g_thread_new ("worker", worker_thread, &workers[i]);
    }
  for (int i = 0; i < 10; i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (workers[i].ok);
    }
  client = mongoc_client_pool_pop (pool);
  c = mongoc_client_get_collection (client, t->dbname, "conc");
  g_assert_cmpint (mongoc_collection_count_documents (c, all, NULL, NULL, NULL, &error), ==, 1000);
  ms_assert_ok (mongoc_collection_drop (c, &error), &error);
  g_clear_pointer (&c, mongoc_collection_destroy);
  mongoc_client_pool_push (pool, client);
  mongoc_client_pool_destroy (pool);
  mongoc_uri_destroy (uri);
}

static void
test_ten_pooled_clients_both_uris (MsTest *t, gconstpointer data)
{
  run_pooled (t, t->uri);
  if (!ms_test_external ())
    {
      g_autofree char *direct = g_strdup_printf ("mongodb://%s/?directConnection=true&serverSelectionTimeoutMS=5000",
                                                 mongosim_fixture_get_host (t->sim));
      run_pooled (t, direct);
    }
}

static void
test_legacy_op_query_hello (MsTest *t, gconstpointer data)
{
  int fd;
  GByteArray *b;
  g_autoptr(bson_t) q = ms_j ("{'isMaster': 1}");
  g_autoptr(bson_t) reply = NULL;
  gint32 opcode, to;

  if (ms_test_skip_if_external ("raw socket tests need the simulator's port"))
    return;
  fd = raw_connect (t);
  b = g_byte_array_new ();
  put_i32 (b, 0);
  put_i32 (b, 42);
  put_i32 (b, 0);
  put_i32 (b, 2004);
  put_i32 (b, 0);
  g_byte_array_append (b, (const guint8 *) "admin.$cmd", 11);
  put_i32 (b, 0);
  put_i32 (b, -1);
  g_byte_array_append (b, bson_get_data (q), q->len);
  set_i32 (b, 0, (gint32) b->len);
  send_all (fd, b->data, b->len);
  g_byte_array_unref (b);
  reply = read_reply (fd, &to, &opcode);
  g_assert_nonnull (reply);
  g_assert_cmpint (opcode, ==, 1);     /* OP_REPLY */
  g_assert_cmpint (to, ==, 42);
  g_assert_cmpint (ms_test_reply_int (reply, "ismaster"), ==, 1);
  g_assert_cmpint (ms_test_reply_int (reply, "maxWireVersion"), ==, 17);
  close (fd);
}

static void
test_document_sequence_checksum_more_to_come (MsTest *t, gconstpointer data)
{
  int fd;
  g_autoptr(bson_t) body = NULL, ping = ms_j ("{'ping': 1, '$db': 'admin'}");
  bson_t *docs[2];
  GByteArray *b;
  g_autoptr(bson_t) reply = NULL, reply2 = NULL;
  gint32 opcode, to;

  if (ms_test_skip_if_external ("raw socket tests need the simulator's port"))
    return;
  fd = raw_connect (t);
  body = ms_j ("{'insert': 'seq', '$db': '%s'}", t->dbname);
  docs[0] = ms_j ("{'_id': 1}");
  docs[1] = ms_j ("{'_id': 2}");
  /* checksumPresent with a real CRC-32C */
  b = op_msg (7, 1, body, "documents", docs, 2);
  send_all (fd, b->data, b->len);
  g_byte_array_unref (b);
  reply = read_reply (fd, &to, &opcode);
  g_assert_nonnull (reply);
  g_assert_cmpint (to, ==, 7);
  g_assert_cmpint (ms_test_reply_int (reply, "n"), ==, 2);

  /* moreToCome with w:0: no reply; the next reply is the ping's */
  bson_destroy (body);
  body = ms_j ("{'insert': 'seq', '$db': '%s', 'writeConcern': {'w': 0}}", t->dbname);
  bson_destroy (docs[0]);
  docs[0] = ms_j ("{'_id': 3}");
  b = op_msg (8, 2, body, "documents", docs, 1);
  send_all (fd, b->data, b->len);
  g_byte_array_unref (b);
  b = op_msg (9, 0, ping, NULL, NULL, 0);
  send_all (fd, b->data, b->len);
  g_byte_array_unref (b);
  reply2 = read_reply (fd, &to, &opcode);
  g_assert_nonnull (reply2);
  g_assert_cmpint (to, ==, 9);
  bson_destroy (docs[0]);
  bson_destroy (docs[1]);
  close (fd);
  {
    g_autoptr(bson_t) r = ms_test_run (t, TRUE, "{'count': 'seq'}");
    g_assert_cmpint (ms_test_reply_int (r, "n"), ==, 3);
  }
}

static void
send_and_expect_close (MsTest *t, const guint8 *data, gsize len, gboolean shut_write)
{
  int fd = raw_connect (t);

  send_all (fd, data, len);
  if (shut_write)
    shutdown (fd, SHUT_WR);
  g_assert_true (server_closed (fd));
  close (fd);
  assert_still_serving (t);
}

static void
test_bad_framing_closes_only_that_connection (MsTest *t, gconstpointer data)
{
  guint8 garbage[64];
  guint8 huge[16] = { 0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0, 0, 0, 0, 0, 0xdd, 0x07, 0, 0 };
  guint8 over[16] = { 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xdd, 0x07, 0, 0 };
  guint8 unknown[21] = { 21, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0x27, 0, 0, 0, 0, 0, 0, 0 };
  GRand *rand = g_rand_new_with_seed (20261127);
  guint32 over_len = 48000001;
  g_autoptr(mongoc_client_t) bystander = NULL;

  if (ms_test_skip_if_external ("raw socket tests need the simulator's port"))
    return;
  g_test_message ("garbage seed 20261127");
  /* a client connected before the bad ones keeps working afterwards */
  bystander = ms_test_new_client (t);
  for (guint i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) g_rand_int_range (rand, 0, 256);
  garbage[3] = 0x40;   /* length far above maxMessageSizeBytes */
  send_and_expect_close (t, garbage, sizeof garbage, FALSE);
  /* truncated header */
  send_and_expect_close (t, garbage, 10, TRUE);
  /* a length of 2 GB is refused at once, without waiting for the body */
  send_and_expect_close (t, huge, sizeof huge, FALSE);
  /* just above maxMessageSizeBytes */
  memcpy (over, &over_len, 4);
  send_and_expect_close (t, over, sizeof over, FALSE);
  /* unknown opcode 9999 */
  send_and_expect_close (t, unknown, sizeof unknown, FALSE);
  g_rand_free (rand);
  {
    g_autoptr(bson_t) ping = ms_j ("{'ping': 1}");
    bson_t reply;
    bson_error_t error;
    ms_assert_ok (mongoc_client_command_simple (bystander, "admin", ping, NULL, &reply, &error), &error);
    bson_destroy (&reply);
  }
}

static void
test_invalid_bson_in_op_msg (MsTest *t, gconstpointer data)
{
  int fd;
  g_autoptr(bson_t) body = ms_j ("{'ping': 1, '$db': 'admin'}");
  GByteArray *b;
  g_autoptr(bson_t) reply = NULL;
  gint32 opcode, to;

  if (ms_test_skip_if_external ("raw socket tests need the simulator's port"))
    return;
  fd = raw_connect (t);
  b = op_msg (11, 0, body, NULL, NULL, 0);
  /* corrupt the body's first element type byte */
  b->data[16 + 4 + 1 + 4] = 0x7e;
  send_all (fd, b->data, b->len);
  g_byte_array_unref (b);
  reply = read_reply (fd, &to, &opcode);
  /* an error reply (or a closed connection) — never a crash */
  if (reply != NULL)
    {
      g_assert_cmpint (ms_test_reply_int (reply, "ok"), ==, 0);
      g_assert_cmpint (ms_test_reply_int (reply, "code"), ==, 22);
    }
  close (fd);
  assert_still_serving (t);
}

static void
test_slow_reader_does_not_block_others (MsTest *t, gconstpointer data)
{
  int fd;
  GString *docs = g_string_new ("[");
  g_autoptr(bson_t) find = NULL;
  GByteArray *b;
  gint64 start;

  if (ms_test_skip_if_external ("raw socket tests need the simulator's port"))
    return;
  for (int i = 0; i < 200; i++)
    g_string_append_printf (docs, "%s{'_id': %d, 'pad': '%0500d'}", i ? "," : "", i, i);
  g_string_append (docs, "]");
  {
    g_autoptr(bson_t) r = ms_test_run (t, TRUE, "{'insert': 'slow', 'documents': %s}", docs->str);
  }
  g_string_free (docs, TRUE);
  /* ask for ~20 MB of replies and never read them */
  fd = raw_connect (t);
  find = ms_j ("{'find': 'slow', 'batchSize': 200, '$db': '%s'}", t->dbname);
  b = op_msg (1, 0, find, NULL, NULL, 0);
  for (int i = 0; i < 200; i++)
    send_all (fd, b->data, b->len);
  g_byte_array_unref (b);
  start = g_get_monotonic_time ();
  assert_still_serving (t);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  close (fd);
  assert_still_serving (t);
}

static void
test_missing_collection (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) f = ms_test_run (t, TRUE, "{'find': 'nothing-here'}");
  g_autoptr(bson_t) li = ms_test_run (t, FALSE, "{'listIndexes': 'nothing-here'}");
  g_autoptr(bson_t) d = ms_test_run (t, FALSE, "{'drop': 'nothing-here'}");

  g_assert_false (ms_test_has (f, "cursor.firstBatch.0"));
  g_assert_cmpint (ms_test_reply_int (li, "code"), ==, 26);
  g_assert_cmpint (ms_test_reply_int (d, "code"), ==, 26);
}

int
main (int argc, char **argv)
{
  ms_test_init (&argc, &argv);
#define ADD(path, fn) g_test_add ("/mongosim/wire/" path, MsTest, NULL, setup, fn, teardown)
  ADD ("hello-reports-writable-primary", test_hello_writable_primary);
  ADD ("ten-pooled-clients-replicaset-and-direct", test_ten_pooled_clients_both_uris);
  ADD ("legacy-op-query-hello", test_legacy_op_query_hello);
  ADD ("document-sequence-checksum-more-to-come", test_document_sequence_checksum_more_to_come);
  ADD ("bad-framing-closes-only-that-connection", test_bad_framing_closes_only_that_connection);
  ADD ("invalid-bson-gets-error-reply", test_invalid_bson_in_op_msg);
  ADD ("slow-reader-does-not-block-others", test_slow_reader_does_not_block_others);
  ADD ("missing-collection-replies", test_missing_collection);
  {
    int status = g_test_run ();

    /* also removes mongoc's /dev/shm counters file */
    mongoc_cleanup ();
    return status;
  }
}
