#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-medicine-editor.h"
#include "pt-medicine-detail.h"
#include "pt-ui-util.h"

typedef struct
{
  const PtField *field;
  GtkWidget     *row;       /* AdwEntryRow, AdwComboRow or AdwActionRow */
  GtkWidget     *toggle;    /* GtkSwitch for BOOL */
  gchar         *original;  /* text shown at open, to send only changes */
} FieldRow;

struct _PtMedicineEditor
{
  AdwWindow            parent_instance;

  AdwWindowTitle      *window_title;
  GtkButton           *save_button;
  GtkLabel            *message_label;
  AdwPreferencesGroup *fields_group;
  GtkLabel            *permission_label;

  PtStore             *store;
  PtEditorMode         mode;
  gchar               *medicine_id;
  const PtCollection  *collection;
  GArray              *rows;      /* FieldRow */
};

G_DEFINE_FINAL_TYPE (PtMedicineEditor, pt_medicine_editor, ADW_TYPE_WINDOW)

enum {
  DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
pt_medicine_field_is_price (const PtField *field)
{
  return field->type == PT_FIELD_MONEY || g_strcmp0 (field->name, "taxRate") == 0;
}

static gboolean
field_is_editable_type (const PtField *field)
{
  switch (field->type)
    {
    case PT_FIELD_STRING:
    case PT_FIELD_INT:
    case PT_FIELD_MONEY:
    case PT_FIELD_BOOL:
    case PT_FIELD_DATE:
    case PT_FIELD_ENUM:
      return TRUE;
    case PT_FIELD_OID:
    case PT_FIELD_DOCUMENT:
    case PT_FIELD_ARRAY:
    default:
      return FALSE;
    }
}

static gboolean
is_percent (const PtField *field)
{
  return g_strcmp0 (field->name, "taxRate") == 0;
}

static gchar *
field_label (const PtField *field)
{
  const gchar *label = g_dgettext (GETTEXT_PACKAGE, field->label ? field->label : field->name);

  if (is_percent (field))
    return g_strdup_printf (_("%s (%%)"), label);

  if (field->flags & PT_FIELD_FLAG_REQUIRED)
    return g_strdup_printf (_("%s (required)"), label);
  return g_strdup (label);
}

/* The value of a field as the form shows it (plain, parseable). */
static gchar *
field_plain_text (const PtField *field,
                  const bson_t  *doc,
                  const gchar   *currency)
{
  bson_iter_t iter;

  if (doc == NULL || !bson_iter_init_find (&iter, doc, field->name))
    return g_strdup ("");
  switch (field->type)
    {
    case PT_FIELD_MONEY:
      return BSON_ITER_HOLDS_INT (&iter) ? pt_money_to_plain (bson_iter_as_int64 (&iter), currency) : g_strdup ("");
    case PT_FIELD_INT:
      /* Basis points are shown as a percentage with two decimals. */
      if (is_percent (field))
        return BSON_ITER_HOLDS_INT (&iter) ? pt_money_to_plain (bson_iter_as_int64 (&iter), "EUR") : g_strdup ("");
      return BSON_ITER_HOLDS_INT (&iter) ? g_strdup_printf ("%" G_GINT64_FORMAT, bson_iter_as_int64 (&iter)) : g_strdup ("");
    case PT_FIELD_DATE:
      return BSON_ITER_HOLDS_DATE_TIME (&iter) ? pt_time_format_iso (bson_iter_date_time (&iter), TRUE) : g_strdup ("");
    case PT_FIELD_BOOL:
      return g_strdup (BSON_ITER_HOLDS_BOOL (&iter) && bson_iter_bool (&iter) ? "true" : "false");
    case PT_FIELD_STRING:
    case PT_FIELD_ENUM:
      return BSON_ITER_HOLDS_UTF8 (&iter) ? g_strdup (bson_iter_utf8 (&iter, NULL)) : g_strdup ("");
    default:
      return g_strdup ("");
    }
}

static gchar *
row_current_text (FieldRow *fr)
{
  if (fr->field->type == PT_FIELD_BOOL)
    return g_strdup (gtk_switch_get_active (GTK_SWITCH (fr->toggle)) ? "true" : "false");
  if (fr->field->type == PT_FIELD_ENUM)
    {
      guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (fr->row));

      /* Position 0 is "not set" for optional enums. */
      if (!(fr->field->flags & PT_FIELD_FLAG_REQUIRED))
        return selected == 0 || selected == GTK_INVALID_LIST_POSITION
               ? g_strdup ("") : g_strdup (fr->field->enum_values[selected - 1]);
      return selected == GTK_INVALID_LIST_POSITION ? g_strdup ("")
             : g_strdup (fr->field->enum_values[selected]);
    }
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (fr->row))));
}

static void
add_field_row (PtMedicineEditor *self,
               const PtField    *field,
               const bson_t     *doc,
               gboolean          sensitive)
{
  FieldRow fr = { field, NULL, NULL, NULL };
  g_autofree gchar *label = field_label (field);
  const gchar *currency = pt_store_get_currency (self->store);

  fr.original = field_plain_text (field, doc, currency);
  switch (field->type)
    {
    case PT_FIELD_BOOL:
      fr.row = adw_action_row_new ();
      fr.toggle = gtk_switch_new ();
      gtk_widget_set_valign (fr.toggle, GTK_ALIGN_CENTER);
      gtk_switch_set_active (GTK_SWITCH (fr.toggle), g_str_equal (fr.original, "true"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (fr.row), fr.toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (fr.row), fr.toggle);
      gtk_accessible_update_property (GTK_ACCESSIBLE (fr.toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      g_dgettext (GETTEXT_PACKAGE, field->label), -1);
      break;
    case PT_FIELD_ENUM:
      {
        g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
        guint selected = 0, offset = 0;

        if (!(field->flags & PT_FIELD_FLAG_REQUIRED))
          {
            gtk_string_list_append (list, _("Not set"));
            offset = 1;
          }
        for (guint i = 0; field->enum_values && field->enum_values[i]; i++)
          {
            gtk_string_list_append (list, field->enum_values[i]);
            if (g_str_equal (field->enum_values[i], fr.original))
              selected = i + offset;
          }
        fr.row = adw_combo_row_new ();
        adw_combo_row_set_model (ADW_COMBO_ROW (fr.row), G_LIST_MODEL (list));
        adw_combo_row_set_selected (ADW_COMBO_ROW (fr.row), selected);
      }
      break;
    default:
      fr.row = adw_entry_row_new ();
      gtk_editable_set_text (GTK_EDITABLE (fr.row), fr.original);
      adw_entry_row_set_activates_default (ADW_ENTRY_ROW (fr.row), TRUE);
      if (field->type == PT_FIELD_INT || field->type == PT_FIELD_MONEY)
        adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (fr.row), GTK_INPUT_PURPOSE_NUMBER);
      break;
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (fr.row), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (fr.row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  g_dgettext (GETTEXT_PACKAGE, field->label), -1);
  gtk_widget_set_sensitive (fr.row, sensitive);
  adw_preferences_group_add (self->fields_group, fr.row);
  g_array_append_val (self->rows, fr);
}

static void
show_problem (PtMedicineEditor *self,
              const gchar      *message,
              GtkWidget        *row)
{
  gtk_label_set_label (self->message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), TRUE);
  if (row != NULL)
    {
      gtk_widget_add_css_class (row, "error");
      gtk_widget_grab_focus (row);
    }
}

/* The row a validation message is about: core names the field by its
 * label or by its key in parentheses. */
static GtkWidget *
row_for_message (PtMedicineEditor *self,
                 const gchar      *message)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      FieldRow *fr = &g_array_index (self->rows, FieldRow, i);
      g_autofree gchar *key = g_strdup_printf ("(%s)", fr->field->name);

      if (strstr (message, key) != NULL
          || (fr->field->label && g_str_has_prefix (message, g_dgettext (GETTEXT_PACKAGE, fr->field->label))))
        return fr->row;
    }
  return NULL;
}

/* Appends the row's value to @doc; FALSE with a message when unparseable. */
static gboolean
append_value (PtMedicineEditor *self,
              FieldRow         *fr,
              const gchar      *text,
              bson_t           *doc,
              gboolean          allow_unset)
{
  const PtField *field = fr->field;
  const gchar *label = g_dgettext (GETTEXT_PACKAGE, field->label);
  g_autoptr(GError) error = NULL;

  if (*text == '\0')
    {
      if (allow_unset)
        BSON_APPEND_NULL (doc, field->name);
      return TRUE;
    }
  switch (field->type)
    {
    case PT_FIELD_STRING:
    case PT_FIELD_ENUM:
      BSON_APPEND_UTF8 (doc, field->name, text);
      return TRUE;
    case PT_FIELD_BOOL:
      BSON_APPEND_BOOL (doc, field->name, g_str_equal (text, "true"));
      return TRUE;
    case PT_FIELD_INT:
      {
        gint64 v;

        if (is_percent (field))
          {
            /* "20" or "20.5" percent: two decimals, like cents. */
            if (!pt_money_parse (text, "EUR", &v, NULL))
              {
                g_autofree gchar *m = g_strdup_printf (_("%s must be a percentage such as 20 or 5.5."), label);

                show_problem (self, m, fr->row);
                return FALSE;
              }
            BSON_APPEND_INT64 (doc, field->name, v);
            return TRUE;
          }
        if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &v, NULL))
          {
            g_autofree gchar *m = g_strdup_printf (_("%s must be a whole number."), label);

            show_problem (self, m, fr->row);
            return FALSE;
          }
        BSON_APPEND_INT64 (doc, field->name, v);
        return TRUE;
      }
    case PT_FIELD_MONEY:
      {
        PtMoney v;

        if (!pt_money_parse (text, pt_store_get_currency (self->store), &v, &error))
          {
            g_autofree gchar *m = g_strdup_printf ("%s: %s", label, error->message);

            show_problem (self, m, fr->row);
            return FALSE;
          }
        BSON_APPEND_INT64 (doc, field->name, v);
        return TRUE;
      }
    case PT_FIELD_DATE:
      {
        PtTime t;

        if (!pt_date_parse (text, &t, NULL))
          {
            g_autofree gchar *m = g_strdup_printf (_("%s must be a date as year-month-day, for example 2027-03-31."), label);

            show_problem (self, m, fr->row);
            return FALSE;
          }
        BSON_APPEND_DATE_TIME (doc, field->name, t);
        return TRUE;
      }
    default:
      return TRUE;
    }
}

static void
save (PtMedicineEditor *self,
      bson_t           *doc)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *message = NULL;
  const gchar *name = NULL;
  gboolean creating = self->mode == PT_EDITOR_NEW;
  guint changed = 0;

  gtk_widget_set_visible (GTK_WIDGET (self->message_label), FALSE);
  for (guint i = 0; i < self->rows->len; i++)
    gtk_widget_remove_css_class (g_array_index (self->rows, FieldRow, i).row, "error");

  for (guint i = 0; i < self->rows->len; i++)
    {
      FieldRow *fr = &g_array_index (self->rows, FieldRow, i);
      g_autofree gchar *text = row_current_text (fr);

      if (!gtk_widget_get_sensitive (fr->row))
        continue;
      if (!creating && g_str_equal (text, fr->original))
        continue;
      if (!append_value (self, fr, text, doc, !creating))
        return;
      changed++;
    }

  if (!creating && changed == 0)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  if (!pt_schema_validate (self->collection, doc,
                           creating ? PT_VALIDATE_CREATE : PT_VALIDATE_UPDATE, &error))
    {
      show_problem (self, error->message, row_for_message (self, error->message));
      return;
    }

  if (creating)
    {
      g_autofree gchar *id = pt_store_put (self->store, "medicines", doc, &error);

      if (id == NULL)
        {
          g_autofree gchar *sentence = pt_ui_error_sentence (error);

          show_problem (self, sentence, row_for_message (self, sentence));
          return;
        }
      name = pt_bson_get_string (doc, "name");
      message = g_strdup_printf (_("Added %s to the catalogue"), name ? name : "");
    }
  else
    {
      if (!pt_store_update (self->store, "medicines", self->medicine_id, doc, &error))
        {
          g_autofree gchar *sentence = pt_ui_error_sentence (error);

          show_problem (self, sentence, row_for_message (self, sentence));
          return;
        }
      message = g_strdup (self->mode == PT_EDITOR_PRICE ? _("Price saved") : _("Medicine saved"));
    }
  g_signal_emit (self, signals[DONE], 0, message);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
save_clicked_cb (PtMedicineEditor *self)
{
  bson_t doc = BSON_INITIALIZER;

  /* The window may be destroyed inside save(); it keeps itself alive. */
  g_object_ref (self);
  save (self, &doc);
  bson_destroy (&doc);
  g_object_unref (self);
}

static void
build_form (PtMedicineEditor *self,
            const bson_t     *doc)
{
  gboolean can_edit = pt_store_can (self->store, PT_PERM_EDIT_MEDICINE);
  gboolean can_price = pt_store_can (self->store, PT_PERM_EDIT_PRICE);
  gboolean price_hidden = FALSE;

  for (guint i = 0; i < self->collection->n_fields; i++)
    {
      const PtField *field = &self->collection->fields[i];
      gboolean price = pt_medicine_field_is_price (field);
      gboolean sensitive;

      if ((field->flags & PT_FIELD_FLAG_SYSTEM) || !field_is_editable_type (field))
        continue;
      if (self->mode == PT_EDITOR_PRICE && !price)
        continue;
      if (self->mode == PT_EDITOR_EDIT && (field->flags & PT_FIELD_FLAG_IMMUTABLE))
        sensitive = FALSE;
      else
        sensitive = price ? can_price : can_edit;
      price_hidden |= price && !can_price;
      add_field_row (self, field, doc, sensitive);
    }
  if (price_hidden)
    {
      gtk_label_set_label (self->permission_label,
                           _("Prices can only be changed by a pharmacist, an administrator or the owner."));
      gtk_widget_set_visible (GTK_WIDGET (self->permission_label), TRUE);
    }
  /* The first field that can be typed in gets the focus. */
  for (guint i = 0; i < self->rows->len; i++)
    {
      FieldRow *fr = &g_array_index (self->rows, FieldRow, i);

      if (gtk_widget_get_sensitive (fr->row))
        {
          gtk_window_set_focus (GTK_WINDOW (self), fr->row);
          break;
        }
    }
}

static void
pt_medicine_editor_dispose (GObject *object)
{
  PtMedicineEditor *self = PT_MEDICINE_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_MEDICINE_EDITOR);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (pt_medicine_editor_parent_class)->dispose (object);
}

static void
pt_medicine_editor_finalize (GObject *object)
{
  PtMedicineEditor *self = PT_MEDICINE_EDITOR (object);

  for (guint i = 0; i < self->rows->len; i++)
    g_free (g_array_index (self->rows, FieldRow, i).original);
  g_array_unref (self->rows);
  g_free (self->medicine_id);
  G_OBJECT_CLASS (pt_medicine_editor_parent_class)->finalize (object);
}

static void
pt_medicine_editor_class_init (PtMedicineEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_medicine_editor_dispose;
  object_class->finalize = pt_medicine_editor_finalize;

  signals[DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/pharmatrack/Desktop/medicines/pt-medicine-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, PtMedicineEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, PtMedicineEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, PtMedicineEditor, message_label);
  gtk_widget_class_bind_template_child (widget_class, PtMedicineEditor, fields_group);
  gtk_widget_class_bind_template_child (widget_class, PtMedicineEditor, permission_label);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pt_medicine_editor_init (PtMedicineEditor *self)
{
  self->rows = g_array_new (FALSE, TRUE, sizeof (FieldRow));
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
pt_medicine_editor_new (GtkWindow    *parent,
                        PtStore      *store,
                        PtEditorMode  mode,
                        const gchar  *medicine_id)
{
  PtMedicineEditor *self;
  g_autoptr(GError) error = NULL;
  bson_t *doc = NULL;
  const gchar *title;

  g_return_val_if_fail (PT_IS_STORE (store), NULL);
  g_return_val_if_fail (mode == PT_EDITOR_NEW || medicine_id != NULL, NULL);

  self = g_object_new (PT_TYPE_MEDICINE_EDITOR, "transient-for", parent, NULL);
  self->store = g_object_ref (store);
  self->mode = mode;
  self->medicine_id = g_strdup (medicine_id);
  self->collection = pt_schema_lookup ("medicines");
  g_assert (self->collection != NULL);

  if (medicine_id != NULL)
    {
      doc = pt_store_get (store, "medicines", medicine_id, &error);
      if (doc == NULL)
        show_problem (self, error->message, NULL);
    }
  title = mode == PT_EDITOR_NEW ? _("New Medicine")
        : mode == PT_EDITOR_PRICE ? _("Change Price") : _("Edit Medicine");
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, title);
  if (doc != NULL)
    adw_window_title_set_subtitle (self->window_title, pt_bson_get_string (doc, "name"));
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->save_button));
  build_form (self, doc);
  if (doc != NULL)
    bson_destroy (doc);
  return GTK_WIDGET (self);
}
