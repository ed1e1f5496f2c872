#!/bin/sh
# Runs one counter scenario in its own D-Bus session (the AT-SPI bus lives
# there) and its own 1280×800 X server.  The session bus starts before the
# X server, so the X display is handed to the services it activates (the
# AT-SPI registry synthesizes the key presses on that display).  Exit 77
# (skipped) when the tools are missing.  The display number starts at a
# number of our own: helpers running at once raced for :99 and one test
# lost its X server when the other ended.
if [ "$1" = "--inside" ]; then
  shift
  /usr/bin/dbus-update-activation-environment DISPLAY XAUTHORITY
  exec /usr/bin/python3 "$@"
fi
for tool in /usr/bin/dbus-run-session /usr/bin/xvfb-run /usr/bin/python3 /usr/bin/pdftotext \
            /usr/bin/dbus-update-activation-environment; do
  [ -x "$tool" ] || { echo "missing $tool"; exit 77; }
done
/usr/bin/python3 -c 'import pyatspi, dogtail' 2>/dev/null || { echo "missing python3-pyatspi or python3-dogtail"; exit 77; }
exec /usr/bin/dbus-run-session -- \
  /usr/bin/xvfb-run -a -n $(( $$ % 400 + 200 )) -s "-screen 0 1280x800x24 -noreset" \
  /bin/sh "$0" --inside "$@"
