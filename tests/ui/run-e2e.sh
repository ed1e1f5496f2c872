#!/bin/sh
# Runs one end-to-end scenario in its own 1280×800 X server and its own
# D-Bus session (the AT-SPI bus lives there; it is started inside the X
# server so that the accessibility registry can synthesize key presses).
# -noreset: the accessibility bus launcher connects to X and leaves; without
# it the server resets then and refuses the app connecting at that moment.
# Exit 77 (skipped) when the tools are missing.
for tool in /usr/bin/dbus-run-session /usr/bin/xvfb-run /usr/bin/python3; do
  [ -x "$tool" ] || { echo "missing $tool"; exit 77; }
done
/usr/bin/python3 -c 'import pyatspi' 2>/dev/null || { echo "missing python3-pyatspi"; exit 77; }
exec /usr/bin/xvfb-run -a -s "-screen 0 1280x800x24 -noreset" \
  /usr/bin/dbus-run-session -- \
  /usr/bin/python3 "$@"
