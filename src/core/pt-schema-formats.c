#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include <string.h>

#include "pt-schema.h"
#include "pt-schema-private.h"

/* Value formats of the registry (PtFieldFormat) that are more than a
 * type: barcodes, e-mail addresses, slugs, times of day, phone numbers. */

gboolean
pt_gtin_is_valid (const gchar *code)
{
  gsize len;
  guint sum = 0;

  if (code == NULL)
    return FALSE;
  len = strlen (code);
  if (len != 8 && len != 12 && len != 13 && len != 14)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (code[i]))
      return FALSE;
  /* GS1 check digit: from the right, excluding the check digit, weights
   * alternate 3, 1, 3, ... */
  for (gsize i = 0; i + 1 < len; i++)
    {
      guint d = code[len - 2 - i] - '0';
      sum += (i % 2 == 0) ? d * 3 : d;
    }
  return (guint) (code[len - 1] - '0') == (10 - sum % 10) % 10;
}

gboolean
pt_email_is_valid (const gchar *email)
{
  const gchar *at;
  const gchar *dot;

  if (email == NULL || *email == '\0' || strlen (email) > 254)
    return FALSE;
  at = strchr (email, '@');
  if (at == NULL || at == email || strchr (at + 1, '@') != NULL)
    return FALSE;
  if (at - email > 64)
    return FALSE;
  for (const gchar *p = email; *p; p++)
    {
      guchar c = (guchar) *p;

      if (c >= 0x80)
        continue;       /* internationalised addresses */
      if (g_ascii_isupper (c) || g_ascii_isspace (c) || g_ascii_iscntrl (c))
        return FALSE;
      if (strchr ("()<>[]\\,;:\"", c))
        return FALSE;
    }
  dot = strrchr (at + 1, '.');
  if (dot == NULL || dot == at + 1 || dot[1] == '\0')
    return FALSE;
  if (strstr (at + 1, "..") || at[1] == '.' || at[1] == '-')
    return FALSE;
  return TRUE;
}

gboolean
_pt_is_slug (const gchar *s,
         gsize        len)
{
  if (len == 0 || s[0] == '-' || s[len - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || g_ascii_isdigit (s[i]) || s[i] == '-'))
      return FALSE;
  return TRUE;
}

gboolean
_pt_is_time_of_day (const gchar *s,
                gsize        len)
{
  guint h, m;

  if (len != 5 || !g_ascii_isdigit (s[0]) || !g_ascii_isdigit (s[1])
      || s[2] != ':' || !g_ascii_isdigit (s[3]) || !g_ascii_isdigit (s[4]))
    return FALSE;
  h = (s[0] - '0') * 10 + (s[1] - '0');
  m = (s[3] - '0') * 10 + (s[4] - '0');
  return m < 60 && (h < 24 || (h == 24 && m == 0));
}

gboolean
_pt_is_phone (const gchar *s,
          gsize        len)
{
  guint digits = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (g_ascii_isdigit (s[i]))
        digits++;
      else if (!strchr ("+()-./ ", s[i]))
        return FALSE;
    }
  return digits >= 3;
}

