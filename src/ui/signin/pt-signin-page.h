/* pt-signin-page.h: e-mail + password sign-in, lock and user switching.
 *
 * Signal "signed-in" (const gchar *user_id, const gchar *email,
 * const gchar *name): the store now acts as that user. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_SIGNIN_PAGE (pt_signin_page_get_type ())
G_DECLARE_FINAL_TYPE (PtSigninPage, pt_signin_page, PT, SIGNIN_PAGE, GtkWidget)

void pt_signin_page_set_store (PtSigninPage *self,
                               PtStore      *store);
/* Clears the password, fills @email (may be NULL or ""), lists the
 * @recent_emails (gchar *) for a quick switch. */
void pt_signin_page_prepare   (PtSigninPage *self,
                               const gchar  *email,
                               GPtrArray    *recent_emails);
/* Focus the password when an e-mail is filled in, else the e-mail. */
void pt_signin_page_focus     (PtSigninPage *self);

/* The display name of a user document ("name", or first + last), newly
 * allocated; the e-mail when it has none. */
gchar *pt_user_display_name   (const bson_t *user);

G_END_DECLS
