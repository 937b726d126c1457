"""WhatsApp "Export chat" files (``.txt``, or ``.zip`` with media), Android and iOS, any locale.

A line starts a message when it *begins* with a header in the file's own layout::

    12/03/2024, 10:00 - Ann: text            Android
    [12/03/2024, 10:00:00] Ann: text         iOS (the bracket may follow a left-to-right mark)

Everything else continues the previous message, so message text is kept exactly, line breaks
included. The package is split by idea:

- ``layouts``: the header layouts WhatsApp uses (d/m/y, m/d/y, y/m/d; ``/ . -``; 2- or 4-digit
  years; 12 h with AM/PM in many spellings and languages, or 24 h; optional seconds) and a
  regex, text and bytes, for exactly one of them;
- ``dates``: the day/month order (decided from the whole file), two-digit years, clocks;
- ``phrases`` and ``bodies``: the sender and text after a header, and what WhatsApp writes into
  a body instead of what was sent (media omitted, attachments, deleted, edited, calls...);
- ``scan``: two passes over the bytes, in blocks of 256 KiB: the first finds the layout, every
  date and where two-digit years roll into a new century, and splits each block at the headers
  of the layout found so far; the second builds the messages from those parts, converting each
  distinct date and time string once. A file of up to 64 MiB is read once (the first pass keeps
  its split blocks for the second); a larger one is streamed twice, never held whole. A header
  whose date and time exist starts a message; one whose time is out of line with its
  neighbours (``scan.out_of_line``) is flagged ``out-of-order``.
- ``exports``: a ``.txt`` export, or a ``.zip`` (held to the ingest limits before it is read).
"""

from commsgov.ingest.whatsapp.dates import decide_date_order
from commsgov.ingest.whatsapp.errors import WhatsAppError
from commsgov.ingest.whatsapp.exports import FORMAT, FORMAT_ZIP, chat_member, parse, parse_zip
from commsgov.ingest.whatsapp.layouts import is_header
from commsgov.ingest.whatsapp.scan import parse_lines, parse_stream

__all__ = [
    "FORMAT",
    "FORMAT_ZIP",
    "WhatsAppError",
    "chat_member",
    "decide_date_order",
    "is_header",
    "parse",
    "parse_lines",
    "parse_stream",
    "parse_zip",
]
