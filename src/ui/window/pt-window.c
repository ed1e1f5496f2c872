#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-window-private.h"
#include "pt-startup.h"
#include "pt-ui-util.h"

G_DEFINE_FINAL_TYPE (PtWindow, pt_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_DATA_DIR,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

PtWindow *
pt_window_from_widget (GtkWidget *widget)
{
  GtkRoot *root;

  if (widget == NULL)
    return NULL;
  root = gtk_widget_get_root (widget);
  if (root != NULL && PT_IS_WINDOW (root))
    return PT_WINDOW (root);
  /* Dialogs are transient for the main window. */
  if (root != NULL && GTK_IS_WINDOW (root))
    {
      GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (root));

      if (parent != NULL && PT_IS_WINDOW (parent))
        return PT_WINDOW (parent);
    }
  return NULL;
}

/* ---- Sidebar ----------------------------------------------------------- */

static void
build_sidebar (PtWindow *self)
{
  g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (self->view_stack);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (pages));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), i);
      GtkWidget *row = gtk_list_box_row_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      GtkWidget *label = gtk_label_new (adw_view_stack_page_get_title (page));
      g_autofree gchar *tip = g_strdup_printf ("Alt+%u", i + 1);

      gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (adw_view_stack_page_get_icon_name (page)));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_box_append (GTK_BOX (box), label);
      gtk_widget_set_margin_top (box, 6);
      gtk_widget_set_margin_bottom (box, 6);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      gtk_widget_set_name (row, adw_view_stack_page_get_name (page));
      gtk_widget_set_tooltip_text (row, tip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, adw_view_stack_page_get_title (page),
                                      -1);
      gtk_list_box_append (self->sidebar_list, row);
    }
}

static void
sidebar_row_activated_cb (PtWindow      *self,
                          GtkListBoxRow *row)
{
  _pt_window_show_page (self, gtk_widget_get_name (GTK_WIDGET (row)));
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  /* Folded, the sidebar just went away with the focus. */
  if (adw_leaflet_get_folded (self->leaflet))
    _pt_window_focus_page (self, FALSE);
}

static void
visible_page_changed_cb (PtWindow *self)
{
  const gchar *name = adw_view_stack_get_visible_child_name (self->view_stack);
  GtkWidget *child = adw_view_stack_get_visible_child (self->view_stack);
  AdwViewStackPage *page;

  if (name == NULL || child == NULL)
    return;
  /* Not before sign-in: the stack shows its first page while the window
   * is built, and no page is needed for the first frame. */
  if (self->user_id != NULL)
    _pt_window_ensure_page (self, name);
  page = adw_view_stack_get_page (self->view_stack, child);
  adw_window_title_set_title (self->window_title, adw_view_stack_page_get_title (page));

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->sidebar_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && g_strcmp0 (gtk_widget_get_name (row), name) == 0)
      gtk_list_box_select_row (self->sidebar_list, GTK_LIST_BOX_ROW (row));

  if (g_str_equal (name, "sync") && self->sync_page != NULL)
    pt_sync_page_refresh (self->sync_page);
  if (g_str_equal (name, "counter") && self->counter_page != NULL)
    pt_counter_page_refresh (self->counter_page);
  if (self->settings != NULL && self->user_id != NULL)
    g_settings_set_string (self->settings, "last-page", name);
}

void
_pt_window_show_page (PtWindow    *self,
                      const gchar *name)
{
  if (adw_view_stack_get_child_by_name (self->view_stack, name) == NULL)
    return;
  /* Built before it shows, so that the caller can focus into it. */
  _pt_window_ensure_page (self, name);
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

/* ---- Status in the header ---------------------------------------------- */

void
pt_window_store_changed (PtWindow *self)
{
  g_return_if_fail (PT_IS_WINDOW (self));

  _pt_window_update_sync_indicator (self);
  if (self->sync_page != NULL)
    pt_sync_page_refresh (self->sync_page);
}

static void
committed_cb (PtWindow *self)
{
  /* Emitted on the thread that committed; the GUI commits on this one. */
  _pt_window_update_sync_indicator (self);
}

static gboolean
status_timeout_cb (gpointer data)
{
  PtWindow *self = data;

  /* While locked the sign-in may be using the store on its thread. */
  if (self->user_id != NULL)
    pt_window_store_changed (self);
  return G_SOURCE_CONTINUE;
}

/* ---- Branch ------------------------------------------------------------ */

static void
resolve_branch (PtWindow *self)
{
  g_autoptr(GPtrArray) pharmacies = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *wanted = NULL;
  const bson_t *chosen = NULL;

  if (self->settings != NULL)
    wanted = g_settings_get_string (self->settings, "branch-id");
  pharmacies = pt_store_list (self->store, "pharmacies", NULL, &error);
  if (pharmacies == NULL)
    {
      g_debug ("Could not list pharmacies: %s", error->message);
      return;
    }
  for (guint i = 0; i < pharmacies->len; i++)
    {
      const bson_t *doc = g_ptr_array_index (pharmacies, i);
      g_autofree gchar *id = pt_bson_dup_oid_hex (doc, "_id");

      if (chosen == NULL || (wanted != NULL && g_strcmp0 (id, wanted) == 0))
        chosen = doc;
    }
  if (chosen == NULL)
    return;
  g_free (self->pharmacy_id);
  self->pharmacy_id = pt_bson_dup_oid_hex (chosen, "_id");
  g_free (self->pharmacy_name);
  self->pharmacy_name = g_strdup (pt_bson_get_string (chosen, "name"));
}

static void
apply_branch (PtWindow *self)
{
  g_autofree gchar *text = NULL;

  adw_window_title_set_subtitle (self->window_title, self->pharmacy_name ? self->pharmacy_name : "");
  text = g_strdup_printf (_("Branch: %s"), self->pharmacy_name ? self->pharmacy_name : _("none"));
  gtk_label_set_label (self->branch_label, text);
  /* The pages built so far; the others get the branch when built. */
  _pt_window_configure_pages (self);
}

const gchar *
pt_window_get_pharmacy_id (PtWindow *self)
{
  g_return_val_if_fail (PT_IS_WINDOW (self), NULL);
  return self->pharmacy_id;
}

void
pt_window_set_pharmacy_id (PtWindow    *self,
                           const gchar *pharmacy_id)
{
  g_return_if_fail (PT_IS_WINDOW (self));

  if (self->settings != NULL)
    g_settings_set_string (self->settings, "branch-id", pharmacy_id ? pharmacy_id : "");
  if (self->store == NULL || self->user_id == NULL)
    return;
  resolve_branch (self);
  apply_branch (self);
}

/* ---- Store, sign-in, lock ---------------------------------------------- */

/* Only the shown part of the main stack stays visible: hidden parts are
 * then also out of the accessibility tree (a screen reader, or the tests,
 * never find a sign-in field behind the workspace or the reverse). */
static void
show_part (PtWindow    *self,
           const gchar *name)
{
  GtkWidget *child = gtk_stack_get_child_by_name (self->main_stack, name);

  if (g_str_equal (name, "welcome"))
    pt_welcome_page_prepare (self->welcome_page);
  gtk_widget_set_visible (child, TRUE);
  gtk_stack_set_visible_child (self->main_stack, child);
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->main_stack));
       c != NULL; c = gtk_widget_get_next_sibling (c))
    if (c != child)
      gtk_widget_set_visible (c, FALSE);
}

static void
set_store (PtWindow *self,
           PtStore  *store)
{
  if (self->store != NULL && self->committed_id != 0)
    g_clear_signal_handler (&self->committed_id, self->store);
  g_set_object (&self->store, store);
  if (store != NULL)
    self->committed_id = g_signal_connect_swapped (store, "committed",
                                                   G_CALLBACK (committed_cb), self);
  pt_signin_page_set_store (self->signin_page, store);
  _pt_window_configure_pages (self);
  if (self->first_frame_drawn)
    _pt_window_sync_start (self);
  else
    {
      /* Stops an engine of a store opened before, starts after the frame. */
      _pt_window_sync_stop (self);
      self->sync_start_pending = TRUE;
    }
}

static void
show_signin (PtWindow    *self,
             const gchar *email)
{
  g_autofree gchar *last = NULL;

  if (email == NULL && self->settings != NULL)
    email = last = g_settings_get_string (self->settings, "last-user-email");
  pt_signin_page_prepare (self->signin_page, email, self->recent_emails);
  show_part (self, "signin");
  pt_signin_page_focus (self->signin_page);
}

static void
store_created_cb (PtWindow    *self,
                  PtStore     *store,
                  const gchar *owner_email)
{
  set_store (self, store);
  show_signin (self, owner_email);
}

/* The pages that work today; the others say what they will hold. */
static const gchar * const working_pages[] = {
  "counter", "prescriptions", "medicines", "patients", "reports", "sync", NULL
};

static void
signed_in_cb (PtWindow    *self,
              const gchar *user_id,
              const gchar *email,
              const gchar *name)
{
  g_autofree gchar *last_page = NULL;
  g_autofree gchar *user_label = NULL;
  gboolean known = FALSE;

  g_free (self->user_id);
  self->user_id = g_strdup (user_id);
  g_free (self->user_email);
  self->user_email = g_strdup (email);
  g_free (self->user_name);
  self->user_name = g_strdup (name && *name ? name : email);

  for (guint i = 0; i < self->recent_emails->len; i++)
    known |= g_str_equal (g_ptr_array_index (self->recent_emails, i), email);
  if (!known)
    g_ptr_array_add (self->recent_emails, g_strdup (email));
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-user-email", email);

  /* Translators: the user button in the header: "Ana Costa · Pharmacist" */
  user_label = g_strdup_printf (_("%s · %s"), self->user_name,
                                pt_role_get_label (pt_store_get_role (self->store)));
  gtk_menu_button_set_label (self->user_button, user_label);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->user_button), user_label);

  resolve_branch (self);
  apply_branch (self);
  _pt_window_update_actions (self);
  pt_window_store_changed (self);

  /* The focused password field is about to be hidden: let it go first. */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  show_part (self, "workspace");
  if (self->settings != NULL)
    last_page = g_settings_get_string (self->settings, "last-page");
  /* Pages that only describe what is coming are no place to start. */
  if (last_page == NULL || !g_strv_contains (working_pages, last_page))
    {
      g_free (last_page);
      last_page = g_strdup ("medicines");
    }
  _pt_window_show_page (self, last_page);
  visible_page_changed_cb (self);
  _pt_window_focus_page (self, TRUE);

  if (self->status_timeout_id == 0)
    self->status_timeout_id = g_timeout_add_seconds (30, status_timeout_cb, self);
}

void
_pt_window_lock (PtWindow *self,
                 gboolean  switch_user)
{
  if (self->user_id == NULL)
    return;
  /* Nothing acts as the locked user until someone signs in again. */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  pt_store_act_as_system (self->store);
  g_clear_pointer (&self->user_id, g_free);
  _pt_window_update_actions (self);
  show_signin (self, switch_user ? "" : self->user_email);
}

/* ---- Public ------------------------------------------------------------ */

PtStore *
pt_window_get_store (PtWindow *self)
{
  g_return_val_if_fail (PT_IS_WINDOW (self), NULL);
  return self->store;
}

void
pt_window_add_toast (PtWindow    *self,
                     const gchar *message)
{
  AdwToast *toast;

  g_return_if_fail (PT_IS_WINDOW (self));
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
pt_window_show_error (PtWindow     *self,
                      const gchar  *heading,
                      const GError *error)
{
  g_autofree gchar *body = pt_ui_error_sentence (error);
  GtkWidget *dialog;

  g_return_if_fail (PT_IS_WINDOW (self));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- GObject ----------------------------------------------------------- */

static void
open_data_dir (PtWindow *self)
{
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gboolean exists;

  pt_welcome_page_set_data_dir (self->welcome_page, self->data_dir);
  /* The application opened it ahead, on a thread, while GTK started. */
  if (!pt_startup_open_store_finish (self->data_dir, &exists, &store, &error))
    {
      exists = pt_store_exists (self->data_dir);
      if (exists)
        store = pt_store_open (self->data_dir, &error);
    }
  if (!exists)
    {
      show_part (self, "welcome");
      return;
    }
  pt_startup_mark ("store opened");
  if (store == NULL)
    {
      g_autofree gchar *body = pt_ui_error_sentence (error);

      adw_status_page_set_description (self->error_page, body);
      show_part (self, "error");
      return;
    }
  if (pt_welcome_page_store_needs_enrolment (store))
    {
      /* The first sync stopped before the end: nobody can sign in yet. */
      pt_welcome_page_resume_enrolment (self->welcome_page, store);
      show_part (self, "welcome");
      return;
    }
  set_store (self, store);
  pt_startup_mark ("store set");
  show_signin (self, NULL);
  pt_startup_mark ("sign-in ready");
}

static void
restore_geometry (PtWindow *self)
{
  if (self->settings == NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self), 1100, 720);
      return;
    }
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
pt_window_close_request (GtkWindow *window)
{
  PtWindow *self = PT_WINDOW (window);

  if (self->settings != NULL)
    {
      gint width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_delay (self->settings);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window))
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
      g_settings_apply (self->settings);
    }
  return GTK_WINDOW_CLASS (pt_window_parent_class)->close_request (window);
}

/* The header's menus get their popovers when first opened (click, F10):
 * GtkMenuButton builds a popover with all its items as soon as it has a
 * model, ~4 ms of the window's template for two menus nobody sees before
 * signing in. */
static void
create_menu_popup_cb (GtkMenuButton *button,
                      gpointer       user_data)
{
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (user_data));
}

/* The first frame is on screen (the sign-in screen, usually): now what
 * it did not need. */
static void
first_frame_cb (GtkWindow *window,
                gpointer   user_data)
{
  PtWindow *self = PT_WINDOW (window);

  self->first_frame_drawn = TRUE;
  if (self->sync_start_pending)
    {
      self->sync_start_pending = FALSE;
      _pt_window_sync_start (self);
    }
}

static void
pt_window_constructed (GObject *object)
{
  PtWindow *self = PT_WINDOW (object);

  G_OBJECT_CLASS (pt_window_parent_class)->constructed (object);

  if (g_strcmp0 (PROFILE, "Devel") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
  restore_geometry (self);
  gtk_menu_button_set_create_popup_func (self->primary_menu_button, create_menu_popup_cb,
                                         g_object_ref (self->primary_menu), g_object_unref);
  gtk_menu_button_set_create_popup_func (self->user_button, create_menu_popup_cb,
                                         g_object_ref (self->user_menu), g_object_unref);
  build_sidebar (self);
  _pt_window_update_actions (self);
  open_data_dir (self);
}

static void
pt_window_dispose (GObject *object)
{
  PtWindow *self = PT_WINDOW (object);

  g_clear_handle_id (&self->status_timeout_id, g_source_remove);
  if (self->store != NULL && self->committed_id != 0)
    g_clear_signal_handler (&self->committed_id, self->store);
  _pt_window_sync_dispose (self);
  if (self->help_overlay != NULL)
    gtk_window_destroy (self->help_overlay);
  g_clear_object (&self->help_overlay);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_WINDOW);
  /* The pages went with their slots. */
  self->counter_page = NULL;
  self->prescriptions_page = NULL;
  self->medicines_page = NULL;
  self->patients_page = NULL;
  self->reports_page = NULL;
  self->sync_page = NULL;
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (pt_window_parent_class)->dispose (object);
}

static void
pt_window_finalize (GObject *object)
{
  PtWindow *self = PT_WINDOW (object);

  g_free (self->data_dir);
  g_free (self->pharmacy_id);
  g_free (self->pharmacy_name);
  g_free (self->user_id);
  g_free (self->user_email);
  g_free (self->user_name);
  g_ptr_array_unref (self->recent_emails);
  G_OBJECT_CLASS (pt_window_parent_class)->finalize (object);
}

static void
pt_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PtWindow *self = PT_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_free (self->data_dir);
      self->data_dir = pt_store_resolve_data_dir (g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PtWindow *self = PT_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_window_class_init (PtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = pt_window_constructed;
  object_class->dispose = pt_window_dispose;
  object_class->finalize = pt_window_finalize;
  object_class->set_property = pt_window_set_property;
  object_class->get_property = pt_window_get_property;
  window_class->close_request = pt_window_close_request;

  props[PROP_DATA_DIR] = g_param_spec_string ("data-dir", NULL, NULL, NULL,
                                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  g_type_ensure (PT_TYPE_WELCOME_PAGE);
  g_type_ensure (PT_TYPE_SIGNIN_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/pharmatrack/Desktop/window/pt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PtWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, signin_page);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, branch_label);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, user_button);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, primary_menu);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, user_menu);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, sync_button);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, sync_icon);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, sync_label);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, medicines_slot);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, counter_slot);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, prescriptions_slot);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, patients_slot);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, reports_slot);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, sync_slot);
  gtk_widget_class_bind_template_callback (widget_class, store_created_cb);
  gtk_widget_class_bind_template_callback (widget_class, signed_in_cb);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, visible_page_changed_cb);

  _pt_window_install_actions (klass);
}

static void
pt_window_init (PtWindow *self)
{
  /* The classes are initialised (types, template bytes, actions). */
  pt_startup_mark ("window class");
  self->recent_emails = g_ptr_array_new_with_free_func (g_free);
  self->settings = pt_ui_settings_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  pt_startup_mark ("template");
  pt_startup_watch (GTK_WINDOW (self), first_frame_cb, NULL);
}

PtWindow *
pt_window_new (GtkApplication *application,
               const gchar    *data_dir)
{
  return g_object_new (PT_TYPE_WINDOW,
                       "application", application,
                       "data-dir", data_dir,
                       NULL);
}
