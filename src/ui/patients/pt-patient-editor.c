/* pt-patient-editor.c: new / edit patient. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-counter-form.h"
#include "pt-patient-editor.h"
#include "pt-patient-item.h"
#include "pt-ui-util.h"

enum
{
  F_FIRST, F_LAST, F_DOB, F_PHONE, F_EMAIL, F_LINE1, F_CITY, F_POSTCODE,
  F_ALLERGIES, F_CONDITIONS, F_INSURER, F_MEMBER, F_NOTES, N_FIELDS
};

/* The template's entry ids, in field order. */
static const gchar * const field_ids[N_FIELDS] = {
  "first_entry", "last_entry", "dob_entry", "phone_entry", "email_entry", "line1_entry",
  "city_entry", "postcode_entry", "allergies_entry", "conditions_entry", "insurer_entry",
  "member_entry", "notes_entry",
};

/* The document fields the form edits; an edit keeps all the others. */
static const gchar * const form_keys[] = {
  "firstName", "lastName", "dateOfBirth", "phone", "email", "address", "allergies",
  "conditions", "insurance", "notes",
};

struct _PtPatientEditor
{
  AdwWindow  parent_instance;

  PtStore   *store;
  gchar     *patient_id;
  GtkEntry  *entries[N_FIELDS];
  GtkLabel  *error_label;
  GtkButton *save_button;
};

G_DEFINE_FINAL_TYPE (PtPatientEditor, pt_patient_editor, ADW_TYPE_WINDOW)

enum { SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- Saving -------------------------------------------------------------- */

static void
append_text (bson_t      *doc,
             const gchar *key,
             const gchar *value)
{
  if (value && *value)
    BSON_APPEND_UTF8 (doc, key, value);
}

static void
show_error (PtPatientEditor *self,
            guint            field,
            const gchar     *text)
{
  pt_form_show_error (self->error_label,
                      field < N_FIELDS ? GTK_WIDGET (self->entries[field]) : NULL, text);
}

static gboolean
is_form_key (const gchar *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (form_keys); i++)
    if (g_str_equal (key, form_keys[i]))
      return TRUE;
  return FALSE;
}

/* Which field a store validation message is about, N_FIELDS if none. */
static guint
field_of_message (const gchar *message)
{
  static const struct { const gchar *key; guint field; } keys[] = {
    { "firstName", F_FIRST }, { "lastName", F_LAST }, { "dateOfBirth", F_DOB },
    { "phone", F_PHONE }, { "email", F_EMAIL }, { "address", F_LINE1 },
    { "allergies", F_ALLERGIES }, { "conditions", F_CONDITIONS },
    { "insurance", F_INSURER }, { "notes", F_NOTES },
  };

  for (guint i = 0; message && i < G_N_ELEMENTS (keys); i++)
    if (strstr (message, keys[i].key) != NULL)
      return keys[i].field;
  return N_FIELDS;
}

#define TEXT(f) ((const gchar *) g_ptr_array_index (texts, (f)))

static void
save_cb (PtPatientEditor *self)
{
  g_autoptr(bson_t) doc = bson_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *id = NULL;

  for (guint f = 0; f < N_FIELDS; f++)
    g_ptr_array_add (texts, pt_form_text (self->entries[f]));

  if (*TEXT (F_FIRST) == '\0' || *TEXT (F_LAST) == '\0')
    {
      show_error (self, *TEXT (F_FIRST) ? F_LAST : F_FIRST,
                  _("First name and last name are required."));
      return;
    }
  if (self->patient_id != NULL)
    {
      g_autoptr(bson_t) old = pt_store_get (self->store, "patients", self->patient_id, NULL);
      bson_oid_t oid;
      bson_iter_t iter;

      /* Edit: keep what the form does not show. */
      if (old != NULL && bson_iter_init (&iter, old))
        while (bson_iter_next (&iter))
          {
            const gchar *k = bson_iter_key (&iter);

            if (g_str_equal (k, "_id") || g_str_equal (k, "tenantId")
                || g_str_equal (k, "createdAt") || g_str_equal (k, "updatedAt")
                || g_str_equal (k, "deleted") || is_form_key (k))
              continue;
            bson_append_iter (doc, k, -1, &iter);
          }
      bson_oid_init_from_string (&oid, self->patient_id);
      BSON_APPEND_OID (doc, "_id", &oid);
    }

  BSON_APPEND_UTF8 (doc, "firstName", TEXT (F_FIRST));
  BSON_APPEND_UTF8 (doc, "lastName", TEXT (F_LAST));
  if (*TEXT (F_DOB))
    {
      PtTime dob;

      if (!pt_date_parse (TEXT (F_DOB), &dob, NULL))
        {
          show_error (self, F_DOB, _("Type the date of birth as YYYY-MM-DD, e.g. 1980-01-31."));
          return;
        }
      if (dob > pt_time_now ())
        {
          show_error (self, F_DOB, _("The date of birth is in the future; check the year."));
          return;
        }
      BSON_APPEND_DATE_TIME (doc, "dateOfBirth", dob);
    }
  append_text (doc, "phone", TEXT (F_PHONE));
  if (*TEXT (F_EMAIL) && (strchr (TEXT (F_EMAIL), '@') == NULL || strchr (TEXT (F_EMAIL), ' ')))
    {
      show_error (self, F_EMAIL, _("Type the e-mail address as name@example.org, or leave it empty."));
      return;
    }
  append_text (doc, "email", TEXT (F_EMAIL));
  if (*TEXT (F_LINE1) || *TEXT (F_CITY) || *TEXT (F_POSTCODE))
    {
      bson_t addr;

      BSON_APPEND_DOCUMENT_BEGIN (doc, "address", &addr);
      append_text (&addr, "line1", TEXT (F_LINE1));
      append_text (&addr, "city", TEXT (F_CITY));
      append_text (&addr, "postcode", TEXT (F_POSTCODE));
      bson_append_document_end (doc, &addr);
    }
  {
    g_autoptr(bson_t) allergies = pt_patient_parse_allergies (TEXT (F_ALLERGIES));
    BSON_APPEND_ARRAY (doc, "allergies", allergies);
  }
  {
    g_auto(GStrv) parts = g_strsplit (TEXT (F_CONDITIONS), ",", -1);
    bson_t arr;
    guint n = 0;

    BSON_APPEND_ARRAY_BEGIN (doc, "conditions", &arr);
    for (guint i = 0; parts[i]; i++)
      {
        g_autofree gchar *c = g_strstrip (g_strdup (parts[i]));
        gchar key[16];
        const gchar *k;

        if (*c == '\0')
          continue;
        bson_uint32_to_string (n++, &k, key, sizeof key);
        BSON_APPEND_UTF8 (&arr, k, c);
      }
    bson_append_array_end (doc, &arr);
  }
  if (*TEXT (F_INSURER) || *TEXT (F_MEMBER))
    {
      bson_t ins;

      BSON_APPEND_DOCUMENT_BEGIN (doc, "insurance", &ins);
      append_text (&ins, "provider", TEXT (F_INSURER));
      append_text (&ins, "memberId", TEXT (F_MEMBER));
      bson_append_document_end (doc, &ins);
    }
  append_text (doc, "notes", TEXT (F_NOTES));

  id = pt_store_put (self->store, "patients", doc, &error);
  if (id == NULL)
    {
      g_autofree gchar *sentence = pt_ui_error_sentence (error);

      show_error (self, field_of_message (error->message), sentence);
      return;
    }
  g_signal_emit (self, signals[SAVED], 0, id);
  gtk_window_destroy (GTK_WINDOW (self));
}

#undef TEXT

/* Typing in the marked field: the message has been read. */
static void
changed_cb (PtPatientEditor *self)
{
  if (gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    pt_form_clear_error (self->error_label);
}

/* ---- GObject ------------------------------------------------------------- */

static void
pt_patient_editor_dispose (GObject *object)
{
  PtPatientEditor *self = PT_PATIENT_EDITOR (object);

  g_clear_object (&self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_PATIENT_EDITOR);
  G_OBJECT_CLASS (pt_patient_editor_parent_class)->dispose (object);
}

static void
pt_patient_editor_finalize (GObject *object)
{
  g_free (PT_PATIENT_EDITOR (object)->patient_id);
  G_OBJECT_CLASS (pt_patient_editor_parent_class)->finalize (object);
}

static void
pt_patient_editor_class_init (PtPatientEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_patient_editor_dispose;
  object_class->finalize = pt_patient_editor_finalize;
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/pharmatrack/Desktop/patients/pt-patient-editor.ui");
  for (guint f = 0; f < N_FIELDS; f++)
    gtk_widget_class_bind_template_child_full (widget_class, field_ids[f], FALSE,
                                               G_STRUCT_OFFSET (PtPatientEditor, entries)
                                               + f * sizeof (GtkEntry *));
  gtk_widget_class_bind_template_child (widget_class, PtPatientEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, PtPatientEditor, save_button);
  gtk_widget_class_bind_template_callback (widget_class, save_cb);
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pt_patient_editor_init (PtPatientEditor *self)
{
  GtkWidget *chain[N_FIELDS + 1] = { NULL, };

  gtk_widget_init_template (GTK_WIDGET (self));
  for (guint f = 0; f < N_FIELDS; f++)
    chain[f] = GTK_WIDGET (self->entries[f]);
  pt_form_set_focus_chain (GTK_WIDGET (self), chain);
}

static void
set_text (PtPatientEditor *self,
          guint            f,
          const gchar     *text)
{
  gtk_editable_set_text (GTK_EDITABLE (self->entries[f]), text ? text : "");
}

static void
load (PtPatientEditor *self,
      const bson_t    *p)
{
  g_autofree gchar *allergies = pt_patient_format_allergies (p);
  g_autoptr(GString) conditions = g_string_new (NULL);
  bson_iter_t iter, child;

  set_text (self, F_FIRST, pt_bson_get_string (p, "firstName"));
  set_text (self, F_LAST, pt_bson_get_string (p, "lastName"));
  if (bson_iter_init_find (&iter, p, "dateOfBirth") && BSON_ITER_HOLDS_DATE_TIME (&iter))
    {
      g_autofree gchar *dob = pt_time_format_iso (bson_iter_date_time (&iter), TRUE);
      set_text (self, F_DOB, dob);
    }
  set_text (self, F_PHONE, pt_bson_get_string (p, "phone"));
  set_text (self, F_EMAIL, pt_bson_get_string (p, "email"));
  set_text (self, F_LINE1, pt_bson_get_string (p, "address.line1"));
  set_text (self, F_CITY, pt_bson_get_string (p, "address.city"));
  set_text (self, F_POSTCODE, pt_bson_get_string (p, "address.postcode"));
  set_text (self, F_ALLERGIES, allergies);
  if (bson_iter_init_find (&iter, p, "conditions") && bson_iter_recurse (&iter, &child))
    while (bson_iter_next (&child))
      if (BSON_ITER_HOLDS_UTF8 (&child))
        g_string_append_printf (conditions, "%s%s", conditions->len ? ", " : "",
                                bson_iter_utf8 (&child, NULL));
  set_text (self, F_CONDITIONS, conditions->str);
  set_text (self, F_INSURER, pt_bson_get_string (p, "insurance.provider"));
  set_text (self, F_MEMBER, pt_bson_get_string (p, "insurance.memberId"));
  set_text (self, F_NOTES, pt_bson_get_string (p, "notes"));
}

PtPatientEditor *
pt_patient_editor_new (GtkWindow   *parent,
                       PtStore     *store,
                       const gchar *patient_id,
                       const gchar *initial_name)
{
  PtPatientEditor *self = g_object_new (PT_TYPE_PATIENT_EDITOR, NULL);

  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  self->store = g_object_ref (store);
  self->patient_id = g_strdup (patient_id);
  gtk_window_set_title (GTK_WINDOW (self), patient_id ? _("Edit Patient") : _("New Patient"));

  if (patient_id != NULL)
    {
      g_autoptr(bson_t) p = pt_store_get (store, "patients", patient_id, NULL);

      if (p != NULL)
        load (self, p);
    }
  else if (initial_name != NULL)
    {
      g_autofree gchar *name = g_strstrip (g_strdup (initial_name));
      gchar *space = strrchr (name, ' ');

      if (space != NULL)
        {
          *space = '\0';
          set_text (self, F_FIRST, name);
          set_text (self, F_LAST, space + 1);
        }
      else
        set_text (self, F_FIRST, name);
    }
  pt_form_clear_error (self->error_label);
  gtk_widget_grab_focus (GTK_WIDGET (self->entries[F_FIRST]));
  return self;
}
