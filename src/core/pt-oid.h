/* pt-oid.h: ObjectIds (libbson's bson_oid_t) as 24-digit lowercase hex. */
#pragma once

#include <glib.h>
#include <bson/bson.h>

G_BEGIN_DECLS

#define PT_OID_HEX_LEN 24

/* A new ObjectId as a newly allocated 24-char hex string. Thread-safe. */
gchar    *pt_oid_new_hex   (void);
/* TRUE when @hex is exactly 24 hex digits. NULL-safe (FALSE). */
gboolean  pt_oid_is_valid  (const gchar *hex);
/* Parses @hex into @oid; sets PT_ERROR_INVALID naming @what on failure. */
gboolean  pt_oid_parse     (const gchar *hex,
                            const gchar *what,
                            bson_oid_t  *oid,
                            GError     **error);
/* Milliseconds since the epoch encoded in the ObjectId's timestamp. */
gint64    pt_oid_time_ms   (const gchar *hex);

G_END_DECLS
