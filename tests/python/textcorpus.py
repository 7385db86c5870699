"""Generated text for the text-vectorizer tests: a multilingual corpus of short documents and
random Unicode strings (seeded, so every run sees the same data)."""
import random
import sys

WORDS = {
    "en": "the quick brown fox jumps over lazy dog offer free money click now meeting tomorrow "
          "report budget team project deadline winner prize urgent account password don't it's "
          "we'll o'clock e-mail re: fwd: hello world data_science snake_case".split(),
    "es": "el rápido zorro marrón salta sobre perro perezoso oferta gratis dinero reunión mañana "
          "informe presupuesto equipo año niño señor corazón canción pingüino".split(),
    "de": "der schnelle braune Fuchs springt über den faulen Hund Straße Größe Mädchen Bücher "
          "Äpfel Öl Übung heißen Grüße schön".split(),
    "el": "Ο γρήγορος καφέ ΑΛΕΠΟΎ πηδάει ΠΆΝΩ από το ΤΕΜΠΈΛΙΚΟ σκυλί ΟΔΥΣΣΕΥΣ ΣΟΦΙΑΣ "
          "Σίσυφος ΆΣΟΣ ΕΛΛΑΣ σοφός".split(),
    "tr": "İstanbul IŞIK ılık İYİ Iğdır şeker çiçek ağaç DİYARBAKIR kapı İzmir ıslak".split(),
    "misc": "😀 🚀 🇩🇪 ❤️ ½ ² ³ ① Ⅻ ﬁ ﬂ ＡＢＣ １２３ ٣٤ ५६ № ™ © … — – « » ‘ ’ “ ” ¿ ¡ "
            "x² H₂O café naïve résumé coöperate Å Ω µ K 가나다 한국어 漢字 かな カナ".split(),
    "punct": ["!", "?", ".", ",", ";", ":", "-", "--", "(", ")", "[", "]", "'", '"', "/", "\\",
              "@", "#", "$", "%", "&", "*", "+", "=", "_", "__init__", "a_b", "_x_", "123",
              "4.5", "1,000", "3rd", "v2", "42", "007"],
}
SEPS = [" ", " ", " ", " ", "  ", "\t", "\n", "\r\n", " \t ", "\u00a0", "\u3000", "\x0b",
        "\x0c", "\x1c", "\x85", "\u2028", "", "-", "'"]


def document(rng, langs=None):
    n = rng.randint(0, 40)
    langs = langs or list(WORDS)
    parts = []
    for _ in range(n):
        w = rng.choice(WORDS[rng.choice(langs)])
        r = rng.random()
        if r < 0.1:
            w = w.upper()
        elif r < 0.2:
            w = w.capitalize()
        parts.append(w)
        parts.append(rng.choice(SEPS))
    return "".join(parts)


def corpus(seed, n, langs=None):
    rng = random.Random(seed)
    docs = [document(rng, langs) for _ in range(n)]
    docs[0] = ""
    if n > 1:
        docs[1] = "   "
    return docs


# Characters chosen to exercise the Unicode tables: every whitespace, combining marks, cased and
# case-ignorable characters around sigma, Turkish I, ligatures, digits of other scripts, ...
SPECIAL = ("\u03a3\u03c3\u03c2\u0130\u0131I i\u0307\u0301\u0323\u0345\u00ad\u2019'.:\u00b7"
           "\u02b0\u1d2c\u1e9e\u00df\ufb01\ufb03\u2126\u212a\u212b\u01c5\u01c4\u01c6\u1f88"
           "\u00a0\u1680\u2000\u200a\u200b\u2028\u2029\u202f\u205f\u3000\x1c\x1d\x1e\x1f\x85"
           "\t\n\x0b\x0c\r _-0123456789\u0663\u0969\uff11\u00b2\u2460\u216b\u3007"
           "\uac00\ud7a3\u1100\u1161\u11a8\ufdfa\u3392\u00bd\u2153\U0001d400\U0001f600"
           "\U0001f1e9\u200d\ufe0f\u0300\u036f\u20dd\u0488\u05d0\u0627\u064b")


def random_string(rng):
    n = rng.randint(0, 30)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.3:
            out.append(rng.choice(SPECIAL))
        elif r < 0.5:
            out.append(chr(rng.randint(0x20, 0x7e)))
        elif r < 0.6:
            out.append(chr(rng.randint(0x80, 0x24f)))
        elif r < 0.7:
            out.append(chr(rng.randint(0x370, 0x3ff)))
        elif r < 0.8:
            out.append(rng.choice(" \t\n"))
        else:
            c = rng.randint(0, 0x10ffff)
            while 0xd800 <= c < 0xe000:
                c = rng.randint(0, 0x10ffff)
            out.append(chr(c))
    return "".join(out)


if __name__ == "__main__":
    for d in corpus(int(sys.argv[1]) if len(sys.argv) > 1 else 0, 10):
        print(repr(d))
