#!/usr/bin/python3
"""The icons the app grid and GNOME Software show: each SVG renders (through
librsvg, as GTK does), the full-colour ones on the 128 px grid and the
symbolic one on the 16 px grid in a single recolourable colour, and the
development icon is visibly different from the release one.  Prints TAP.

    usage: check-icons.py ICONS_DIR
"""
import os
import sys
import xml.etree.ElementTree as ET

import gi
gi.require_version('GdkPixbuf', '2.0')
from gi.repository import GdkPixbuf, GLib  # noqa: E402

SVG = '{http://www.w3.org/2000/svg}'
BASE = 'io.github.pharmatrack.Desktop'
results = []


def render(path, size):
    """Pixels of PATH rendered at SIZE×SIZE, as RGBA bytes."""
    pb = GdkPixbuf.Pixbuf.new_from_file_at_size(path, size, size)
    if not pb.get_has_alpha():
        pb = pb.add_alpha(False, 0, 0, 0)
    return pb.get_width(), pb.get_height(), pb.get_pixels(), pb.get_rowstride()


def coverage(pixels, width, height, stride):
    """Share of pixels that are not transparent."""
    opaque = sum(1 for y in range(height) for x in range(width)
                 if pixels[y * stride + x * 4 + 3] > 0)
    return opaque / (width * height)


def check_icon(path, viewbox, symbolic):
    problems = []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return [f'not well-formed XML: {e}']
    if root.get('viewBox') != viewbox:
        problems.append(f'viewBox is {root.get("viewBox")!r}, expected {viewbox!r}')
    if symbolic:
        for el in root.iter():
            if el.tag in (SVG + 'linearGradient', SVG + 'radialGradient',
                          SVG + 'pattern', SVG + 'image'):
                problems.append(f'symbolic icon uses <{el.tag[len(SVG):]}>')
            fill = el.get('fill')
            if fill not in (None, 'none', '#222222', '#2e3436', 'currentColor'):
                problems.append(f'symbolic icon uses the colour {fill}, which GTK cannot recolour')
    try:
        w, h, px, stride = render(path, 64)
    except GLib.Error as e:
        return problems + [f'does not render: {e.message}']
    share = coverage(px, w, h, stride)
    if not 0.2 < share < 0.98:
        problems.append(f'renders {share:.0%} opaque at 64 px: blank or a full square')
    return problems


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: check-icons.py ICONS_DIR')
    d = sys.argv[1]
    icons = [(f'{BASE}.svg', '0 0 128 128', False),
             (f'{BASE}.Devel.svg', '0 0 128 128', False),
             (f'{BASE}-symbolic.svg', '0 0 16 16', True)]
    for name, viewbox, symbolic in icons:
        path = os.path.join(d, name)
        if not os.path.exists(path):
            results.append((name, [f'{path} is missing']))
            continue
        results.append((name, check_icon(path, viewbox, symbolic)))

    # The development icon must not be mistaken for the release one.
    problems = []
    try:
        _, _, a, stride = render(os.path.join(d, f'{BASE}.svg'), 32)
        _, _, b, _ = render(os.path.join(d, f'{BASE}.Devel.svg'), 32)
        differing = sum(1 for i in range(0, len(a), 4)
                        if sum(abs(a[i + c] - b[i + c]) for c in range(3)) > 96)
        if differing < len(a) // 4 // 4:
            problems.append(f'only {differing} of {len(a) // 4} pixels differ at 32 px')
    except GLib.Error as e:
        problems.append(str(e))
    results.append(('devel-icon-differs-from-release', problems))

    print(f'1..{len(results)}')
    for i, (name, problems) in enumerate(results, 1):
        print(f'{"not ok" if problems else "ok"} {i} - /data/icons/{name}')
        for p in problems:
            print(f'# {p}')
    return 1 if any(p for _, p in results) else 0


if __name__ == '__main__':
    sys.exit(main())
