#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-welcome-page-private.h"
#include "pt-demo.h"
#include "pt-ui-util.h"

G_DEFINE_FINAL_TYPE (PtWelcomePage, pt_welcome_page, GTK_TYPE_WIDGET)

enum {
  STORE_CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
_pt_welcome_page_emit_store_created (PtWelcomePage *self,
                                     PtStore       *store,
                                     const gchar   *email)
{
  g_signal_emit (self, signals[STORE_CREATED], 0, store, email);
}

void
_pt_welcome_page_show_view (PtWelcomePage *self,
                            const gchar   *name)
{
  pt_welcome_page_prepare (self);
  gtk_stack_set_visible_child_name (self->stack, name);
  /* No way back while the first sync runs, or from an unfinished one: the
   * data dir already holds the pharmacy being downloaded. */
  gtk_widget_set_visible (GTK_WIDGET (self->back_button),
                          (g_str_equal (name, "connect") && !self->connecting && !self->resuming)
                          || g_str_equal (name, "new"));
}

static void
back_clicked_cb (PtWelcomePage *self)
{
  _pt_welcome_page_show_view (self, "choices");
}

static void
back_action (GtkWidget   *widget,
             const gchar *action_name,
             GVariant    *parameter)
{
  PtWelcomePage *self = PT_WELCOME_PAGE (widget);

  if (self->built && gtk_widget_get_visible (GTK_WIDGET (self->back_button)))
    _pt_welcome_page_show_view (self, "choices");
}

/* ---- Demo data --------------------------------------------------------- */

static void
demo_progress_cb (gint64   done,
                  gint64   total,
                  gpointer data)
{
  PtWelcomePage *self = data;

  /* Called on the worker thread: only publish the figures. */
  g_atomic_int_set (&self->demo_total, (gint) MIN (total, G_MAXINT));
  g_atomic_int_set (&self->demo_done, (gint) MIN (done, G_MAXINT));
}

static gboolean
progress_tick_cb (gpointer data)
{
  PtWelcomePage *self = data;
  gint total = g_atomic_int_get (&self->demo_total);
  gint done = g_atomic_int_get (&self->demo_done);

  if (total > 0)
    {
      g_autofree gchar *text = NULL;
      g_autofree gchar *d = pt_ui_format_count (done);
      g_autofree gchar *t = pt_ui_format_count (total);

      gtk_progress_bar_set_fraction (self->progress_bar, CLAMP ((gdouble) done / total, 0, 1));
      /* Translators: demo data progress, "1,200 of 2,500 records" */
      text = g_strdup_printf (_("%s of %s records"), d, t);
      gtk_progress_bar_set_text (self->progress_bar, text);
    }
  else
    gtk_progress_bar_pulse (self->progress_bar);
  return G_SOURCE_CONTINUE;
}

static void
demo_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PtWelcomePage *self = source_object;
  const gchar *data_dir = task_data;
  PtDemoOptions options = { .medicines = 500, .patients = 200, .prescriptions = 300, .seed = 42 };
  GError *error = NULL;
  PtStore *store;

  store = pt_demo_create_store (data_dir, &options, demo_progress_cb, self, &error);
  if (store == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, store, g_object_unref);
}

static void
demo_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  PtWelcomePage *self = PT_WELCOME_PAGE (object);
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->progress_id, g_source_remove);
  store = g_task_propagate_pointer (G_TASK (result), &error);
  if (store == NULL)
    {
      g_autofree gchar *body = pt_ui_error_sentence (error);

      adw_status_page_set_title (self->progress_page, _("The Demo Pharmacy Could Not Be Prepared"));
      adw_status_page_set_description (self->progress_page, body);
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->back_button), TRUE);
      return;
    }
  g_signal_emit (self, signals[STORE_CREATED], 0, store, NULL);
}

static void
demo_activated_cb (PtWelcomePage *self)
{
  g_autoptr(GTask) task = NULL;

  adw_status_page_set_title (self->progress_page, _("Preparing the Demo Pharmacy…"));
  adw_status_page_set_description (self->progress_page,
                                   _("Adding medicines, batches, patients and prescriptions on this computer."));
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), TRUE);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar, _("Starting…"));
  _pt_welcome_page_show_view (self, "progress");
  g_atomic_int_set (&self->demo_done, 0);
  g_atomic_int_set (&self->demo_total, 0);
  self->progress_id = g_timeout_add (100, progress_tick_cb, self);

  task = g_task_new (self, NULL, demo_done_cb, NULL);
  g_task_set_source_tag (task, demo_activated_cb);
  g_task_set_task_data (task, g_strdup (self->data_dir), g_free);
  g_task_run_in_thread (task, demo_thread);
}

/* ---- Connect ----------------------------------------------------------- */

/* ---- New pharmacy ------------------------------------------------------ */

static void
new_activated_cb (PtWelcomePage *self)
{
  _pt_welcome_page_show_view (self, "new");
  gtk_label_set_label (self->new_message, "");
  gtk_widget_grab_focus (GTK_WIDGET (self->tenant_name_row));
}

static gchar *
row_text (gpointer row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
create_clicked_cb (PtWelcomePage *self)
{
  g_autofree gchar *tenant = row_text (self->tenant_name_row);
  g_autofree gchar *branch = row_text (self->branch_name_row);
  g_autofree gchar *owner = row_text (self->owner_name_row);
  g_autofree gchar *email = row_text (self->owner_email_row);
  const gchar *password = gtk_editable_get_text (GTK_EDITABLE (self->owner_password_row));
  const gchar *confirm = gtk_editable_get_text (GTK_EDITABLE (self->owner_confirm_row));
  GtkStringObject *currency = adw_combo_row_get_selected_item (self->currency_row);
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *problem = NULL;
  GtkWidget *focus = NULL;
  PtStoreInit init = { 0 };

  if (*tenant == '\0')
    problem = _("Enter the name of your pharmacy organisation."), focus = GTK_WIDGET (self->tenant_name_row);
  else if (*branch == '\0')
    problem = _("Enter the name of the first branch."), focus = GTK_WIDGET (self->branch_name_row);
  else if (*owner == '\0')
    problem = _("Enter the owner’s full name."), focus = GTK_WIDGET (self->owner_name_row);
  else if (strchr (email, '@') == NULL)
    problem = _("Enter the owner’s email address, for example name@pharmacy.example."), focus = GTK_WIDGET (self->owner_email_row);
  else if (g_utf8_strlen (password, -1) < PT_PASSWORD_MIN_LENGTH)
    problem = _("The password must have at least 8 characters."), focus = GTK_WIDGET (self->owner_password_row);
  else if (g_strcmp0 (password, confirm) != 0)
    problem = _("The two passwords are not the same."), focus = GTK_WIDGET (self->owner_confirm_row);

  if (problem != NULL)
    {
      gtk_label_set_label (self->new_message, problem);
      gtk_widget_grab_focus (focus);
      return;
    }

  init.tenant_name = tenant;
  init.pharmacy_name = branch;
  init.currency = currency ? gtk_string_object_get_string (currency) : "EUR";
  init.admin_email = email;
  init.admin_password = password;
  init.admin_name = owner;
  store = pt_store_create (self->data_dir, &init, &error);
  if (store == NULL)
    {
      g_autofree gchar *message = pt_ui_error_sentence (error);

      gtk_label_set_label (self->new_message, message);
      return;
    }
  g_signal_emit (self, signals[STORE_CREATED], 0, store, email);
}

/* ---- GObject ----------------------------------------------------------- */

static void
pt_welcome_page_dispose (GObject *object)
{
  PtWelcomePage *self = PT_WELCOME_PAGE (object);

  g_clear_handle_id (&self->progress_id, g_source_remove);
  _pt_welcome_connect_dispose (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_WELCOME_PAGE);
  /* The template's unnamed root box is not unparented by the above. */
  for (GtkWidget *c; (c = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (c);
  G_OBJECT_CLASS (pt_welcome_page_parent_class)->dispose (object);
}

static void
pt_welcome_page_finalize (GObject *object)
{
  PtWelcomePage *self = PT_WELCOME_PAGE (object);

  g_free (self->data_dir);
  G_OBJECT_CLASS (pt_welcome_page_parent_class)->finalize (object);
}

static void
pt_welcome_page_class_init (PtWelcomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_welcome_page_dispose;
  object_class->finalize = pt_welcome_page_finalize;

  signals[STORE_CREATED] = g_signal_new ("store-created", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 2, PT_TYPE_STORE, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/pharmatrack/Desktop/welcome/pt-welcome-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, back_button);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, stack);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, progress_page);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, uri_row);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, tenant_row);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, connect_message);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, connect_progress);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, connect_button);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, connect_cancel_button);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, enrolment_file_button);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, connect_row);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, key_row);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, key_file_button);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, key_clear_button);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, tenant_name_row);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, branch_name_row);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, currency_row);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, owner_name_row);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, owner_email_row);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, owner_password_row);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, owner_confirm_row);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, new_message);
  gtk_widget_class_bind_template_child (widget_class, PtWelcomePage, create_button);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, demo_activated_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "connect_activated_cb",
                                                G_CALLBACK (_pt_welcome_connect_activated_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "connect_clicked_cb",
                                                G_CALLBACK (_pt_welcome_connect_clicked_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "connect_cancel_clicked_cb",
                                                G_CALLBACK (_pt_welcome_connect_cancel_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "enrolment_file_clicked_cb",
                                                G_CALLBACK (_pt_welcome_enrolment_file_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "key_file_clicked_cb",
                                                G_CALLBACK (_pt_welcome_key_file_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "key_clear_clicked_cb",
                                                G_CALLBACK (_pt_welcome_key_clear_cb));
  gtk_widget_class_bind_template_callback (widget_class, new_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, create_clicked_cb);
  gtk_widget_class_install_action (widget_class, "welcome.back", NULL, back_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "welcome.back", NULL);
}

static void
pt_welcome_page_init (PtWelcomePage *self)
{
  /* Built when first shown (pt_welcome_page_prepare): a counter that has
   * its pharmacy opens at the sign-in and never pays for this page. */
}

void
pt_welcome_page_prepare (PtWelcomePage *self)
{
  g_return_if_fail (PT_IS_WELCOME_PAGE (self));

  if (self->built)
    return;
  self->built = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  _pt_welcome_connect_init (self);
}

void
pt_welcome_page_set_data_dir (PtWelcomePage *self,
                              const gchar   *data_dir)
{
  g_return_if_fail (PT_IS_WELCOME_PAGE (self));
  g_free (self->data_dir);
  self->data_dir = g_strdup (data_dir);
}
