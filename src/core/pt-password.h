/* pt-password.h: password hashes (PBKDF2-HMAC-SHA256 via libcrypto).
 * Format: "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>". */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PT_PASSWORD_DEFAULT_ITERATIONS 210000
#define PT_PASSWORD_MIN_LENGTH 8

/* @iterations 0 = default; the env var PHARMATRACK_PBKDF2_ITERATIONS
 * overrides the default (tests use a small number). */
gchar    *pt_password_hash   (const gchar *password, guint iterations);
/* Constant-time comparison; FALSE for malformed hashes. */
gboolean  pt_password_verify (const gchar *password, const gchar *hash);
/* New passwords: valid UTF-8, at least PT_PASSWORD_MIN_LENGTH characters;
 * PT_ERROR_INVALID with a sentence otherwise. */
gboolean  pt_password_check_policy (const gchar *password, GError **error);

G_END_DECLS
