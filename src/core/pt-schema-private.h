/* pt-schema-private.h: value-format predicates shared inside src/core. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Lowercase letters, digits and inner dashes. */
gboolean _pt_is_slug        (const gchar *s, gsize len);
/* "HH:MM", 00:00 to 24:00. */
gboolean _pt_is_time_of_day (const gchar *s, gsize len);
/* At least 3 digits; otherwise only + ( ) - . / and spaces. */
gboolean _pt_is_phone       (const gchar *s, gsize len);

G_END_DECLS
