//! What WhatsApp writes in place of media and for deleted and edited messages, in the
//! languages Safekeep reads: English, German, French, Spanish, Portuguese, Italian,
//! Dutch, Polish and Turkish. Compared after invisible direction marks are removed and
//! without a final full stop. An attachment whose file is in the export is recognised
//! whatever the language (its name followed by words in brackets); these lists also
//! recognise attachments the export left out.

/// Android, after a file name: `IMG-20240105-WA0001.jpg (file attached)`.
pub const FILE_ATTACHED: &[&str] = &[
    "file attached",
    "Datei angehängt",
    "fichier joint",
    "archivo adjunto",
    "arquivo anexado",
    "file allegato",
    "bestand bijgevoegd",
    "załączono plik",
    "dosya ekli",
];

/// iOS, before a file name: `<attached: 00000012-PHOTO-2024-01-05-21-41-08.jpg>`.
pub const ATTACHED: &[&str] = &[
    "attached",
    "Anhang",
    "pièce jointe",
    "adjunto",
    "anexado",
    "allegato",
    "bijgevoegd",
    "załącznik",
    "eklendi",
];

/// Android, a whole message for media exported "without media".
pub const MEDIA_OMITTED: &[&str] = &[
    "<Media omitted>",
    "<Medien ausgeschlossen>",
    "<Médias omis>",
    "<Multimedia omitido>",
    "<Mídia oculta>",
    "<Media omessi>",
    "<Media weggelaten>",
    "<Pominięto multimedia>",
    "<Medya dahil edilmedi>",
];

/// iOS, a whole message for media exported "without media": `image omitted`.
pub const OMITTED: &[&str] = &[
    "image omitted",
    "video omitted",
    "audio omitted",
    "sticker omitted",
    "GIF omitted",
    "document omitted",
    "Contact card omitted",
    "Bild weggelassen",
    "Video weggelassen",
    "Audio weggelassen",
    "Sticker weggelassen",
    "GIF weggelassen",
    "Dokument weggelassen",
    "image absente",
    "vidéo absente",
    "audio omis",
    "autocollant omis",
    "GIF retiré",
    "document omis",
    "imagen omitida",
    "video omitido",
    "audio omitido",
    "sticker omitido",
    "GIF omitido",
    "documento omitido",
    "imagem ocultada",
    "vídeo omitido",
    "áudio ocultado",
    "figurinha omitida",
    "immagine omessa",
    "video omesso",
    "audio omesso",
    "sticker omesso",
    "GIF omessa",
    "documento omesso",
    "afbeelding weggelaten",
    "video weggelaten",
    "audio weggelaten",
    "sticker weggelaten",
    "GIF weggelaten",
    "document weggelaten",
    "pominięto obraz",
    "pominięto wideo",
    "pominięto audio",
    "pominięto naklejkę",
    "pominięto GIF",
    "pominięto dokument",
    "görüntü dahil edilmedi",
    "video dahil edilmedi",
    "ses dahil edilmedi",
    "çıkartma dahil edilmedi",
    "GIF dahil edilmedi",
    "belge dahil edilmedi",
    // Seen in real iOS exports (#39): contact cards, stickers, GIFs and documents in
    // German, French, Italian and Spanish, and Portugal's Portuguese.
    "Kontaktkarte ausgelassen",
    "Fiche contact manquante",
    "sticker omis",
    "document manquant",
    "Scheda contatto omessa",
    "sticker non incluso",
    "GIF esclusa",
    "Tarjeta de contacto omitida",
    "imagem não revelada",
    "vídeo não revelado",
    "áudio não revelado",
];

/// iOS, a document left out, after its name: `Statement.pdf ‎document omitted`, perhaps
/// followed by `• 2 pages`.
pub const DOCUMENT_OMITTED: &[&str] = &[
    "document omitted",
    "Dokument weggelassen",
    "document omis",
    "document manquant",
    "documento omitido",
    "documento omesso",
    "document weggelaten",
    "pominięto dokument",
    "belge dahil edilmedi",
];

/// iOS, a shared location, which is the sender's message though WhatsApp marks it as it
/// marks its own notices: `‎Location: https://maps.google.com/?q=…`.
pub const LOCATION: &[&str] = &[
    "Location:",
    "Standort:",
    "Localisation :",
    "Localisation:",
    "Ubicación:",
    "Localização:",
    "Posizione:",
    "Locatie:",
    "Lokalizacja:",
    "Konum:",
];

/// A whole message that was deleted, by its sender or by the person exporting.
pub const DELETED: &[&str] = &[
    "This message was deleted",
    "You deleted this message",
    "Diese Nachricht wurde gelöscht",
    "Du hast diese Nachricht gelöscht",
    "Ce message a été supprimé",
    "Vous avez supprimé ce message",
    "Se eliminó este mensaje",
    "Eliminaste este mensaje",
    "Mensagem apagada",
    "Você apagou esta mensagem",
    "Questo messaggio è stato eliminato",
    "Hai eliminato questo messaggio",
    "Dit bericht is verwijderd",
    "Je hebt dit bericht verwijderd",
    "Ta wiadomość została usunięta",
    "Usunięto tę wiadomość",
    "Bu mesaj silindi",
    "Bu mesajı sildiniz",
    "Esta mensagem foi apagada",
    "Apagou esta mensagem",
    "U hebt dit bericht verwijderd",
];

/// Written after the text of an edited message.
pub const EDITED: &[&str] = &[
    "<This message was edited>",
    "<Diese Nachricht wurde bearbeitet>",
    "<Ce message a été modifié>",
    "<Se editó este mensaje.>",
    "<Mensagem editada>",
    "<Questo messaggio è stato modificato>",
    "<Dit bericht is bewerkt>",
    "<Wiadomość edytowana>",
    "<Bu mesaj düzenlendi>",
];

/// How Android names the chat file, before the chat's name: `WhatsApp Chat with Alice.txt`.
pub const FILE_PREFIXES: &[&str] = &[
    "WhatsApp Chat with ",
    "WhatsApp Chat mit ",
    "Discussion WhatsApp avec ",
    "Chat de WhatsApp con ",
    "Conversa do WhatsApp com ",
    "Chat WhatsApp con ",
    "WhatsApp-chat met ",
    "Czat WhatsApp z ",
    "WhatsApp Sohbeti - ",
    "WhatsApp Chat - ",
];
