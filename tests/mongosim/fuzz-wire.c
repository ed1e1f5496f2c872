/* fuzz-wire.c — libFuzzer target for the message parser (clang builds)
 *
 * The input is one message; its length field is set to the input size so
 * the fuzzer spends its time on the sections, not on framing.  A parsed
 * body is also fed to the query and update validators and the matcher.
 *
 *   fuzz-wire tests/mongosim/fuzz-corpus/
 */
#define G_LOG_DOMAIN "mongosim-fuzz"
#include "config.h"

#include <string.h>

#include "ms-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree guint8 *copy = g_memdup2 (data, size);
  MsRequest req;
  MsErr *err = NULL;
  MsParseResult r;

  if (size >= 4)
    {
      guint32 le = GUINT32_TO_LE ((guint32) size);
      memcpy (copy, &le, 4);
    }
  r = ms_wire_parse (copy, size, &req, &err);
  if (r == MS_PARSE_OK && req.body != NULL)
    {
      MsErr *qerr = NULL;

      if (ms_query_check (req.body, &qerr))
        ms_match (req.body, req.body);
      ms_err_free (qerr);
      qerr = NULL;
      ms_update_check (req.body, &qerr);
      ms_err_free (qerr);
    }
  ms_request_clear (&req);
  ms_err_free (err);
  return 0;
}
