"""Rebuild the shipped typefaces in static/fonts/ from the @fontsource packages.

Usage (with npm, once, by a maintainer; never at run time):

    npm pack @fontsource/newsreader@5.3.0 @fontsource/libre-franklin@5.3.0
    .venv/bin/python scripts/build_fonts.py fontsource-newsreader-5.3.0.tgz \
        fontsource-libre-franklin-5.3.0.tgz

@fontsource splits each style into a Latin and a Latin Extended file. Each
pair is merged into one TrueType file here, because WeasyPrint tells the
fonts it embeds apart by family and style only: two files of one style
would share one embedded font and print the wrong glyphs. Plain TrueType
(not WOFF) keeps WeasyPrint from converting, and so re-stamping, the file at
render time. The font's own head.modified date is kept, so a rebuild gives
the same bytes. Both faces are under the SIL Open Font License with no
Reserved Font Name, which allows this merge.
"""

from __future__ import annotations

import io
import sys
import tarfile
from pathlib import Path

from fontTools.merge import Merger, Options
from fontTools.ttLib import TTFont, woff2

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
STYLES = {
    "newsreader": ["400-normal", "400-italic", "700-normal", "700-italic"],
    "libre-franklin": ["400-normal", "600-normal", "700-normal"],
}


def _truetype(package: tarfile.TarFile, name: str) -> TTFont:
    member = package.extractfile(f"package/files/{name}.woff2")
    assert member is not None, name
    plain = io.BytesIO()
    woff2.decompress(io.BytesIO(member.read()), plain)
    plain.seek(0)
    return TTFont(plain, recalcTimestamp=False)


def build(tarball: Path) -> None:
    family = next(f for f in STYLES if tarball.name.startswith(f"fontsource-{f}-"))
    with tarfile.open(tarball) as package:
        for style in STYLES[family]:
            latin = _truetype(package, f"{family}-latin-{style}")
            latin_ext = _truetype(package, f"{family}-latin-ext-{style}")
            buffers = []
            for font in (latin, latin_ext):
                buffer = io.BytesIO()
                font.save(buffer, reorderTables=True)
                buffer.seek(0)
                buffers.append(buffer)
            merged = Merger(options=Options(drop_tables=["STAT"])).merge(buffers)
            merged["head"].created = latin["head"].created
            merged["head"].modified = latin["head"].modified
            merged.recalcTimestamp = False
            out = FONTS / f"{family}-{style}.ttf"
            merged.save(out, reorderTables=True)
            print(out.relative_to(FONTS.parent.parent), out.stat().st_size, "bytes")
        licence = package.extractfile("package/LICENSE")
        assert licence is not None
        (FONTS / f"{family}-OFL.txt").write_bytes(licence.read())


if __name__ == "__main__":
    FONTS.mkdir(parents=True, exist_ok=True)
    for argument in sys.argv[1:]:
        build(Path(argument))
