#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-signin-page.h"
#include "pt-demo.h"
#include "pt-ui-util.h"

/* After this many wrong passwords in a row, wait before the next try. */
#define FREE_ATTEMPTS 3
#define MAX_DELAY_SECONDS 30

struct _PtSigninPage
{
  GtkWidget            parent_instance;

  AdwStatusPage       *status_page;
  AdwEntryRow         *email_row;
  AdwPasswordEntryRow *password_row;
  GtkLabel            *message_label;
  GtkButton           *sign_in_button;
  AdwPreferencesGroup *recent_group;
  GtkListBox          *recent_list;
  AdwPreferencesGroup *demo_group;
  GtkListBox          *demo_list;

  PtStore             *store;
  gboolean             busy;
  guint                failures;
  gint                 wait_seconds;
  guint                wait_id;
};

G_DEFINE_FINAL_TYPE (PtSigninPage, pt_signin_page, GTK_TYPE_WIDGET)

enum {
  SIGNED_IN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gchar *
pt_user_display_name (const bson_t *user)
{
  const gchar *name = pt_bson_get_string (user, "displayName");
  const gchar *first = pt_bson_get_string (user, "firstName");
  const gchar *last = pt_bson_get_string (user, "lastName");

  if (name == NULL)
    name = pt_bson_get_string (user, "name");
  if (name != NULL && *name)
    return g_strdup (name);
  if (first != NULL && last != NULL)
    return g_strdup_printf ("%s %s", first, last);
  if (first != NULL)
    return g_strdup (first);
  return g_strdup (pt_bson_get_string (user, "email"));
}

static void
show_message (PtSigninPage *self,
              const gchar  *message)
{
  gtk_label_set_label (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL && *message);
}

static void
update_sensitivity (PtSigninPage *self)
{
  gboolean can = !self->busy && self->wait_seconds == 0 && self->store != NULL;

  /* Only the button: making the focused field insensitive would drop the
   * focus while the check runs. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), can);
}

static gboolean
wait_tick_cb (gpointer data)
{
  PtSigninPage *self = data;
  g_autofree gchar *text = NULL;

  if (--self->wait_seconds <= 0)
    {
      self->wait_seconds = 0;
      self->wait_id = 0;
      show_message (self, _("The email or password is not right. You can try again now."));
      update_sensitivity (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return G_SOURCE_REMOVE;
    }
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "The email or password is not right. Too many attempts: try again in %d second.",
                                       "The email or password is not right. Too many attempts: try again in %d seconds.",
                                       self->wait_seconds),
                          self->wait_seconds);
  show_message (self, text);
  return G_SOURCE_CONTINUE;
}

/* ---- Signing in -------------------------------------------------------- */

typedef struct
{
  gchar *email;
  gchar *password;
} Credentials;

static void
credentials_free (Credentials *c)
{
  g_free (c->email);
  if (c->password != NULL)
    memset (c->password, 0, strlen (c->password));
  g_free (c->password);
  g_free (c);
}

static void
sign_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PtSigninPage *self = source_object;
  Credentials *c = task_data;
  GError *error = NULL;
  bson_t *user;

  /* The page is insensitive meanwhile: nothing else uses the store. */
  user = pt_store_sign_in (self->store, c->email, c->password, &error);
  if (user == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, user, (GDestroyNotify) bson_destroy);
}

static void
sign_in_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PtSigninPage *self = PT_SIGNIN_PAGE (object);
  g_autoptr(GError) error = NULL;
  bson_t *user;

  self->busy = FALSE;
  user = g_task_propagate_pointer (G_TASK (result), &error);
  if (user == NULL)
    {
      g_autofree gchar *message = NULL;

      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
      if (g_error_matches (error, PT_ERROR, PT_ERROR_AUTH_FAILED))
        {
          self->failures++;
          message = g_strdup (_("The email or password is not right. Check them and try again."));
          if (self->failures >= FREE_ATTEMPTS)
            {
              self->wait_seconds = MIN (MAX_DELAY_SECONDS, 5 << MIN (self->failures - FREE_ATTEMPTS, 3));
              self->wait_id = g_timeout_add_seconds (1, wait_tick_cb, self);
              g_free (message);
              message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                      "The email or password is not right. Too many attempts: try again in %d second.",
                                                      "The email or password is not right. Too many attempts: try again in %d seconds.",
                                                      self->wait_seconds),
                                         self->wait_seconds);
            }
        }
      else
        message = pt_ui_error_sentence (error);
      show_message (self, message);
      update_sensitivity (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
    }
  else
    {
      g_autofree gchar *id = pt_bson_dup_oid_hex (user, "_id");
      g_autofree gchar *name = pt_user_display_name (user);
      g_autofree gchar *email = g_strdup (pt_bson_get_string (user, "email"));

      self->failures = 0;
      show_message (self, NULL);
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
      update_sensitivity (self);
      bson_destroy (user);
      g_signal_emit (self, signals[SIGNED_IN], 0, id, email, name);
    }
}

static void
sign_in_clicked_cb (PtSigninPage *self)
{
  g_autoptr(GTask) task = NULL;
  Credentials *c;

  if (self->busy || self->wait_seconds > 0 || self->store == NULL)
    return;
  c = g_new0 (Credentials, 1);
  c->email = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->email_row))));
  c->password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  if (*c->email == '\0')
    {
      show_message (self, _("Enter your email address."));
      gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
      credentials_free (c);
      return;
    }
  if (*c->password == '\0')
    {
      show_message (self, _("Enter your password."));
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      credentials_free (c);
      return;
    }

  self->busy = TRUE;
  show_message (self, NULL);
  update_sensitivity (self);
  task = g_task_new (self, NULL, sign_in_done_cb, NULL);
  g_task_set_source_tag (task, sign_in_clicked_cb);
  g_task_set_task_data (task, c, (GDestroyNotify) credentials_free);
  g_task_run_in_thread (task, sign_in_thread);
}

static void
email_activated_cb (PtSigninPage *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

/* ---- Quick switch and demo accounts ------------------------------------ */

static void
use_email (PtSigninPage *self,
           const gchar  *email,
           const gchar  *password)
{
  gtk_editable_set_text (GTK_EDITABLE (self->email_row), email);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password ? password : "");
  show_message (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
account_row_activated_cb (AdwActionRow *row,
                          PtSigninPage *self)
{
  use_email (self,
             g_object_get_data (G_OBJECT (row), "email"),
             g_object_get_data (G_OBJECT (row), "password"));
}

static GtkWidget *
account_row_new (PtSigninPage *self,
                 const gchar  *title,
                 const gchar  *email,
                 const gchar  *password)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree gchar *accessible = g_strdup_printf (_("Use %s"), email);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), email);
  /* One line each, ellipsized if the window is very narrow (the email is
   * in the tooltip and the accessible name): wrapping labels are measured
   * again at every width GTK tries, which cost ~40 ms of the sign-in
   * screen's first frame for the four demo accounts. */
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
  gtk_widget_set_tooltip_text (row, email);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "email", g_strdup (email), g_free);
  g_object_set_data_full (G_OBJECT (row), "password", g_strdup (password), g_free);
  g_signal_connect (row, "activated", G_CALLBACK (account_row_activated_cb), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  return row;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static gboolean
store_is_demo (PtStore *store)
{
  g_autoptr(GPtrArray) users = pt_store_list (store, "users", NULL, NULL);

  for (guint i = 0; users != NULL && i < users->len; i++)
    if (g_strcmp0 (pt_bson_get_string (g_ptr_array_index (users, i), "email"),
                   PT_DEMO_OWNER_EMAIL) == 0)
      return TRUE;
  return FALSE;
}

static void
fill_demo_accounts (PtSigninPage *self)
{
  static const struct { const gchar *email; PtRole role; } accounts[] = {
    { PT_DEMO_OWNER_EMAIL, PT_ROLE_OWNER },
    { PT_DEMO_PHARMACIST_EMAIL, PT_ROLE_PHARMACIST },
    { PT_DEMO_TECHNICIAN_EMAIL, PT_ROLE_TECHNICIAN },
    { PT_DEMO_CASHIER_EMAIL, PT_ROLE_CASHIER },
  };
  g_autofree gchar *description = NULL;
  gboolean demo = self->store != NULL && store_is_demo (self->store);

  clear_list (self->demo_list);
  gtk_widget_set_visible (GTK_WIDGET (self->demo_group), demo);
  if (!demo)
    return;
  description = g_strdup_printf (_("Every demo account has the password “%s”. Choose one to fill it in."),
                                 PT_DEMO_PASSWORD);
  adw_preferences_group_set_description (self->demo_group, description);
  for (guint i = 0; i < G_N_ELEMENTS (accounts); i++)
    gtk_list_box_append (self->demo_list,
                         account_row_new (self, pt_role_get_label (accounts[i].role),
                                          accounts[i].email, PT_DEMO_PASSWORD));
}

void
pt_signin_page_set_store (PtSigninPage *self,
                          PtStore      *store)
{
  g_autoptr(PtStoreStatus) status = NULL;

  g_return_if_fail (PT_IS_SIGNIN_PAGE (self));

  g_set_object (&self->store, store);
  self->failures = 0;
  if (store != NULL)
    status = pt_store_get_status (store, NULL);
  adw_status_page_set_description (self->status_page,
                                   status && status->tenant_name ? status->tenant_name : NULL);
  fill_demo_accounts (self);
  update_sensitivity (self);
}

void
pt_signin_page_prepare (PtSigninPage *self,
                        const gchar  *email,
                        GPtrArray    *recent_emails)
{
  g_return_if_fail (PT_IS_SIGNIN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->email_row), email ? email : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  if (self->wait_seconds == 0)
    show_message (self, NULL);

  clear_list (self->recent_list);
  for (guint i = 0; recent_emails != NULL && i < recent_emails->len; i++)
    {
      const gchar *e = g_ptr_array_index (recent_emails, i);

      gtk_list_box_append (self->recent_list, account_row_new (self, e, e, NULL));
    }
  /* A quick switch lists the others who used this counter today. */
  gtk_widget_set_visible (GTK_WIDGET (self->recent_group),
                          recent_emails != NULL && recent_emails->len > 0);
  if (recent_emails != NULL && recent_emails->len > 0)
    {
      GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list));

      for (; row != NULL; row = gtk_widget_get_next_sibling (row))
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Type the password to switch"));
    }
  update_sensitivity (self);
}

void
pt_signin_page_focus (PtSigninPage *self)
{
  const gchar *email;

  g_return_if_fail (PT_IS_SIGNIN_PAGE (self));
  email = gtk_editable_get_text (GTK_EDITABLE (self->email_row));
  gtk_widget_grab_focus (*email ? GTK_WIDGET (self->password_row) : GTK_WIDGET (self->email_row));
}

/* ---- GObject ----------------------------------------------------------- */

static void
pt_signin_page_dispose (GObject *object)
{
  PtSigninPage *self = PT_SIGNIN_PAGE (object);

  g_clear_handle_id (&self->wait_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_SIGNIN_PAGE);
  /* The template's unnamed root box is not unparented by the above. */
  for (GtkWidget *c; (c = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (c);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (pt_signin_page_parent_class)->dispose (object);
}

static void
pt_signin_page_class_init (PtSigninPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_signin_page_dispose;

  signals[SIGNED_IN] = g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/pharmatrack/Desktop/signin/pt-signin-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, PtSigninPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, PtSigninPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, PtSigninPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, PtSigninPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, PtSigninPage, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, PtSigninPage, recent_group);
  gtk_widget_class_bind_template_child (widget_class, PtSigninPage, recent_list);
  gtk_widget_class_bind_template_child (widget_class, PtSigninPage, demo_group);
  gtk_widget_class_bind_template_child (widget_class, PtSigninPage, demo_list);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, email_activated_cb);
}

static void
pt_signin_page_init (PtSigninPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
