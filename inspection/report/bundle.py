"""The Vega / Vega-Lite / vega-embed JavaScript inlined in every page, so a page opens with no network."""

from __future__ import annotations

import base64
import gzip
import os
from importlib.metadata import version
from pathlib import Path

import altair as alt


def javascript_bundle() -> str:
    """vega-embed with Vega and the Vega-Lite version this Altair writes, as one script (no network).

    vl-convert takes seconds to bundle it, every build: the bundle is kept in the user's cache
    folder (`$XDG_CACHE_HOME/fingertip/` or `~/.cache/fingertip/`), one file per vl-convert and
    Vega-Lite version; without a writable cache it is bundled each time.
    """
    import vl_convert as vlc

    vl_version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])  # "v6.4.1" -> "v6_4"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fingertip"
    cached = cache / f"vega-embed-vl-convert-{version('vl-convert-python')}-{vl_version}.js"
    try:
        text = cached.read_text(encoding="utf-8")
        if "vegaEmbed" in text:
            return text
    except OSError:
        pass
    bundle = vlc.javascript_bundle(vl_version=vl_version)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        staging = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        staging.write_text(bundle, encoding="utf-8")
        os.replace(staging, cached)  # whole or not at all, for a concurrent build
    except OSError:
        pass
    return bundle


def packed_bundle() -> str:
    """javascript_bundle() gzip-compressed, as base64 text: what each page inlines and the browser unpacks.

    The bundle is 0.9 MB and a unit page's own content a few tens of kB, so at 2,000 units the plain
    bundle made the report 1.8 GB, and writing it was most of the report's time (docs/benchmarks.md).
    """
    return base64.b64encode(gzip.compress(javascript_bundle().encode("utf-8"), mtime=0)).decode("ascii")
