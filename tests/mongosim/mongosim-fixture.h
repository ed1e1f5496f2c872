/* mongosim-fixture.h — start and stop a mongosim from a test
 *
 *   g_autoptr(MongosimFixture) sim = mongosim_fixture_start (NULL, &error);
 *   client = mongoc_client_new (mongosim_fixture_get_uri (sim));
 *   …
 *   mongosim_fixture_stop (sim, &error);   (or just let g_autoptr free it)
 *
 * args are extra mongosim options ("--standalone", "--oplog-size", "50",
 * "--auth", "u:p", "--dbpath", dir, …), NULL-terminated, may be NULL.
 * The simulator listens on a free port (unless args give --port), the
 * fixture waits for its --port-file (inotify, 10 s timeout, no sleeps)
 * and stops it by PID (SIGTERM, then SIGKILL after 10 s).  The child also
 * gets SIGTERM if the test process dies.
 *
 * In meson: dependencies: [mongosim_fixture_dep], depends: mongosim_exe.
 * The environment variable MONGOSIM overrides the simulator's path.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MongosimFixture MongosimFixture;

MongosimFixture *mongosim_fixture_start   (const char *const *args,
                                           GError           **error);
/* mongodb://[user:pass@]127.0.0.1:PORT/?replicaSet=rs0, or
 * ?directConnection=true with --standalone */
const char      *mongosim_fixture_get_uri  (MongosimFixture   *self);
/* "127.0.0.1:PORT" */
const char      *mongosim_fixture_get_host (MongosimFixture   *self);
guint16          mongosim_fixture_get_port (MongosimFixture   *self);
/* 0 when stopped */
GPid             mongosim_fixture_get_pid  (MongosimFixture   *self);
/* Clean stop (SIGTERM: a --dbpath snapshot is written); idempotent. */
gboolean         mongosim_fixture_stop     (MongosimFixture   *self,
                                            GError           **error);
/* Stops it if running and starts it again with the same options on the
 * same port (so clients reconnect to the same URI). */
gboolean         mongosim_fixture_restart  (MongosimFixture   *self,
                                            GError           **error);
/* Hard stop (SIGKILL), as a crash would. */
void             mongosim_fixture_kill     (MongosimFixture   *self);
void             mongosim_fixture_free     (MongosimFixture   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MongosimFixture, mongosim_fixture_free)

G_END_DECLS
