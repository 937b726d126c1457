"""Device compliance: the pack's banned-app catalogue, device inventories and their scanning.

Pure: parsers read streams handed in; nothing here opens files or imports a framework.

>>> import io
>>> from commsgov.policy.loader import load_pack
>>> scanner = Scanner(Catalogue.from_pack(load_pack()), ownership="corporate")
>>> scanner.add(read_inventory(io.BytesIO(b"package:com.whatsapp\\n"), name="p1.txt"))
>>> scanner.result().counts["non-compliant"]
1
"""

from commsgov.devices.blocklist import BLOCKLIST_FORMATS, Blocklist, blocklist
from commsgov.devices.catalogue import BannedApp, Catalogue, Identifier, Match, Rule, name_key
from commsgov.devices.errors import (
    BlocklistFormatError,
    ColumnMapError,
    DevicesError,
    InventoryError,
)
from commsgov.devices.inventory import (
    CSV_FIELDS,
    FORMATS,
    Inventory,
    InventoryRow,
    parse_columns,
    read_inventory,
)
from commsgov.devices.scan import (
    STATUSES,
    AppFound,
    DeviceResult,
    FileSummary,
    FleetResult,
    Scanner,
    ScanResult,
)

__all__ = [
    "BLOCKLIST_FORMATS",
    "CSV_FIELDS",
    "FORMATS",
    "STATUSES",
    "AppFound",
    "BannedApp",
    "Blocklist",
    "BlocklistFormatError",
    "Catalogue",
    "ColumnMapError",
    "DeviceResult",
    "DevicesError",
    "FileSummary",
    "FleetResult",
    "Identifier",
    "Inventory",
    "InventoryError",
    "InventoryRow",
    "Match",
    "Rule",
    "ScanResult",
    "Scanner",
    "blocklist",
    "name_key",
    "parse_columns",
    "read_inventory",
]
