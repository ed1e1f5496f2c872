/* ms-auth.c — SCRAM-SHA-256 and SCRAM-SHA-1 (RFC 5802 / 7677), the way
 * mongod runs them over saslStart/saslContinue
 *
 * One user (--auth USER:PASSWORD) lives in the admin database.  Wrong
 * credentials and unknown users fail with 18 AuthenticationFailed, as on
 * Atlas.  Passwords are used as given (SASLprep of ASCII is the identity).
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ms-private.h"

typedef struct
{
  gboolean sha256;
  char *client_first_bare;
  char *server_first;
  char *nonce;
  gboolean proof_ok;
  gboolean skip_empty;
} MsScram;

#define SHA256_ITERATIONS 15000
#define SHA1_ITERATIONS 10000

static guint8 salt256[28], salt1[16];
static gsize once_salts;

static void
scram_free (MsScram *s)
{
  g_free (s->client_first_bare);
  g_free (s->server_first);
  g_free (s->nonce);
  g_free (s);
}

void
ms_auth_free_conversation (MsConn *conn)
{
  g_clear_pointer (&conn->scram, scram_free);
}

gboolean
ms_auth_required (const char *command)
{
  return ms_server.auth_user != NULL;
}

static const EVP_MD *
md (gboolean sha256)
{
  return sha256 ? EVP_sha256 () : EVP_sha1 ();
}

static void
salted_password (gboolean sha256, guint8 *out, gsize *out_len)
{
  g_autofree char *pw = NULL;
  int len = sha256 ? 32 : 20;

  if (sha256)
    pw = g_strdup (ms_server.auth_password);
  else
    {
      /* SCRAM-SHA-1 in MongoDB hashes hex(md5("user:mongo:password")) */
      g_autofree char *pre = g_strdup_printf ("%s:mongo:%s", ms_server.auth_user, ms_server.auth_password);
      pw = g_compute_checksum_for_string (G_CHECKSUM_MD5, pre, -1);
    }
  PKCS5_PBKDF2_HMAC (pw, (int) strlen (pw), sha256 ? salt256 : salt1, sha256 ? sizeof salt256 : sizeof salt1,
                     sha256 ? SHA256_ITERATIONS : SHA1_ITERATIONS, md (sha256), len, out);
  *out_len = (gsize) len;
}

static void
hmac (gboolean sha256, const guint8 *key, gsize key_len, const void *data, gsize len, guint8 *out)
{
  unsigned int out_len;

  HMAC (md (sha256), key, (int) key_len, data, len, out, &out_len);
}

static void
hash (gboolean sha256, const guint8 *data, gsize len, guint8 *out)
{
  unsigned int out_len;

  EVP_Digest (data, len, out, &out_len, md (sha256), NULL);
}

static const char *
attr (char **parts, char name)
{
  for (guint i = 0; parts[i]; i++)
    if (parts[i][0] == name && parts[i][1] == '=')
      return parts[i] + 2;
  return NULL;
}

static char *
payload_string (const bson_t *cmd)
{
  bson_iter_t it;
  const guint8 *data;
  guint32 len;
  bson_subtype_t subtype;

  if (!bson_iter_init_find (&it, cmd, "payload"))
    return NULL;
  if (BSON_ITER_HOLDS_UTF8 (&it))
    return g_strdup (bson_iter_utf8 (&it, NULL));
  if (!BSON_ITER_HOLDS_BINARY (&it))
    return NULL;
  bson_iter_binary (&it, &subtype, &len, &data);
  return g_strndup ((const char *) data, len);
}

static void
auth_failed (MsConn *conn, MsErr **err)
{
  ms_auth_free_conversation (conn);
  ms_err_set (err, MS_AUTHENTICATION_FAILED, "Authentication failed.");
}

static char *
decode_name (const char *s)
{
  GString *out = g_string_new (NULL);

  for (; *s; s++)
    {
      if (g_str_has_prefix (s, "=2C"))
        g_string_append_c (out, ','), s += 2;
      else if (g_str_has_prefix (s, "=3D"))
        g_string_append_c (out, '='), s += 2;
      else
        g_string_append_c (out, *s);
    }
  return g_string_free (out, FALSE);
}

gboolean
ms_cmd_sasl_start (MsCmd *c, MsErr **err)
{
  const char *mech = ms_cmd_string (c->cmd, "mechanism");
  g_autofree char *payload = payload_string (c->cmd);
  g_auto(GStrv) parts = NULL;
  g_autofree char *user = NULL;
  const char *bare, *cnonce;
  MsScram *s;
  guint8 rnd[18];
  g_autofree char *snonce = NULL, *salt_b64 = NULL;
  bson_iter_t it, opt;

  if (g_once_init_enter (&once_salts))
    {
      for (guint i = 0; i < sizeof salt256; i++)
        salt256[i] = (guint8) g_random_int ();
      for (guint i = 0; i < sizeof salt1; i++)
        salt1[i] = (guint8) g_random_int ();
      g_once_init_leave (&once_salts, 1);
    }
  if (mech == NULL || (!g_str_equal (mech, "SCRAM-SHA-256") && !g_str_equal (mech, "SCRAM-SHA-1")))
    {
      ms_err_set (err, 334, "Received authentication for mechanism %s which is not enabled", mech ? mech : "");
      return FALSE;
    }
  if (payload == NULL)
    {
      ms_err_set (err, MS_BAD_VALUE, "Missing payload");
      return FALSE;
    }
  /* gs2 header "n,," then client-first-message-bare */
  if (!(g_str_has_prefix (payload, "n,") || g_str_has_prefix (payload, "y,")) ||
      (bare = strchr (payload + 2, ',')) == NULL)
    {
      ms_err_set (err, MS_BAD_VALUE, "Incorrect number of arguments for first SCRAM client message, got 1 "
                  "expected at least 3");
      return FALSE;
    }
  bare++;
  parts = g_strsplit (bare, ",", -1);
  cnonce = attr (parts, 'r');
  if (attr (parts, 'n') == NULL || cnonce == NULL)
    {
      ms_err_set (err, MS_BAD_VALUE, "Invalid SCRAM client first message");
      return FALSE;
    }
  user = decode_name (attr (parts, 'n'));
  if (ms_server.auth_user == NULL || !g_str_equal (c->db, "admin") || !g_str_equal (user, ms_server.auth_user))
    {
      auth_failed (c->conn, err);
      return FALSE;
    }
  ms_auth_free_conversation (c->conn);
  s = g_new0 (MsScram, 1);
  s->sha256 = g_str_equal (mech, "SCRAM-SHA-256");
  s->skip_empty = bson_iter_init_find (&it, c->cmd, "options") && BSON_ITER_HOLDS_DOCUMENT (&it) &&
                  bson_iter_recurse (&it, &opt) && bson_iter_find (&opt, "skipEmptyExchange") &&
                  bson_iter_as_bool (&opt);
  for (guint i = 0; i < sizeof rnd; i++)
    rnd[i] = (guint8) g_random_int ();
  snonce = g_base64_encode (rnd, sizeof rnd);
  s->nonce = g_strconcat (cnonce, snonce, NULL);
  salt_b64 = s->sha256 ? g_base64_encode (salt256, sizeof salt256) : g_base64_encode (salt1, sizeof salt1);
  s->client_first_bare = g_strdup (bare);
  s->server_first = g_strdup_printf ("r=%s,s=%s,i=%d", s->nonce, salt_b64,
                                     s->sha256 ? SHA256_ITERATIONS : SHA1_ITERATIONS);
  c->conn->scram = s;
  c->conn->sasl_conversation = 1;
  BSON_APPEND_INT32 (c->reply, "conversationId", 1);
  BSON_APPEND_BOOL (c->reply, "done", FALSE);
  bson_append_binary (c->reply, "payload", -1, BSON_SUBTYPE_BINARY, (const guint8 *) s->server_first,
                      (guint32) strlen (s->server_first));
  return TRUE;
}

gboolean
ms_cmd_sasl_continue (MsCmd *c, MsErr **err)
{
  MsScram *s = c->conn->scram;
  g_autofree char *payload = payload_string (c->cmd);
  g_auto(GStrv) parts = NULL;
  const char *nonce, *proof_b64, *p;
  g_autofree char *without_proof = NULL, *auth_message = NULL, *sig_b64 = NULL, *final = NULL;
  guint8 salted[32], client_key[32], stored_key[32], client_sig[32], server_key[32], server_sig[32];
  guint8 check[32];
  g_autofree guint8 *proof = NULL;
  gsize key_len, proof_len;

  if (s == NULL)
    {
      ms_err_set (err, 17, "No SASL session state found");
      return FALSE;
    }
  if (payload == NULL)
    payload = g_strdup ("");
  if (s->proof_ok)
    {
      /* the optional empty third round trip */
      c->conn->authenticated = TRUE;
      ms_auth_free_conversation (c->conn);
      BSON_APPEND_INT32 (c->reply, "conversationId", 1);
      BSON_APPEND_BOOL (c->reply, "done", TRUE);
      bson_append_binary (c->reply, "payload", -1, BSON_SUBTYPE_BINARY, (const guint8 *) "", 0);
      return TRUE;
    }
  parts = g_strsplit (payload, ",", -1);
  nonce = attr (parts, 'r');
  proof_b64 = attr (parts, 'p');
  p = strstr (payload, ",p=");
  if (nonce == NULL || proof_b64 == NULL || p == NULL || !g_str_equal (nonce, s->nonce))
    {
      auth_failed (c->conn, err);
      return FALSE;
    }
  without_proof = g_strndup (payload, p - payload);
  auth_message = g_strdup_printf ("%s,%s,%s", s->client_first_bare, s->server_first, without_proof);
  salted_password (s->sha256, salted, &key_len);
  hmac (s->sha256, salted, key_len, "Client Key", 10, client_key);
  hash (s->sha256, client_key, key_len, stored_key);
  hmac (s->sha256, stored_key, key_len, auth_message, strlen (auth_message), client_sig);
  proof = g_base64_decode (proof_b64, &proof_len);
  if (proof_len != key_len)
    {
      auth_failed (c->conn, err);
      return FALSE;
    }
  for (gsize i = 0; i < key_len; i++)
    proof[i] ^= client_sig[i];
  hash (s->sha256, proof, key_len, check);
  if (memcmp (check, stored_key, key_len) != 0)
    {
      auth_failed (c->conn, err);
      return FALSE;
    }
  hmac (s->sha256, salted, key_len, "Server Key", 10, server_key);
  hmac (s->sha256, server_key, key_len, auth_message, strlen (auth_message), server_sig);
  sig_b64 = g_base64_encode (server_sig, key_len);
  final = g_strdup_printf ("v=%s", sig_b64);
  BSON_APPEND_INT32 (c->reply, "conversationId", 1);
  BSON_APPEND_BOOL (c->reply, "done", s->skip_empty);
  bson_append_binary (c->reply, "payload", -1, BSON_SUBTYPE_BINARY, (const guint8 *) final,
                      (guint32) strlen (final));
  if (s->skip_empty)
    {
      c->conn->authenticated = TRUE;
      ms_auth_free_conversation (c->conn);
    }
  else
    s->proof_ok = TRUE;
  return TRUE;
}
