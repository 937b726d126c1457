"""Which stored files a page may show inline (images, sound, video), and as what.

A file is evidence, not content for the site to run: it is shown in the page only when its own
bytes say it is one of a few media formats a browser plays safely (never SVG or HTML, which can
carry script), and it is served as that type, whatever its name says. Everything else is only
ever a download.
"""

from __future__ import annotations

__all__ = ["INLINE_TYPES", "inline_kind", "sniff_media_type"]

#: the media types shown inline, by the element that shows them
INLINE_TYPES: dict[str, str] = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/gif": "image",
    "image/webp": "image",
    "audio/mpeg": "audio",
    "audio/ogg": "audio",
    "audio/wav": "audio",
    "audio/aac": "audio",
    "audio/mp4": "audio",
    "video/mp4": "video",
    "video/webm": "video",
}

#: what the bytes after ``ftyp`` in an ISO media file (its brand) say it holds
_AUDIO_BRANDS = (b"M4A ", b"M4B ")
_VIDEO_BRANDS = (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"dash", b"MSNV")


def inline_kind(media_type: str | None) -> str | None:
    """``image``, ``audio`` or ``video`` when a file of ``media_type`` (as the record names it)
    is shown in the page; ``None``: offered as a download only.

    >>> inline_kind("image/jpeg"), inline_kind("audio/ogg; codecs=opus")
    ('image', 'audio')
    >>> inline_kind("image/svg+xml") is None and inline_kind(None) is None
    True
    """
    if not media_type:
        return None
    return INLINE_TYPES.get(media_type.split(";")[0].strip().lower())


def sniff_media_type(head: bytes) -> str | None:
    """The media type the first bytes of a file show it to be, among :data:`INLINE_TYPES`;
    ``None`` for anything else (so it is not shown inline).

    >>> sniff_media_type(bytes.fromhex("ffd8ffe0") + b"JFIF")
    'image/jpeg'
    >>> sniff_media_type(b"\\x00\\x00\\x00\\x18ftypmp42rest")
    'video/mp4'
    >>> sniff_media_type(b"<svg xmlns='http://www.w3.org/2000/svg'>") is None
    True
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return "audio/mp4"
        return "video/mp4" if brand in _VIDEO_BRANDS else None
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "audio/aac"  # an ADTS frame
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio/mpeg"  # an MPEG audio frame
    return None
