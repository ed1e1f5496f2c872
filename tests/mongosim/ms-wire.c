/* ms-wire.c — OP_MSG and legacy OP_QUERY parsing, OP_MSG/OP_REPLY replies
 *
 * Pure functions over a byte buffer (the fuzz target drives them directly).
 * An OP_MSG has one body section (kind 0) and any number of document
 * sequences (kind 1); the sequences are folded into the body as arrays, as
 * the server does before dispatching the command.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

#define MSG_CHECKSUM_PRESENT (1u << 0)
#define MSG_MORE_TO_COME (1u << 1)
#define MSG_EXHAUST_ALLOWED (1u << 16)

static gint32
read_i32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  return (gint32) GUINT32_FROM_LE (v);
}

static void
write_i32 (GByteArray *out, gint32 v)
{
  guint32 le = GUINT32_TO_LE ((guint32) v);

  g_byte_array_append (out, (const guint8 *) &le, 4);
}

void
ms_request_clear (MsRequest *req)
{
  g_clear_pointer (&req->body, bson_destroy);
  g_clear_pointer (&req->query_ns, g_free);
}

static gboolean
valid_bson (const guint8 *data, gsize avail, gsize *len_out)
{
  gint32 len;
  bson_t doc;
  size_t offset;

  if (avail < 5)
    return FALSE;
  len = read_i32 (data);
  if (len < 5 || (gsize) len > avail || data[len - 1] != 0)
    return FALSE;
  if (!bson_init_static (&doc, data, (size_t) len))
    return FALSE;
  if (!bson_validate (&doc, BSON_VALIDATE_NONE, &offset))
    return FALSE;
  *len_out = (gsize) len;
  return TRUE;
}

static MsParseResult
parse_msg (const guint8 *p, gsize len, MsRequest *req, MsErr **err)
{
  guint32 flags;
  gsize pos = 4, end = len;
  const guint8 *body = NULL;
  gsize body_len = 0;
  GPtrArray *seq_names = g_ptr_array_new ();
  GPtrArray *seq_docs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  MsParseResult result = MS_PARSE_OK;

  if (len < 5)
    {
      result = MS_PARSE_CLOSE;
      goto out;
    }
  flags = (guint32) read_i32 (p);
  req->flags = flags;
  req->more_to_come = (flags & MSG_MORE_TO_COME) != 0;
  req->exhaust_allowed = (flags & MSG_EXHAUST_ALLOWED) != 0;
  if ((flags & 0xffff) & ~(MSG_CHECKSUM_PRESENT | MSG_MORE_TO_COME))
    {
      ms_err_set (err, MS_FAILED_TO_PARSE, "Message contains illegal flags value: Flag %u",
                  (flags & 0xffff) & ~(MSG_CHECKSUM_PRESENT | MSG_MORE_TO_COME));
      result = MS_PARSE_REPLY_ERROR;
      goto out;
    }
  if (flags & MSG_CHECKSUM_PRESENT)
    {
      /* the CRC-32C is tolerated, not verified */
      if (end < pos + 4)
        {
          result = MS_PARSE_CLOSE;
          goto out;
        }
      end -= 4;
    }
  while (pos < end)
    {
      guint8 kind = p[pos++];

      if (kind == 0)
        {
          gsize dlen;

          if (body != NULL)
            {
              ms_err_set (err, 40430, "Multiple body sections in message");
              result = MS_PARSE_REPLY_ERROR;
              goto out;
            }
          if (!valid_bson (p + pos, end - pos, &dlen))
            {
              ms_err_set (err, MS_INVALID_BSON, "invalid bson in OP_MSG body section");
              result = MS_PARSE_REPLY_ERROR;
              goto out;
            }
          body = p + pos;
          body_len = dlen;
          pos += dlen;
        }
      else if (kind == 1)
        {
          gint32 size;
          gsize seq_end, name_len;
          const char *name;
          GPtrArray *docs;

          if (end - pos < 4)
            {
              result = MS_PARSE_CLOSE;
              goto out;
            }
          size = read_i32 (p + pos);
          if (size < 5 || (gsize) size > end - pos)
            {
              ms_err_set (err, MS_INVALID_BSON, "invalid document sequence size in OP_MSG");
              result = MS_PARSE_REPLY_ERROR;
              goto out;
            }
          seq_end = pos + (gsize) size;
          pos += 4;
          name = (const char *) p + pos;
          name_len = strnlen (name, seq_end - pos);
          if (name_len == seq_end - pos)
            {
              ms_err_set (err, MS_INVALID_BSON, "unterminated document sequence identifier");
              result = MS_PARSE_REPLY_ERROR;
              goto out;
            }
          pos += name_len + 1;
          docs = g_ptr_array_new ();
          g_ptr_array_add (seq_names, (gpointer) name);
          g_ptr_array_add (seq_docs, docs);
          while (pos < seq_end)
            {
              gsize dlen;

              if (!valid_bson (p + pos, seq_end - pos, &dlen))
                {
                  ms_err_set (err, MS_INVALID_BSON, "invalid bson in OP_MSG document sequence");
                  result = MS_PARSE_REPLY_ERROR;
                  goto out;
                }
              g_ptr_array_add (docs, (gpointer) (p + pos));
              pos += dlen;
            }
        }
      else
        {
          ms_err_set (err, 40432, "Unknown section kind %u", kind);
          result = MS_PARSE_REPLY_ERROR;
          goto out;
        }
    }
  if (body == NULL)
    {
      ms_err_set (err, 40587, "OP_MSG requires a body");
      result = MS_PARSE_REPLY_ERROR;
      goto out;
    }

  req->body = bson_new_from_data (body, body_len);
  for (guint s = 0; s < seq_names->len; s++)
    {
      GPtrArray *docs = g_ptr_array_index (seq_docs, s);
      bson_t arr;
      bson_iter_t it;

      if (bson_iter_init_find (&it, req->body, g_ptr_array_index (seq_names, s)))
        {
          ms_err_set (err, 40689, "Duplicate field %s", (const char *) g_ptr_array_index (seq_names, s));
          result = MS_PARSE_REPLY_ERROR;
          goto out;
        }
      bson_append_array_begin (req->body, g_ptr_array_index (seq_names, s), -1, &arr);
      for (guint d = 0; d < docs->len; d++)
        {
          const guint8 *dp = g_ptr_array_index (docs, d);
          bson_t doc;
          char key[16];
          const char *k;

          bson_init_static (&doc, dp, (size_t) read_i32 (dp));
          bson_uint32_to_string (d, &k, key, sizeof key);
          bson_append_document (&arr, k, -1, &doc);
        }
      bson_append_array_end (req->body, &arr);
    }

out:
  g_ptr_array_unref (seq_names);
  g_ptr_array_unref (seq_docs);
  return result;
}

static MsParseResult
parse_query (const guint8 *p, gsize len, MsRequest *req, MsErr **err)
{
  gsize pos = 4, ns_len, dlen;
  bson_t query;
  bson_iter_t it;

  if (len < 4 + 1 + 8 + 5)
    return MS_PARSE_CLOSE;
  ns_len = strnlen ((const char *) p + pos, len - pos);
  if (ns_len == len - pos)
    return MS_PARSE_CLOSE;
  req->query_ns = g_strndup ((const char *) p + pos, ns_len);
  pos += ns_len + 1 + 8;
  if (pos > len || !valid_bson (p + pos, len - pos, &dlen))
    {
      ms_err_set (err, MS_INVALID_BSON, "invalid bson in OP_QUERY");
      return MS_PARSE_REPLY_ERROR;
    }
  bson_init_static (&query, p + pos, dlen);
  /* drivers may wrap the command: {$query: {...}, $readPreference: ...} */
  if (bson_iter_init_find (&it, &query, "$query") && BSON_ITER_HOLDS_DOCUMENT (&it))
    {
      const guint8 *data;
      guint32 qlen;
      bson_iter_document (&it, &qlen, &data);
      req->body = bson_new_from_data (data, qlen);
    }
  else
    req->body = bson_copy (&query);
  return MS_PARSE_OK;
}

/* data is one whole message including its 16-byte header. */
MsParseResult
ms_wire_parse (const guint8 *data, gsize len, MsRequest *req, MsErr **err)
{
  gint32 msg_len;

  memset (req, 0, sizeof *req);
  if (len < 16)
    return MS_PARSE_CLOSE;
  msg_len = read_i32 (data);
  if (msg_len < 16 || (gsize) msg_len != len)
    return MS_PARSE_CLOSE;
  req->request_id = read_i32 (data + 4);
  req->opcode = read_i32 (data + 12);
  switch (req->opcode)
    {
    case MS_OP_MSG:
      return parse_msg (data + 16, len - 16, req, err);
    case MS_OP_QUERY:
      return parse_query (data + 16, len - 16, req, err);
    default:
      /* unsupported (OP_COMPRESSED is never negotiated) or unknown */
      return MS_PARSE_CLOSE;
    }
}

static gint
next_request_id (void)
{
  static gint counter = 0;

  return g_atomic_int_add (&counter, 1) + 1;
}

GBytes *
ms_wire_reply_msg (gint32 response_to, const bson_t *body)
{
  GByteArray *out = g_byte_array_sized_new (16 + 5 + body->len);
  guint8 kind = 0;

  write_i32 (out, 16 + 4 + 1 + (gint32) body->len);
  write_i32 (out, next_request_id ());
  write_i32 (out, response_to);
  write_i32 (out, MS_OP_MSG);
  write_i32 (out, 0);
  g_byte_array_append (out, &kind, 1);
  g_byte_array_append (out, bson_get_data (body), body->len);
  return g_byte_array_free_to_bytes (out);
}

GBytes *
ms_wire_reply_query (gint32 response_to, const bson_t *body)
{
  GByteArray *out = g_byte_array_sized_new (16 + 20 + body->len);
  guint64 cursor = 0;

  write_i32 (out, 16 + 20 + (gint32) body->len);
  write_i32 (out, next_request_id ());
  write_i32 (out, response_to);
  write_i32 (out, MS_OP_REPLY);
  write_i32 (out, 8);             /* AwaitCapable */
  g_byte_array_append (out, (const guint8 *) &cursor, 8);
  write_i32 (out, 0);
  write_i32 (out, 1);
  g_byte_array_append (out, bson_get_data (body), body->len);
  return g_byte_array_free_to_bytes (out);
}
