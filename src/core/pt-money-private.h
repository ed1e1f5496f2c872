/* pt-money-private.h: internals of pt-money.c exposed for tests. */
#pragma once

#include <locale.h>
#include "pt-money.h"

G_BEGIN_DECLS

/* pt_money_format () with the monetary conventions of @lc instead of the
 * current locale's (so tests can use a known locale's values). */
gchar *_pt_money_format_with (PtMoney             amount,
                              const gchar        *currency,
                              const struct lconv *lc);

/* pt_money_format_display () with the conventions of @lc. */
gchar *_pt_money_format_display_with (PtMoney             amount,
                                      const gchar        *currency,
                                      const struct lconv *lc);

/* pt_money_to_plain_display () with the conventions of @lc. */
gchar *_pt_money_to_plain_with (PtMoney             amount,
                                const gchar        *currency,
                                const struct lconv *lc);

G_END_DECLS
