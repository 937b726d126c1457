"""Pure parsers for exported chats (WhatsApp, Telegram, Signal, SMS) and format detection."""
