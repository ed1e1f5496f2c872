#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "pt-error.h"
#include "pt-password.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define PREFIX "pbkdf2-sha256"
/* Bounds on the iteration count read from a stored hash: a forged hash
 * with 4 billion iterations must not hang sign-in. */
#define MAX_ITERATIONS 10000000

static guint
default_iterations (void)
{
  const gchar *env = g_getenv ("PHARMATRACK_PBKDF2_ITERATIONS");

  if (env != NULL && *env != '\0')
    {
      gchar *end = NULL;
      guint64 v = g_ascii_strtoull (env, &end, 10);

      if (end != NULL && *end == '\0' && v >= 1 && v <= MAX_ITERATIONS)
        return (guint) v;
      g_debug ("Ignoring PHARMATRACK_PBKDF2_ITERATIONS=%s", env);
    }
  return PT_PASSWORD_DEFAULT_ITERATIONS;
}

static gboolean
derive (const gchar  *password,
        const guchar *salt,
        gsize         salt_len,
        guint         iterations,
        guchar       *out,
        gsize         out_len)
{
  gsize len = strlen (password);

  if (len > G_MAXINT || salt_len > G_MAXINT)
    return FALSE;
  return PKCS5_PBKDF2_HMAC (password, (int) len, salt, (int) salt_len,
                            (int) iterations, EVP_sha256 (),
                            (int) out_len, out) == 1;
}

gchar *
pt_password_hash (const gchar *password,
                  guint        iterations)
{
  guchar salt[SALT_LEN];
  guchar hash[HASH_LEN];
  g_autofree gchar *salt_b64 = NULL;
  g_autofree gchar *hash_b64 = NULL;
  gchar *result;

  g_return_val_if_fail (password != NULL, NULL);

  if (iterations == 0)
    iterations = default_iterations ();
  iterations = MIN (iterations, MAX_ITERATIONS);

  if (RAND_bytes (salt, sizeof salt) != 1)
    {
      /* libcrypto's generator failing is exceptional; GLib's is seeded
       * from /dev/urandom and still gives a unique salt. */
      g_warning ("RAND_bytes failed; using GLib's random generator for the salt");
      for (guint i = 0; i < SALT_LEN; i++)
        salt[i] = (guchar) g_random_int_range (0, 256);
    }
  if (!derive (password, salt, sizeof salt, iterations, hash, sizeof hash))
    {
      g_warning ("PKCS5_PBKDF2_HMAC failed");
      return NULL;
    }

  salt_b64 = g_base64_encode (salt, sizeof salt);
  hash_b64 = g_base64_encode (hash, sizeof hash);
  result = g_strdup_printf (PREFIX "$%u$%s$%s", iterations, salt_b64, hash_b64);
  OPENSSL_cleanse (hash, sizeof hash);
  return result;
}

gboolean
pt_password_verify (const gchar *password,
                    const gchar *hash)
{
  g_auto(GStrv) parts = NULL;
  guint64 iterations;
  gchar *end = NULL;
  g_autofree guchar *salt = NULL;
  g_autofree guchar *expected = NULL;
  gsize salt_len = 0, expected_len = 0;
  guchar actual[64];
  gboolean ok;

  if (password == NULL || hash == NULL)
    return FALSE;

  parts = g_strsplit (hash, "$", -1);
  if (g_strv_length (parts) != 4 || strcmp (parts[0], PREFIX) != 0)
    return FALSE;
  if (!g_ascii_isdigit (parts[1][0]))
    return FALSE;
  iterations = g_ascii_strtoull (parts[1], &end, 10);
  if (end == NULL || *end != '\0' || iterations < 1 || iterations > MAX_ITERATIONS)
    return FALSE;
  if (*parts[2] == '\0' || *parts[3] == '\0')
    return FALSE;

  salt = g_base64_decode (parts[2], &salt_len);
  expected = g_base64_decode (parts[3], &expected_len);
  if (salt_len < 8 || expected_len < 16 || expected_len > sizeof actual)
    return FALSE;

  if (!derive (password, salt, salt_len, (guint) iterations, actual, expected_len))
    return FALSE;
  ok = CRYPTO_memcmp (actual, expected, expected_len) == 0;
  OPENSSL_cleanse (actual, sizeof actual);
  return ok;
}

gboolean
pt_password_check_policy (const gchar *password,
                          GError     **error)
{
  if (password == NULL || !g_utf8_validate (password, -1, NULL))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("The password contains characters that are not valid text."));
      return FALSE;
    }
  if (g_utf8_strlen (password, -1) < PT_PASSWORD_MIN_LENGTH)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The password is too short: use at least %d character.",
                                "The password is too short: use at least %d characters.",
                                PT_PASSWORD_MIN_LENGTH),
                   PT_PASSWORD_MIN_LENGTH);
      return FALSE;
    }
  return TRUE;
}
