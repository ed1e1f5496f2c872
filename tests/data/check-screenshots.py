#!/usr/bin/python3
"""GNOME Software shows the metainfo's screenshots from the project
repository: each one must be a committed PNG under data/screenshots, large
enough to be shown (GNOME Software's 624×351 minimum), with a caption.

    usage: check-screenshots.py SOURCE_ROOT
"""
import os
import struct
import sys
import xml.etree.ElementTree as ET

RAW = 'https://raw.githubusercontent.com/pharmatrack/pharmatrack-desktop/main/'
METAINFO = 'data/io.github.pharmatrack.Desktop.metainfo.xml.in.in'


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if head[:8] != b'\x89PNG\r\n\x1a\n' or head[12:16] != b'IHDR':
        return None
    return struct.unpack('>II', head[16:24])


def main():
    top = sys.argv[1]
    root = ET.parse(os.path.join(top, METAINFO)).getroot()
    shots = root.findall('./screenshots/screenshot')
    problems = []
    if not shots:
        problems.append('the metainfo has no screenshots')
    if sum(1 for s in shots if s.get('type') == 'default') != 1:
        problems.append('exactly one screenshot must be the default')
    for s in shots:
        url = (s.findtext('image') or '').strip()
        if not (s.findtext('caption') or '').strip():
            problems.append(f'{url}: no caption')
        if not url.startswith(RAW):
            problems.append(f'{url}: not a file of the project repository')
            continue
        rel = url[len(RAW):]
        path = os.path.join(top, rel)
        if not os.path.isfile(path):
            problems.append(f'{rel} is not committed')
            continue
        size = png_size(path)
        if size is None:
            problems.append(f'{rel} is not a PNG')
        elif size[0] < 624 or size[1] < 351:
            problems.append(f'{rel} is {size[0]}×{size[1]}, smaller than 624×351')
    if problems:
        print('\n'.join(problems), file=sys.stderr)
        return 1
    print(f'{len(shots)} screenshots committed and large enough')
    return 0


if __name__ == '__main__':
    sys.exit(main())
