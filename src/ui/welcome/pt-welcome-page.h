/* pt-welcome-page.h: the first run — demo data, connect, or a new pharmacy.
 *
 * Signal "store-created" (PtStore *store, const gchar *email): a store now
 * exists in the data dir; @email is the account to offer at sign-in (the
 * new owner), or NULL. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_WELCOME_PAGE (pt_welcome_page_get_type ())
G_DECLARE_FINAL_TYPE (PtWelcomePage, pt_welcome_page, PT, WELCOME_PAGE, GtkWidget)

/* Builds the page's widgets; the window calls it before showing the page
 * (a counter with a store never needs them). */
void     pt_welcome_page_prepare               (PtWelcomePage *self);
void     pt_welcome_page_set_data_dir          (PtWelcomePage *self,
                                                const gchar   *data_dir);
/* TRUE when @store is an enrolment whose first sync has not finished:
 * nobody can sign in to it yet. */
gboolean pt_welcome_page_store_needs_enrolment (PtStore       *store);
/* Shows the connect view ready to continue the first sync of @store. */
void     pt_welcome_page_resume_enrolment      (PtWelcomePage *self,
                                                PtStore       *store);

/* Uses the pharmacy's encryption key file @path (NULL: none) for the
 * next Connect; FALSE with a sentence when it is not a key file (what
 * the file chooser does). */
gboolean pt_welcome_page_set_key_file          (PtWelcomePage *self,
                                                const gchar   *path,
                                                GError       **error);

G_END_DECLS
