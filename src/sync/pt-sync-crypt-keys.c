/* pt-sync-crypt-keys.c: the tenant's master key on a counter — the key
 * file the administrator hands out and the counter's private copy of it
 * (DATA_DIR/tenant-<id>.key, mode 0600). */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/rand.h>

#include "pt-sync-crypt.h"
#include "pt-sync-engine.h"

#define KEY_ALT_NAME_PREFIX "pharmatrack-tenant-"
/* Base64 of 96 bytes is 128 characters; room for line breaks and blanks. */
#define KEY_FILE_MAX_BYTES 4096

gchar *
pt_sync_crypt_key_alt_name (const gchar *tenant_id)
{
  return g_strconcat (KEY_ALT_NAME_PREFIX, tenant_id, NULL);
}

gchar *
pt_sync_crypt_key_path (const gchar *data_dir,
                        const gchar *tenant_id)
{
  g_autofree gchar *base = g_strdup_printf ("tenant-%s.key", tenant_id);

  return g_build_filename (data_dir, base, NULL);
}

GBytes *
pt_sync_crypt_new_master_key (void)
{
  guint8 *key = g_malloc (PT_SYNC_MASTER_KEY_LEN);

  if (RAND_bytes (key, PT_SYNC_MASTER_KEY_LEN) != 1)
    g_error ("the system random generator failed");  /* no safe fallback */
  return g_bytes_new_take (key, PT_SYNC_MASTER_KEY_LEN);
}

GBytes *
pt_sync_crypt_read_key_file (const gchar *path,
                             GError     **error)
{
  g_autofree gchar *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_debug ("key file %s: %s", path, g_strerror (saved));
      if (saved == ENOENT || saved == ENOTDIR)
        g_set_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_UNREADABLE,
                     _("There is no encryption key file “%s”."), path);
      else
        g_set_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_UNREADABLE,
                     _("Cannot read the encryption key file “%s”."), path);
      return NULL;
    }
  /* A key file is one short line: a folder, a photo or a document chosen
   * by mistake is refused before it is read into memory. */
  if (!S_ISREG (st.st_mode) || st.st_size > KEY_FILE_MAX_BYTES)
    {
      g_set_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_INVALID,
                   _("“%s” is not a PharmaTrack encryption key file (it must hold a key of "
                     "96 bytes, in base64)."), path);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      g_debug ("key file %s: %s", path, local_error->message);
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_ACCES)
          || g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_PERM))
        g_set_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_UNREADABLE,
                     _("The encryption key file “%s” cannot be read: this user is not allowed to "
                       "read it. Ask your administrator for a copy you can read."), path);
      else
        g_set_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_UNREADABLE,
                     _("Cannot read the encryption key file “%s”."), path);
      return NULL;
    }
  if (len == PT_SYNC_MASTER_KEY_LEN)
    return g_bytes_new (contents, len);  /* raw bytes (openssl rand 96) */

  {
    g_autofree gchar *text = g_strdup (contents);
    g_autofree guchar *raw = NULL;
    gsize raw_len = 0;
    gchar *w = text;

    /* Base64, tolerant of line breaks and surrounding blanks. */
    for (const gchar *r = contents; r < contents + len; r++)
      if (!g_ascii_isspace (*r))
        *w++ = *r;
    *w = '\0';
    if (*text != '\0'
        && strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
           == strlen (text))
      raw = g_base64_decode (text, &raw_len);
    if (raw == NULL || raw_len != PT_SYNC_MASTER_KEY_LEN)
      {
        g_set_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_INVALID,
                     _("“%s” is not a PharmaTrack encryption key file (it must hold a key of "
                       "96 bytes, in base64)."), path);
        return NULL;
      }
    return g_bytes_new_take (g_steal_pointer (&raw), raw_len);
  }
}

gboolean
pt_sync_crypt_write_key_file (const gchar *path,
                              GBytes      *key,
                              GError     **error)
{
  g_autofree gchar *b64 = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *tmp = NULL;
  gsize len;
  const guint8 *data;
  int fd;
  gboolean ok;

  g_return_val_if_fail (path != NULL && key != NULL, FALSE);
  data = g_bytes_get_data (key, &len);
  g_return_val_if_fail (len == PT_SYNC_MASTER_KEY_LEN, FALSE);

  b64 = g_base64_encode (data, len);
  text = g_strconcat (b64, "\n", NULL);
  /* Created 0600 before anything is written: never readable by others. */
  tmp = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_WRONLY, 0600);
  if (fd < 0)
    {
      g_debug ("key file %s: %s", tmp, g_strerror (errno));
      g_set_error (error, PT_ERROR, PT_ERROR_READ_ONLY,
                   _("Cannot write the encryption key file “%s”."), path);
      return FALSE;
    }
  ok = write (fd, text, strlen (text)) == (gssize) strlen (text) && fsync (fd) == 0;
  ok = close (fd) == 0 && ok;
  if (ok)
    ok = g_rename (tmp, path) == 0;
  if (!ok)
    {
      g_debug ("key file %s: %s", path, g_strerror (errno));
      g_unlink (tmp);
      g_set_error (error, PT_ERROR, PT_ERROR_READ_ONLY,
                   _("Cannot write the encryption key file “%s”."), path);
      return FALSE;
    }
  return TRUE;
}

gboolean
pt_sync_crypt_install_key (const gchar *data_dir,
                           const gchar *tenant_id,
                           GBytes      *key,
                           GError     **error)
{
  g_autofree gchar *path = pt_sync_crypt_key_path (data_dir, tenant_id);

  return pt_sync_crypt_write_key_file (path, key, error);
}

gboolean
pt_sync_crypt_import_key (const gchar *data_dir,
                          const gchar *tenant_id,
                          const gchar *key_file,
                          GError     **error)
{
  g_autoptr(GBytes) key = pt_sync_crypt_read_key_file (key_file, error);

  return key != NULL && pt_sync_crypt_install_key (data_dir, tenant_id, key, error);
}

GBytes *
pt_sync_crypt_load_counter_key (const gchar *data_dir,
                                const gchar *tenant_id,
                                GError     **error)
{
  g_autofree gchar *path = pt_sync_crypt_key_path (data_dir, tenant_id);
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return NULL;
  /* The counter's copy sits next to its clear database and must be
   * readable by its owner only (it is written 0600); a copy someone
   * restored or copied by hand with wider permissions is made private. */
  if (S_ISREG (st.st_mode) && (st.st_mode & 0077) != 0)
    {
      if (g_chmod (path, 0600) != 0)
        {
          g_debug ("key file %s: chmod: %s", path, g_strerror (errno));
          g_set_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_UNSAFE,
                       _("This counter’s copy of the encryption key, “%s”, can be read by other "
                         "users of this computer and could not be made private. Make it readable "
                         "by its owner only (chmod 600), or ask your administrator."), path);
          return NULL;
        }
      g_message ("The encryption key file %s was readable by other users: made private (0600)", path);
    }
  return pt_sync_crypt_read_key_file (path, error);
}
