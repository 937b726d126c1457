"""What WhatsApp writes into a message body instead of (or around) what the person sent.

The phrases are WhatsApp's own, as its exports write them in English, German, Dutch, French,
Spanish, Portuguese and Italian (Android writes them plain, iOS after a left-to-right mark,
U+200E). Matching is on the text with those marks removed; a phrase not listed here leaves the
message as its sender's, with its text as written (see ``bodies``).
"""

from __future__ import annotations

import re

LRM = "\u200e"
#: the direction marks WhatsApp inserts (never the person's text)
BIDI = str.maketrans("", "", "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2068\u2069")


def _any(*phrases: str) -> str:
    return "|".join(map(re.escape, phrases))


#: Android's "<Media omitted>" (compared in lower case)
MEDIA_OMITTED = frozenset(
    {
        "<media omitted>",
        "<medien ausgeschlossen>",
        "<media weggelaten>",
        "<médias omis>",
        "<multimédia omis>",
        "<multimedia omitido>",
        "<archivo omitido>",
        "<mídia oculta>",
        "<multimédia omitido>",
        "<arquivo de mídia oculto>",
        "<media omessi>",
        "<media omesso>",
    }
)
#: iOS's "image omitted" and its kin: the phrase -> what was left out
IOS_OMITTED: dict[str, str] = {
    # English
    "image omitted": "image", "photo omitted": "image", "video omitted": "video",
    "audio omitted": "audio", "sticker omitted": "sticker", "GIF omitted": "gif",
    "document omitted": "document", "Contact card omitted": "contact",
    # German
    "Bild weggelassen": "image", "Video weggelassen": "video", "Audio weggelassen": "audio",
    "Sticker weggelassen": "sticker", "GIF weggelassen": "gif",
    "Dokument weggelassen": "document", "Kontaktkarte ausgelassen": "contact",
    "Kontaktkarte weggelassen": "contact",
    # Dutch
    "afbeelding weggelaten": "image", "video weggelaten": "video", "audio weggelaten": "audio",
    "sticker weggelaten": "sticker", "GIF weggelaten": "gif",
    "document weggelaten": "document", "contactkaart weggelaten": "contact",
    # French
    "image absente": "image", "vidéo absente": "video", "audio omis": "audio",
    "sticker omis": "sticker", "GIF retiré": "gif", "document manquant": "document",
    "Fiche contact manquante": "contact",
    # Spanish
    "imagen omitida": "image", "video omitido": "video", "Video omitido": "video",
    "audio omitido": "audio", "sticker omitido": "sticker", "GIF omitido": "gif",
    "documento omitido": "document", "Tarjeta de contacto omitida": "contact",
    # Portuguese
    "imagem ocultada": "image", "imagem não revelada": "image", "vídeo omitido": "video",
    "vídeo não revelado": "video", "áudio ocultado": "audio",
    "ficheiro de áudio não revelado": "audio", "figurinha omitida": "sticker",
    "sticker não revelado": "sticker", "GIF não revelada": "gif",
    "documento ocultado": "document", "documento não revelado": "document",
    "Contacto não revelado": "contact", "Cartão de contato omitido": "contact",
    # Italian
    "immagine omessa": "image", "video omesso": "video", "audio omesso": "audio",
    "sticker non incluso": "sticker", "sticker omesso": "sticker", "GIF esclusa": "gif",
    "documento omesso": "document", "Scheda contatto omessa": "contact",
}  # fmt: skip
#: "[NAME • N pages ]image omitted": the phrase, with a document's description before it
IOS_OMITTED_RE = re.compile(
    r"(?:(?P<doc>.+?) )?(?P<kind>" + _any(*sorted(IOS_OMITTED, key=len, reverse=True)) + r")"
)
#: the 2015-era iOS form: just the kind of media, ``image`` (the file itself not exported)
BARE_MEDIA = frozenset({"image", "video", "audio", "sticker", "GIF", "document"})

#: ``<attached: NAME>`` (iOS, at the start or after a caption; localised)
ATTACHED = re.compile(
    r"(?P<sep>[ \n]?\u200e?)<(?:attached|Anhang|bijgevoegd|pièce jointe|adjunto|anexo"
    r"|allegato) ?: (?P<name>[^<>\n]+)>"
)
#: the 2015-era iOS ``NAME.jpg <‎attached>``
OLD_ATTACHED = re.compile(r"(?P<name>[^<>\n]*\S) <\u200e?attached>")
#: Android's ``NAME (file attached)``, the caption on the lines after it
FILE_ATTACHED = re.compile(
    r"(?P<name>\S(?:.*\S)?) \((?:file attached|Datei angehängt|archivo adjunto"
    r"|fichier joint|arquivo anexado|bestand bijgevoegd|file allegato)\)"
)
#: a document's description before its file: ``NAME.pdf • ‎3 pages`` (iOS)
DOCUMENT = re.compile(r"(?P<name>.+?) • (?:(?P<pages>\d+) \w+)?")
VIEW_ONCE = re.compile(
    r"<?View once (?:photo|video|voice message|message)(?: omitted)?>?", re.IGNORECASE
)

DELETED = frozenset(
    {
        "This message was deleted", "You deleted this message",
        "Diese Nachricht wurde gelöscht", "Du hast diese Nachricht gelöscht",
        "Dit bericht is verwijderd", "Je hebt dit bericht verwijderd",
        "Ce message a été supprimé", "Vous avez supprimé ce message",
        "Se eliminó este mensaje", "Eliminaste este mensaje",
        "Esta mensagem foi apagada", "Mensagem apagada", "Você apagou esta mensagem",
        "Apagou esta mensagem", "Apagaste esta mensagem",
        "Questo messaggio è stato eliminato", "Hai eliminato questo messaggio",
    }
)  # fmt: skip
#: deleted by a group admin: the admin's name is kept (the text stays)
DELETED_BY_ADMIN = re.compile(
    r"This message was deleted by admin .+|Diese Nachricht wurde von (?:Admin )?.+ gelöscht"
    r"|Dit bericht is verwijderd door beheerder .+|Ce message a été supprimé par l'admin .+"
    r"|Este mensaje fue eliminado por el admin .+|Esta mensagem foi apagada pelo admin .+"
    r"|Questo messaggio è stato eliminato dall'amministratore .+"
)
#: ``<This message was edited>`` at the end of the text
EDITED = re.compile(
    r"[ \u200e]*<(?:"
    + _any(
        "This message was edited",
        "Diese Nachricht wurde bearbeitet",
        "Dit bericht is bewerkt",
        "Ce message a été modifié",
        "Se editó este mensaje",
        "Mensagem editada",
        "Esta mensagem foi editada",
        "Questo messaggio è stato modificato",
    )
    + r")\.?>\Z"
)
#: "Waiting for this message" (the phone could not decrypt it yet), with the hint WhatsApp
#: adds; after iOS's mark any hint is WhatsApp's, written plain only these (a person's own
#: "Waiting for this message from HR" stays text)
_PENDING = (
    "Waiting for this message", "Warten auf diese Nachricht", "Wachten op dit bericht",
    "En attente de ce message", "Esperando este mensaje", "Esperando el mensaje",
    "Aguardando mensagem", "Aguardando esta mensagem", "À espera desta mensagem",
    "In attesa di questo messaggio",
)  # fmt: skip
_PENDING_HINTS = (
    "This may take a while.", "Check your phone.", "Dies kann etwas dauern.",
    "Dit kan even duren.", "Cela peut prendre un certain temps.", "Esto puede tomar tiempo.",
    "Esto puede tardar un poco.", "Isso pode levar alguns instantes.",
    "L'operazione potrebbe richiedere del tempo.",
)  # fmt: skip
PENDING = re.compile("(?:" + _any(*_PENDING) + r")\.?(?: (?P<hint>.*))?")
PENDING_HINTS = frozenset(_PENDING_HINTS)
#: a call: the phrase -> missed; the rest of the line may give a duration or a hint
CALLS: dict[str, bool] = {
    "Voice call": False, "Video call": False, "Group voice call": False,
    "Group video call": False, "Missed voice call": True, "Missed video call": True,
    "Missed group voice call": True, "Missed group video call": True,
    "Sprachanruf": False, "Videoanruf": False, "Verpasster Sprachanruf": True,
    "Verpasster Videoanruf": True, "Verpasster Gruppen-Sprachanruf": True,
    "Spraakoproep": False, "Videogesprek": False, "Gemiste spraakoproep": True,
    "Gemist videogesprek": True,
    "Appel vocal": False, "Appel vidéo": False, "Appel vocal manqué": True,
    "Appel vidéo manqué": True,
    "Llamada de voz": False, "Videollamada": False, "Llamada de voz perdida": True,
    "Videollamada perdida": True,
    "Chamada de voz": False, "Chamada de vídeo": False, "Chamada de voz perdida": True,
    "Chamada de vídeo perdida": True,
    "Chiamata vocale": False, "Videochiamata": False, "Chiamata vocale persa": True,
    "Videochiamata persa": True,
}  # fmt: skip
CALL = re.compile(
    r"(?P<call>" + _any(*sorted(CALLS, key=len, reverse=True)) + r")(?:[.,] ?(?P<rest>.*))?"
)
#: a call that was not answered
NO_ANSWER = re.compile(
    _any(
        "No answer",
        "Keine Antwort",
        "Geen antwoord",
        "Pas de réponse",
        "Sin respuesta",
        "Não atendida",
        "Sem resposta",
        "Nessuna risposta",
        "Tap to call back",
        "Zum Zurückrufen tippen",
    )
)
#: a duration in a call line: ``12 min``, ``1 hr``, ``45 sec``, ``2 Min.``, ``3 Std.``
DURATION = re.compile(
    r"(?P<n>\d+) ?(?P<unit>sec|s|Sek|min|Min|hr|h|Std|uur|heure|hora|ora)\.?", re.IGNORECASE
)
UNIT_SECONDS = {"sec": 1, "s": 1, "sek": 1, "min": 60, "hr": 3600, "h": 3600, "std": 3600,
                "uur": 3600, "heure": 3600, "hora": 3600, "ora": 3600}  # fmt: skip
#: a shared location: the word, then its map link (or a live location)
LOCATION = re.compile(
    r"(?:location|Location|Standort|Locatie|Localisation|Position|Ubicación|Localização"
    r"|Posizione) ?: https?://\S+|(?:live location shared|Live-Standort geteilt)",
)
#: a poll: its word, the question, then its options, one a line
POLL = re.compile(
    r"(?:POLL|UMFRAGE|ABSTIMMUNG|PEILING|SONDAGE|ENCUESTA|ENQUETE|SONDAGGIO) ?:\n"
    r"(?:.*\n)*\u200e?(?:OPTION|OPCIÓN|OPÇÃO|OPZIONE|OPTIE) ?: ",
)

#: events WhatsApp writes into a chat (joins, leaves, the encryption notice...), whoever it
#: shows them under (iOS: the group, or in a two-person chat the other person)
EVENT = re.compile(
    # the encryption notice and security codes
    r"Messages and calls are end-to-end encrypted|Messages to this group are now secured"
    r"|Messages you send to this (?:chat|group) and calls are now secured"
    r"|Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt"
    r"|Berichten en oproepen worden end-to-end versleuteld"
    r"|Les messages et les appels sont chiffrés de bout en bout"
    r"|Los mensajes y las llamadas están cifrados de extremo a extremo"
    r"|As mensagens e as chamadas são (?:protegidas com a criptografia de ponta a ponta"
    r"|encriptadas ponto a ponto)"
    r"|I messaggi e le chiamate sono crittografati end-to-end"
    r"|Your security code with |Deine Sicherheitsnummer für |Je beveiligingscode met "
    r"|Votre code de sécurité avec |Tu código de seguridad con |Seu código de segurança com "
    r"|Il tuo codice di sicurezza con "
    # members and the group itself ("Ann added Bob", "You left"...)
    r"|.+ (?:created group|created this group|added|removed|left|joined using this group's"
    r" invite link|joined from the community|changed the subject|changed the group name"
    r"|changed this group's (?:icon|settings|description)|changed the group description"
    r"|deleted this group's icon|changed (?:their|his|her) phone number|is now an admin"
    r"|pinned a message|turned (?:on|off) disappearing messages)\b"
    r"|.+ (?:hat die Gruppe|hat dich|hat .+ hinzugefügt|hat .+ entfernt|ist beigetreten"
    r"|ist der Gruppe .*beigetreten|hat den Betreff|hat das Gruppenbild|hat die Gruppenbeschreibung"
    r"|hat die Gruppe verlassen|hat zu .+ gewechselt)"
    r"|.+ (?:heeft de groep|heeft .+ toegevoegd|heeft .+ verwijderd|is lid geworden"
    r"|heeft het onderwerp)"
    r"|.+ (?:a créé le groupe|a ajouté |a retiré |est parti|a rejoint |a modifié le sujet"
    r"|a changé le sujet)"
    r"|.+ (?:creó el grupo|añadió a |eliminó a |salió del grupo|se unió |cambió el asunto"
    r"|cambió el nombre del grupo)"
    r"|.+ (?:criou o grupo|adicionou |removeu |saiu|entrou usando o link de convite"
    r"|mudou o assunto|alterou o nome do grupo)"
    r"|.+ (?:ha creato il gruppo|ha aggiunto |ha rimosso |è uscit[oa]|si è unit[oa]"
    r"|ha cambiato l'oggetto|ha modificato il nome del gruppo)"
    r"|.*(?:Tap to learn more|Tippe, um mehr zu erfahren|Tik voor meer informatie"
    r"|Appuyez pour en savoir plus|(?:Pulsa|Toca) para obtener más información"
    r"|Toque para saber mais|Tocca per saperne di più)\.?\Z"
)
# Android events that contain ": " (so they could pass for "sender: text")
SYSTEM_WITH_COLON = re.compile(
    r"(?:.+ (?:changed the (?:subject|group name|group description)|changed this group's"
    r"|created group|created the group|added|removed|joined|left|pinned a message)"
    r"|Messages and calls are end-to-end encrypted|Messages to this group are now"
    r"|Your security code with|Disappearing messages|.+ changed (?:their|his|her) phone number)"
)

#: how a text that may carry one of the markers above starts (each phrase WhatsApp writes
#: plain, without iOS's mark), by its first three characters; one that may end with a marker
#: ends with ")" or ">". The common case, plain text, is told apart by one dict look-up.
_STARTS = (
    "View once", "view once", "Location", "location", "Standort", "Locatie", "Localisation",
    "Position", "Ubicación", "Localização", "Posizione", "live location", "Live-Standort",
    "POLL", "UMFRAGE", "ABSTIMMUNG", "PEILING", "SONDAGE", "ENCUESTA", "ENQUETE", "SONDAGGIO",
    *DELETED, *CALLS, *_PENDING,
    "This message was deleted by admin", "Diese Nachricht wurde von", "Dit bericht is verwijderd",
    "Ce message a été supprimé", "Este mensaje fue eliminado", "Esta mensagem foi apagada",
    "Questo messaggio è stato eliminato",
)  # fmt: skip
STARTS: dict[str, tuple[str, ...]] = {}
for _start in _STARTS:
    STARTS[_start[:3]] = (*STARTS.get(_start[:3], ()), _start)
del _start
#: what a marker may start with, a single character: ``<Media omitted>``, iOS's mark
FIRST = "<" + LRM
