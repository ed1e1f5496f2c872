#include "config.h"

#include <string.h>

#include "pt-error.h"
#include "pt-password.h"

static void
test_hash_verifies_only_the_right_password (void)
{
  g_autofree gchar *hash = pt_password_hash ("correct horse", 1000);

  g_assert_nonnull (hash);
  g_assert_true (g_str_has_prefix (hash, "pbkdf2-sha256$1000$"));
  g_assert_true (pt_password_verify ("correct horse", hash));
  g_assert_false (pt_password_verify ("correct horsE", hash));
  g_assert_false (pt_password_verify ("", hash));
  g_assert_false (pt_password_verify (NULL, hash));
  /* The hash never contains the password. */
  g_assert_null (strstr (hash, "correct"));
}

static void
test_salt_makes_hashes_differ (void)
{
  g_autofree gchar *a = pt_password_hash ("same password", 1000);
  g_autofree gchar *b = pt_password_hash ("same password", 1000);

  g_assert_cmpstr (a, !=, b);
  g_assert_true (pt_password_verify ("same password", a));
  g_assert_true (pt_password_verify ("same password", b));
}

static void
test_known_vector (void)
{
  /* PBKDF2-HMAC-SHA256("password", "salt", 1 iteration, 32 bytes), RFC
   * 7914 / common test vector: 120fb6cffcf8b32c43e7225256c4f837a86548c9
   * 2ccc35480805987cb70be17b. */
  const guchar salt[] = "salt";
  const guchar dk[] = {
    0x12, 0x0f, 0xb6, 0xcf, 0xfc, 0xf8, 0xb3, 0x2c, 0x43, 0xe7, 0x22, 0x52,
    0x56, 0xc4, 0xf8, 0x37, 0xa8, 0x65, 0x48, 0xc9, 0x2c, 0xcc, 0x35, 0x48,
    0x08, 0x05, 0x98, 0x7c, 0xb7, 0x0b, 0xe1, 0x7b,
  };
  g_autofree gchar *salt_b64 = g_base64_encode (salt, 4);
  g_autofree gchar *dk_b64 = g_base64_encode (dk, sizeof dk);
  g_autofree gchar *hash = g_strdup_printf ("pbkdf2-sha256$1$%s$%s", salt_b64, dk_b64);

  /* A 4-byte salt is below the accepted minimum: refused as malformed. */
  g_assert_false (pt_password_verify ("password", hash));

  {
    /* Same vector with an 8-byte salt "saltsalt" and 2 iterations,
     * computed independently by Python's hashlib.pbkdf2_hmac. */
    const guchar salt8[] = "saltsalt";
    const guchar dk8[] = {
      0x8f, 0x45, 0xeb, 0xd9, 0x30, 0xd4, 0x19, 0xbd, 0x84, 0xc4, 0x0a, 0x87,
      0x13, 0xd7, 0x38, 0xdc, 0x5d, 0x5b, 0xe9, 0x5b, 0x66, 0x37, 0x51, 0xde,
      0x87, 0x35, 0x88, 0xf7, 0x09, 0x10, 0xa6, 0xc4,
    };
    g_autofree gchar *s8 = g_base64_encode (salt8, 8);
    g_autofree gchar *d8 = g_base64_encode (dk8, sizeof dk8);
    g_autofree gchar *h8 = g_strdup_printf ("pbkdf2-sha256$2$%s$%s", s8, d8);

    g_assert_true (pt_password_verify ("password", h8));
    g_assert_false (pt_password_verify ("passwore", h8));
  }
}

static void
test_malformed_hashes_never_verify (void)
{
  const gchar *bad[] = {
    NULL, "", "password", "pbkdf2-sha256$", "pbkdf2-sha256$1000$$",
    "pbkdf2-sha1$1000$c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$0$c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$-5$c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$4000000000$c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$10x$c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$10$c2FsdHNhbHQ=$AAAA",
    "pbkdf2-sha256$10$c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$extra",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (pt_password_verify ("password", bad[i]));
}

static void
test_default_iterations_from_environment (void)
{
  g_autofree gchar *hash = NULL;

  /* tests/meson.build sets PHARMATRACK_PBKDF2_ITERATIONS=1000. */
  g_assert_cmpstr (g_getenv ("PHARMATRACK_PBKDF2_ITERATIONS"), ==, "1000");
  hash = pt_password_hash ("s3cret-pass", 0);
  g_assert_true (g_str_has_prefix (hash, "pbkdf2-sha256$1000$"));
  g_assert_true (pt_password_verify ("s3cret-pass", hash));

  g_setenv ("PHARMATRACK_PBKDF2_ITERATIONS", "junk", TRUE);
  {
    g_autofree gchar *h2 = pt_password_hash ("x", 0);
    g_autofree gchar *expected = g_strdup_printf ("pbkdf2-sha256$%u$", PT_PASSWORD_DEFAULT_ITERATIONS);
    g_assert_true (g_str_has_prefix (h2, expected));
  }
  g_setenv ("PHARMATRACK_PBKDF2_ITERATIONS", "1000", TRUE);
}

static void
test_unicode_passwords (void)
{
  g_autofree gchar *hash = pt_password_hash ("pässwörd-ß-日本", 1000);

  g_assert_true (pt_password_verify ("pässwörd-ß-日本", hash));
  g_assert_false (pt_password_verify ("passwort-ss-日本", hash));
}

static void
test_policy (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_password_check_policy ("12345678", NULL));
  g_assert_true (pt_password_check_policy ("äöüäöüäö", NULL));
  g_assert_false (pt_password_check_policy ("short", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "at least 8 characters"));
  g_clear_error (&error);
  g_assert_false (pt_password_check_policy ("abc\xff\xfe" "defgh", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/password/hash-verifies-only-the-right-password", test_hash_verifies_only_the_right_password);
  g_test_add_func ("/core/password/salt-makes-hashes-differ", test_salt_makes_hashes_differ);
  g_test_add_func ("/core/password/known-vector", test_known_vector);
  g_test_add_func ("/core/password/malformed-hashes-never-verify", test_malformed_hashes_never_verify);
  g_test_add_func ("/core/password/default-iterations-from-environment", test_default_iterations_from_environment);
  g_test_add_func ("/core/password/unicode-passwords", test_unicode_passwords);
  g_test_add_func ("/core/password/policy", test_policy);
  return g_test_run ();
}
