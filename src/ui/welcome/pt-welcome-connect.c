/* pt-welcome-connect.c: "Connect this counter to your pharmacy" — creates
 * an empty enrolment store, runs the first sync with the sync engine on a
 * worker thread (progress from the engine's status), and can be stopped
 * and continued: the engine keeps its checkpoints in the store, so a
 * second run carries on where the first one stopped. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "pt-welcome-page-private.h"
#include "pt-enrolment.h"
#include "pt-secret.h"
#include "pt-store-sync.h"
#include "pt-sync-crypt.h"
#include "pt-sync-engine.h"
#include "pt-ui-util.h"

/* Device settings of the store (never synced) that the window reads too. */
#define ENROLMENT_KEY "enrolment"          /* "pending" until the first sync ends */
#define SERVER_URI_KEY PT_UI_SERVER_URI_KEY

static gchar *
row_text (gpointer row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
set_message (PtWelcomePage *self,
             const gchar   *message,
             gboolean       is_error)
{
  gtk_label_set_label (self->connect_message, message ? message : "");
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->connect_message), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->connect_message), "error");
}

static void
set_connecting (PtWelcomePage *self,
                gboolean       connecting)
{
  self->connecting = connecting;
  if (connecting)
    {
      /* Focus leaves the fields before they turn insensitive. */
      gtk_widget_set_visible (GTK_WIDGET (self->connect_cancel_button), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->connect_cancel_button));
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->uri_row), !connecting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->tenant_row), !connecting && !self->resuming);
  gtk_widget_set_sensitive (GTK_WIDGET (self->enrolment_file_button), !connecting && !self->resuming);
  gtk_widget_set_sensitive (GTK_WIDGET (self->key_row), !connecting);
  gtk_widget_set_visible (GTK_WIDGET (self->connect_button), !connecting);
  gtk_widget_set_visible (GTK_WIDGET (self->connect_cancel_button), connecting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->connect_cancel_button), TRUE);
  gtk_button_set_label (self->connect_button, self->resuming ? _("C_ontinue") : _("C_onnect"));
  gtk_widget_set_visible (GTK_WIDGET (self->back_button),
                          !connecting && !self->resuming
                          && g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "connect") == 0);
  if (connecting)
    gtk_widget_set_visible (GTK_WIDGET (self->connect_progress), TRUE);
}

/* The progress bar follows the engine's status: n of N documents. */
static void
show_progress (PtWelcomePage      *self,
               const PtSyncStatus *st)
{
  if (st->initial_total > 0)
    {
      g_autofree gchar *done = pt_ui_format_count (st->initial_done);
      g_autofree gchar *total = pt_ui_format_count (st->initial_total);
      g_autofree gchar *text = NULL;

      g_clear_handle_id (&self->pulse_id, g_source_remove);
      /* Translators: first sync progress, "1,200 of 2,500 records" */
      text = g_strdup_printf (_("%s of %s records"), done, total);
      gtk_progress_bar_set_fraction (self->connect_progress,
                                     CLAMP ((gdouble) st->initial_done / st->initial_total, 0, 1));
      gtk_progress_bar_set_text (self->connect_progress, text);
    }
}

/* Where an earlier, stopped first sync got to (kept in the store). */
static gboolean
show_stored_progress (PtWelcomePage *self,
                      PtStore       *store)
{
  PtSyncStatus st = { 0 };

  st.initial_done = pt_store_sync_get_int (store, "initial_done", 0);
  st.initial_total = pt_store_sync_get_int (store, "initial_total", 0);
  if (st.initial_total <= 0)
    return FALSE;
  show_progress (self, &st);
  gtk_widget_set_visible (GTK_WIDGET (self->connect_progress), TRUE);
  return TRUE;
}

static void
engine_status_cb (PtWelcomePage *self)
{
  g_autoptr(PtSyncStatus) st = NULL;

  if (self->engine == NULL)
    return;
  st = pt_sync_engine_get_status (PT_SYNC_ENGINE (self->engine));
  if (self->connecting)
    show_progress (self, st);
}

static gboolean
pulse_cb (gpointer data)
{
  PtWelcomePage *self = data;

  gtk_progress_bar_pulse (self->connect_progress);
  return G_SOURCE_CONTINUE;
}

static void
drop_engine (PtWelcomePage *self)
{
  if (self->engine != NULL)
    g_clear_signal_handler (&self->engine_status_id, self->engine);
  g_clear_object (&self->engine);
  g_clear_handle_id (&self->pulse_id, g_source_remove);
}

/* Removes an enrolment store that received nothing, so a corrected
 * organisation ID can be tried: it holds no data, nothing is lost. */
static void
remove_empty_enrolment (const gchar *data_dir)
{
  g_autoptr(GDir) dir = g_dir_open (data_dir, 0, NULL);
  const gchar *name;

  /* With the copy of the key file: the chosen file is used again. */
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".db") || g_str_has_suffix (name, ".db-wal")
        || g_str_has_suffix (name, ".db-shm") || g_str_has_suffix (name, ".db-journal")
        || (g_str_has_prefix (name, "tenant-") && g_str_has_suffix (name, ".key")))
      {
        g_autofree gchar *path = g_build_filename (data_dir, name, NULL);

        if (g_unlink (path) != 0)
          g_debug ("Could not remove %s", path);
      }
}

static gboolean
prepare_enrolment_store (PtWelcomePage *self,
                         const gchar   *uri,
                         const gchar   *tenant_id,
                         GError       **error)
{
  g_autoptr(PtStore) store = NULL;
  g_autofree gchar *bare = NULL;
  g_autofree gchar *password = NULL;
  PtStoreInit init = { 0 };

  init.tenant_id = tenant_id;
  init.tenant_name = tenant_id;  /* replaced by the tenant document */
  init.enrolment = TRUE;
  store = pt_store_create (self->data_dir, &init, error);
  if (store == NULL)
    return FALSE;
  bare = pt_secret_split_uri (uri, &password);
  return pt_store_sync_ensure_schema (store, error)
         && pt_store_sync_set (store, "database",
                               self->database != NULL ? self->database : "pharmatrack", error)
         && pt_store_set_setting (store, SERVER_URI_KEY, bare, error)
         && pt_store_set_setting (store, ENROLMENT_KEY, "pending", error);
}

/* The engine's key errors for a tenant whose records are encrypted
 * (PT_SYNC_ERROR, pt-sync-crypt.c) tell a counter that is already running
 * to import the key; on this page the key file is chosen right here. */
static gchar *
failure_sentence (PtWelcomePage *self,
                  const GError  *error)
{
  if (g_error_matches (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_MISSING))
    return g_strdup (_("Your pharmacy encrypts patient records, and no encryption key file "
                       "was chosen. Choose the key file your administrator gave you with "
                       "“Choose Key File…”, then press Connect again."));
  if (g_error_matches (error, PT_SYNC_ERROR, PT_SYNC_ERROR_WRONG_KEY))
    return g_strdup_printf (_("“%s” is not your pharmacy’s encryption key. Choose the key "
                              "file your administrator gave you, then press Connect again."),
                            self->key_file ? self->key_file : "");
  return pt_ui_error_sentence (error);
}

/* The chosen key file becomes this counter's copy (DATA_DIR/tenant-<id>.key),
 * as `pharmatrack-admin connect --key-file` does. */
static gboolean
install_key (PtWelcomePage *self,
             const gchar   *tenant_id,
             GError       **error)
{
  if (self->key_file == NULL)
    return TRUE;
  return pt_sync_crypt_import_key (self->data_dir, tenant_id, self->key_file, error);
}

static void
first_sync_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  PtSyncEngine *engine = task_data;
  GError *error = NULL;

  if (pt_sync_engine_run_once (engine, NULL, NULL, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
secret_saved_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!pt_secret_store_finish (result, &error))
    g_warning ("The server password could not be saved in the keyring: %s", error->message);
}

static void
first_sync_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  PtWelcomePage *self = PT_WELCOME_PAGE (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSyncStatus) st = NULL;
  g_autoptr(PtStore) store = NULL;
  g_autofree gchar *uri = row_text (self->uri_row);
  gboolean cancelled, connected;

  g_clear_object (&self->connect_cancellable);
  st = self->engine ? pt_sync_engine_get_status (PT_SYNC_ENGINE (self->engine)) : NULL;

  connected = g_task_propagate_boolean (G_TASK (result), &error);
  if (!connected && g_error_matches (error, PT_SYNC_ERROR, PT_SYNC_ERROR_RECORDS_UNREADABLE))
    {
      /* Everything arrived but a few records of the cloud this counter
       * cannot decrypt: it is connected (trying again would not change
       * that); the Sync page lists them with what to do. */
      g_debug ("Connected with records left out: %s", error->message);
      g_clear_error (&error);
      connected = TRUE;
    }
  if (connected)
    {
      g_autofree gchar *password = NULL;
      g_autofree gchar *bare = pt_secret_split_uri (uri, &password);
      g_autoptr(GSettings) settings = pt_ui_settings_new ();

      drop_engine (self);
      store = pt_store_open (self->data_dir, &error);
      if (store != NULL && !pt_store_set_setting (store, ENROLMENT_KEY, NULL, &error))
        g_clear_object (&store);
      if (store == NULL)
        {
          g_autofree gchar *sentence = pt_ui_error_sentence (error);

          set_connecting (self, FALSE);
          set_message (self, sentence, TRUE);
          return;
        }
      if (settings != NULL)
        g_settings_set_string (settings, "server-uri", bare);
      if (password != NULL && *password != '\0')
        pt_secret_store_async (bare, password, NULL, secret_saved_cb, NULL);
      self->resuming = FALSE;
      set_connecting (self, FALSE);
      gtk_progress_bar_set_fraction (self->connect_progress, 1.0);
      set_message (self, _("This counter is connected. Sign in with your PharmaTrack account."), FALSE);
      _pt_welcome_page_emit_store_created (self, store, NULL);
      return;
    }

  cancelled = g_error_matches (error, PT_ERROR, PT_ERROR_CANCELLED)
              || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  drop_engine (self);

  /* The checkpoint in the store says how far it got (the engine's status
   * forgets its totals once a catch-up ended). */
  {
    g_autoptr(PtStore) partial = pt_store_exists (self->data_dir)
                                 ? pt_store_open (self->data_dir, NULL) : NULL;

    if (partial != NULL && st != NULL)
      {
        gint64 done = pt_store_sync_get_int (partial, "initial_done", 0);
        gint64 total = pt_store_sync_get_int (partial, "initial_total", 0);

        if (total > 0)
          {
            st->initial_done = done;
            st->initial_total = total;
            show_progress (self, st);
          }
        else if (pt_store_sync_get_int (partial, "initial_complete", 0) == 1)
          {
            /* Everything arrived; only the final check was stopped. */
            st->initial_done = st->initial_total = MAX (st->pulled_total, 1);
            gtk_progress_bar_set_fraction (self->connect_progress, 1.0);
          }
      }
  }

  if (!cancelled && st != NULL && st->initial_done == 0 && st->pulled_total == 0)
    {
      /* Nothing arrived: start afresh next time (the ID or the key may be
       * wrong). */
      g_autofree gchar *sentence = failure_sentence (self, error);

      remove_empty_enrolment (self->data_dir);
      self->resuming = FALSE;
      set_connecting (self, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->connect_progress), FALSE);
      set_message (self, sentence, TRUE);
      return;
    }

  self->resuming = TRUE;
  set_connecting (self, FALSE);
  if (cancelled)
    {
      g_autofree gchar *done = pt_ui_format_count (st ? st->initial_done : 0);
      g_autofree gchar *total = pt_ui_format_count (st ? st->initial_total : 0);
      g_autofree gchar *text = NULL;

      if (st != NULL && st->initial_total > 0)
        /* Translators: "Stopped after 1,000 of 4,200 records. …" */
        text = g_strdup_printf (_("Stopped after %s of %s records. What was downloaded is kept: "
                                  "Continue carries on from there."), done, total);
      else
        text = g_strdup (_("Stopped. What was downloaded is kept: Continue carries on from there."));
      set_message (self, text, FALSE);
    }
  else
    {
      g_autofree gchar *sentence = failure_sentence (self, error);
      g_autofree gchar *text = g_strdup_printf (_("%s What was downloaded is kept: Continue tries again from there."),
                                                sentence);

      set_message (self, text, TRUE);
    }
  gtk_widget_grab_focus (GTK_WIDGET (self->connect_button));
}

void
_pt_welcome_connect_clicked_cb (PtWelcomePage *self)
{
  g_autofree gchar *uri = row_text (self->uri_row);
  g_autofree gchar *tenant_id = row_text (self->tenant_row);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  gboolean resumed = FALSE;

  if (self->connecting)
    return;
  if (!pt_enrolment_check (uri, tenant_id, &error))
    {
      set_message (self, error->message, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (*uri == '\0' || !g_str_has_prefix (uri, "mongodb")
                                         ? self->uri_row : self->tenant_row));
      return;
    }
  /* A key file that went away or is not a key is refused before anything
   * is created. */
  if (self->key_file != NULL)
    {
      g_autoptr(GBytes) key = pt_sync_crypt_read_key_file (self->key_file, &error);

      if (key == NULL)
        {
          set_message (self, error->message, TRUE);
          gtk_widget_grab_focus (GTK_WIDGET (self->key_file_button));
          return;
        }
    }
  if (!self->resuming)
    {
      if (pt_store_exists (self->data_dir))
        {
          set_message (self, _("This computer already holds pharmacy data in its data folder, so it cannot be connected to another pharmacy here."), TRUE);
          return;
        }
      if (!prepare_enrolment_store (self, uri, tenant_id, &error)
          || !install_key (self, tenant_id, &error))
        {
          g_autofree gchar *sentence = pt_ui_error_sentence (error);

          remove_empty_enrolment (self->data_dir);
          set_message (self, sentence, TRUE);
          return;
        }
    }
  else
    {
      /* A new address (another password, say) is kept for next time. */
      g_autoptr(PtStore) store = pt_store_open (self->data_dir, &error);
      g_autofree gchar *password = NULL;
      g_autofree gchar *bare = pt_secret_split_uri (uri, &password);

      if (store == NULL || !pt_store_set_setting (store, SERVER_URI_KEY, bare, &error)
          || !install_key (self, pt_store_get_tenant_id (store), &error))
        {
          g_autofree gchar *sentence = pt_ui_error_sentence (error);

          set_message (self, sentence, TRUE);
          return;
        }
      resumed = show_stored_progress (self, store);
    }

  drop_engine (self);
  self->engine = G_OBJECT (pt_sync_engine_new (self->data_dir, uri, self->database));
  self->engine_status_id = g_signal_connect_swapped (self->engine, "status-changed",
                                                     G_CALLBACK (engine_status_cb), self);
  self->connect_cancellable = g_cancellable_new ();
  set_connecting (self, TRUE);
  set_message (self, self->resuming
                     ? _("Continuing the download of your pharmacy’s data…")
                     : _("Connecting and downloading your pharmacy’s data. This can take a few minutes the first time."),
               FALSE);
  /* A continued download starts the bar where it stopped. */
  if (!resumed)
    {
      gtk_progress_bar_set_text (self->connect_progress, _("Connecting…"));
      gtk_progress_bar_set_fraction (self->connect_progress, 0);
      self->pulse_id = g_timeout_add (150, pulse_cb, self);
    }

  task = g_task_new (self, self->connect_cancellable, first_sync_done_cb, NULL);
  g_task_set_source_tag (task, _pt_welcome_connect_clicked_cb);
  g_task_set_task_data (task, g_object_ref (self->engine), g_object_unref);
  /* The result must arrive even when cancelled: the engine saves its
   * checkpoint first, and the page shows where it stopped. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, first_sync_thread);
}

void
_pt_welcome_connect_cancel_cb (PtWelcomePage *self)
{
  if (self->connect_cancellable == NULL)
    return;
  g_cancellable_cancel (self->connect_cancellable);
  gtk_widget_set_sensitive (GTK_WIDGET (self->connect_cancel_button), FALSE);
  set_message (self, _("Stopping after the records being saved now…"), FALSE);
}

void
_pt_welcome_connect_activated_cb (PtWelcomePage *self)
{
  _pt_welcome_page_show_view (self, "connect");
  set_connecting (self, self->connecting);
  gtk_widget_grab_focus (GTK_WIDGET (self->uri_row));
}

/* ---- Enrolment file ----------------------------------------------------- */

static void
apply_enrolment (PtWelcomePage     *self,
                 const PtEnrolment *enrolment)
{
  gtk_editable_set_text (GTK_EDITABLE (self->uri_row), enrolment->uri);
  gtk_editable_set_text (GTK_EDITABLE (self->tenant_row), enrolment->tenant_id);
  g_free (self->database);
  self->database = g_strdup (enrolment->database);
  set_message (self, _("The enrolment file was read. Press Connect to download your pharmacy’s data."), FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->connect_button));
}

static void
file_chosen_cb (GtkNativeDialog *dialog,
                gint             response,
                gpointer         user_data)
{
  PtWelcomePage *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree gchar *path = file ? g_file_get_path (file) : NULL;
      g_autoptr(PtEnrolment) enrolment = NULL;
      g_autoptr(GError) error = NULL;

      if (path != NULL)
        enrolment = pt_enrolment_load_file (path, &error);
      if (enrolment != NULL)
        apply_enrolment (self, enrolment);
      else if (error != NULL)
        set_message (self, error->message, TRUE);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

void
_pt_welcome_enrolment_file_cb (PtWelcomePage *self)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  chooser = gtk_file_chooser_native_new (_("Open Enrolment File"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Enrolment files"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_filter_add_pattern (filter, "*.pharmatrack");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (file_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- Encryption key file ------------------------------------------------ */

static void
show_key_file (PtWelcomePage *self)
{
  if (self->key_file != NULL)
    {
      g_autofree gchar *name = g_path_get_basename (self->key_file);

      adw_action_row_set_subtitle (self->key_row, name);
    }
  else
    adw_action_row_set_subtitle (self->key_row,
                                 _("None chosen. Needed when your pharmacy encrypts patient records: "
                                   "your administrator gives you the key file."));
  gtk_widget_set_visible (GTK_WIDGET (self->key_clear_button), self->key_file != NULL);
}

gboolean
pt_welcome_page_set_key_file (PtWelcomePage  *self,
                              const gchar    *path,
                              GError        **error)
{
  g_return_val_if_fail (PT_IS_WELCOME_PAGE (self), FALSE);

  pt_welcome_page_prepare (self);
  if (path != NULL)
    {
      g_autoptr(GBytes) key = pt_sync_crypt_read_key_file (path, error);

      if (key == NULL)
        return FALSE;
    }
  g_free (self->key_file);
  self->key_file = g_strdup (path);
  show_key_file (self);
  return TRUE;
}

static void
key_chosen_cb (GtkNativeDialog *dialog,
               gint             response,
               gpointer         user_data)
{
  PtWelcomePage *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree gchar *path = file ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;

      if (path != NULL && pt_welcome_page_set_key_file (self, path, &error))
        {
          set_message (self, _("The encryption key file will be used to read your pharmacy’s patient records."),
                       FALSE);
          gtk_widget_grab_focus (GTK_WIDGET (self->connect_button));
        }
      else if (error != NULL)
        set_message (self, error->message, TRUE);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

void
_pt_welcome_key_file_cb (PtWelcomePage *self)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) keys = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  chooser = gtk_file_chooser_native_new (_("Choose Encryption Key File"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  gtk_file_filter_set_name (keys, _("Key files"));
  gtk_file_filter_add_pattern (keys, "*.key");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), keys);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (key_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
_pt_welcome_key_clear_cb (PtWelcomePage *self)
{
  pt_welcome_page_set_key_file (self, NULL, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->key_file_button));
}

/* ---- Lifecycle ---------------------------------------------------------- */

void
_pt_welcome_connect_init (PtWelcomePage *self)
{
  set_message (self, NULL, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->connect_progress), FALSE);
}

void
_pt_welcome_connect_dispose (PtWelcomePage *self)
{
  /* A running first sync holds a reference on the page through its task;
   * dispose only comes after it returned. */
  if (self->connect_cancellable != NULL)
    g_cancellable_cancel (self->connect_cancellable);
  drop_engine (self);
  g_clear_object (&self->connect_cancellable);
  g_clear_pointer (&self->database, g_free);
  g_clear_pointer (&self->key_file, g_free);
}

void
pt_welcome_page_resume_enrolment (PtWelcomePage *self,
                                  PtStore       *store)
{
  g_autofree gchar *uri = NULL;
  g_autofree gchar *database = NULL;

  g_return_if_fail (PT_IS_WELCOME_PAGE (self));
  g_return_if_fail (PT_IS_STORE (store));

  pt_welcome_page_prepare (self);
  uri = pt_store_get_setting (store, SERVER_URI_KEY);
  database = pt_store_sync_get (store, "database");
  g_free (self->database);
  self->database = g_steal_pointer (&database);
  gtk_editable_set_text (GTK_EDITABLE (self->uri_row), uri ? uri : "");
  gtk_editable_set_text (GTK_EDITABLE (self->tenant_row), pt_store_get_tenant_id (store));
  self->resuming = TRUE;
  _pt_welcome_page_show_view (self, "connect");
  set_connecting (self, FALSE);
  show_stored_progress (self, store);
  set_message (self, pt_enrolment_uri_has_credentials (uri)
                     ? _("The first download of your pharmacy’s data did not finish. Enter the server address "
                         "with its password again and press Continue: it carries on where it stopped.")
                     : _("The first download of your pharmacy’s data did not finish. Press Continue: it carries "
                         "on where it stopped."),
               FALSE);
}

gboolean
pt_welcome_page_store_needs_enrolment (PtStore *store)
{
  g_autofree gchar *pending = NULL;

  g_return_val_if_fail (PT_IS_STORE (store), FALSE);
  pending = pt_store_get_setting (store, ENROLMENT_KEY);
  return g_strcmp0 (pending, "pending") == 0;
}
