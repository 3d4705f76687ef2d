"""The CJK font the PDFs need.

WeasyPrint draws through Pango/fontconfig: when no CJK font is installed it silently prints
missing-glyph boxes. So we look for the font ourselves, warn in ``manage.py check`` and refuse
to render a scorecard without it (``make system-deps`` / the Dockerfile install fonts-noto-cjk).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

from django.core import checks

CJK_FAMILY = "Noto Sans CJK SC"
FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts"]


class CJKFontMissing(RuntimeError):
    pass


@functools.cache
def cjk_font_available(family: str = CJK_FAMILY) -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list:
        out = subprocess.run([fc_list, f":family={family}", "family"], capture_output=True, text=True, timeout=20)
        return bool(out.stdout.strip())
    stem = family.replace(" ", "").replace("SC", "")  # "NotoSansCJK"
    return any(p.name.startswith(stem) for d in FONT_DIRS if d.is_dir() for p in d.rglob("*.tt[cf]"))


def require_cjk_font() -> None:
    if not cjk_font_available():
        raise CJKFontMissing(
            f"找不到中文字体“{CJK_FAMILY}”，评分卡会显示为方框。请安装 fonts-noto-cjk（make system-deps）。"
        )


def check_cjk_font(app_configs=None, **kwargs):
    if cjk_font_available():
        return []
    return [
        checks.Warning(
            f"No CJK font '{CJK_FAMILY}' found: PDF scorecards cannot be rendered.",
            hint="Install Debian's fonts-noto-cjk (make system-deps, or the Dockerfile).",
            id="reports.W001",
        )
    ]
