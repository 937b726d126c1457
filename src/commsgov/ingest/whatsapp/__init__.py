"""WhatsApp "Export chat" files (``.txt``, or ``.zip`` with media), Android and iOS, any locale.

A line starts a message only when it *begins* with a header in the file's own layout::

    12/03/2024, 10:00 - Ann: text            Android
    [12/03/2024, 10:00:00] Ann: text         iOS (the bracket may follow a left-to-right mark)

Everything else continues the previous message, so message text is kept exactly, line breaks
included. Headers are recognised in every layout WhatsApp uses (d/m/y, m/d/y, y/m/d; ``/ . -``;
2- or 4-digit years; 12 h with AM/PM in many spellings and languages, or 24 h; optional seconds)
and the layout is decided from the whole file, as is the day/month order. A header-shaped line
inside a message is not taken for a new message when its layout differs from the file's, or
when its time goes back (or jumps forward, out of line with what follows); the message keeps
the line as text and gets the ``header-in-text`` flag.

The file is read twice, streamed in blocks of 4 MiB (never whole): the first pass finds the
layout, every date (for the day/month order) and where two-digit years roll into a new century;
the second splits each block with a regex for that one layout and builds the messages,
converting each distinct date and time string once. Both search the bytes (the layout's regex
in bytes matches only where the text one does; a block where it could miss a header is read as
text) and decode only what becomes text. Memory is bounded by the messages plus one block.
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
