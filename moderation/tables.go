package moderation

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// lookalikes maps letters of other scripts that sellers use in place of
// Latin ones (a Cyrillic "а" in "tinа" defeats a plain word filter) to the
// Latin letter they imitate. Capitals are listed when their lower case
// looks different (Cyrillic В, Н, Т; Greek Η, Μ, Ν).
var lookalikes = map[rune]string{
	// Cyrillic
	'А': "a", 'В': "b", 'Е': "e", 'К': "k", 'М': "m", 'Н': "h", 'О': "o", 'Р': "p",
	'С': "c", 'Т': "t", 'У': "y", 'Х': "x", 'Ѕ': "s", 'І': "i", 'Ј': "j", 'Ԛ': "q",
	'Ԝ': "w", 'Ү': "y", 'Һ': "h", 'Ӏ': "l", 'Ь': "b", 'Ԁ': "d", 'Ԍ': "g", 'Ѵ': "v",
	'а': "a", 'в': "b", 'е': "e", 'к': "k", 'м': "m", 'н': "h", 'о': "o", 'р': "p",
	'с': "c", 'т': "t", 'у': "u", 'х': "x", 'ѕ': "s", 'і': "i", 'ј': "j", 'ԛ': "q",
	'ԝ': "w", 'ү': "y", 'һ': "h", 'ӏ': "l", 'ь': "b", 'ԁ': "d", 'ԍ': "g", 'ѵ': "v",
	'ѐ': "e", 'ё': "e", 'ї': "i", 'ӓ': "a", 'ӧ': "o",
	// Greek
	'Α': "a", 'Β': "b", 'Ε': "e", 'Ζ': "z", 'Η': "h", 'Ι': "i", 'Κ': "k", 'Μ': "m",
	'Ν': "n", 'Ο': "o", 'Ρ': "p", 'Τ': "t", 'Υ': "y", 'Χ': "x", 'Ϲ': "c", 'Ϳ': "j",
	'α': "a", 'β': "b", 'γ': "y", 'ε': "e", 'ζ': "z", 'η': "n", 'ι': "i", 'κ': "k",
	'μ': "u", 'ν': "v", 'ο': "o", 'ρ': "p", 'ς': "s", 'τ': "t", 'υ': "u", 'χ': "x",
	'ω': "w", 'ϲ': "c", 'ϳ': "j",
	// Latin letters without a decomposition, ligatures and small capitals
	'ı': "i", 'ȷ': "j", 'ł': "l", 'Ł': "l", 'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d",
	'ħ': "h", 'Ħ': "h", 'ŧ': "t", 'Ŧ': "t", 'ƀ': "b", 'ɨ': "i", 'ɑ': "a", 'ɡ': "g",
	'ɩ': "i", 'ʋ': "v", 'ĸ': "k", 'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae",
	'ß': "ss", 'ẞ': "ss", 'þ': "th", 'Þ': "th", 'ð': "d", 'Ð': "d", 'ŋ': "n",
	'ᴀ': "a", 'ʙ': "b", 'ᴄ': "c", 'ᴅ': "d", 'ᴇ': "e", 'ꜰ': "f", 'ɢ': "g", 'ʜ': "h",
	'ɪ': "i", 'ᴊ': "j", 'ᴋ': "k", 'ʟ': "l", 'ᴍ': "m", 'ɴ': "n", 'ᴏ': "o", 'ᴘ': "p",
	'ʀ': "r", 'ꜱ': "s", 'ᴛ': "t", 'ᴜ': "u", 'ᴠ': "v", 'ᴡ': "w", 'ʏ': "y", 'ᴢ': "z",
	'ǝ': "e", 'ɐ': "a", 'ɔ': "c", 'ʇ': "t", 'ɯ': "m", 'ʌ': "v", 'ʍ': "w", 'ɹ': "r",
}

// punctuation maps typographic variants to the ASCII character the
// matcher knows: apostrophes (j’ai), quotes, dashes, and the dots and
// bullets used to space letters apart ("d·i·s·p·o").
var punctuation = map[rune]string{
	'‘': "'", '’': "'", '‚': "'", '‛': "'", '′': "'", 'ʼ': "'", 'ʹ': "'", '´': "'", 'ˈ': "'",
	'“': "\"", '”': "\"", '„': "\"", '«': "\"", '»': "\"", '‹': "\"", '›': "\"",
	'‐': "-", '‑': "-", '‒': "-", '–': "-", '—': "-", '―': "-", '−': "-", '⁃': "-",
	'·': ".", '•': ".", '‧': ".", '∙': ".", '⋅': ".", '・': ".", '●': ".", '◦': ".", '⦁': ".",
	'⁄': "/", '∕': "/", '⧸': "/",
}

// emojiCodes turns emoji used as codes into words of the lexicon. The
// names describe the picture, not a meaning: the lexicon decides what a
// snowflake or a plug weighs, and admins can change that.
var emojiCodes = map[rune]string{
	'🔌': "plug",
	'❄': "snow", '❅': "snow", '❆': "snow", '☃': "snow", '⛄': "snow", '🌨': "snow",
	'💎': "diamond", '💠': "diamond",
	'🧊': "ice",
	'🔮': "crystal",
	'🍬': "candy", '🍭': "candy", '🍫': "chocolate",
	'💊': "pill",
	'🧪': "testtube", '⚗': "testtube",
	'💧': "drop", '💦': "drops",
	'⛽': "fuel",
	'🍃': "leaf", '🌿': "leaf", '🥦': "leaf", '🍁': "leaf",
	'💉': "syringe",
	'🚀': "rocket",
	'🐱': "cat", '🐈': "cat", '😺': "cat", '😸': "cat",
	'🍄': "mushroom",
	'🎱': "eightball",
	'👃': "nose",
	'🧂': "salt",
	'💨': "smoke",
	'🐴': "horse", '🐎': "horse",
	'💰': "money", '💸': "money", '💵': "money", '💶': "money", '💷': "money", '💴': "money",
	'🤑': "money", '💲': "money", '🪙': "money", '💳': "money",
	'🚚': "truck", '🚛': "truck", '🛵': "scooter", '🏍': "scooter", '🚲': "scooter",
	'📦': "package", '🚗': "car", '🚕': "car", '🚘': "car",
	'📲': "phone", '📱': "phone", '📞': "phone", '☎': "phone",
	'📩': "mail", '✉': "mail", '📧': "mail", '📨': "mail", '📬': "mail",
	'📍': "pin", '📌': "pin",
	'🤫': "shush",
}

// latinFold is foldTable for the first code points, in an array: accented
// Latin letters are most of the non-ASCII characters of French messages.
var latinFold [latinFoldEnd]string

const latinFoldEnd = 0x0250

// foldTable is the complete per-character mapping, built once: look-alikes,
// punctuation, emoji, and every accented Latin, Greek or Cyrillic letter
// reduced to its base letter.
var foldTable map[rune]string

func init() {
	foldTable = make(map[rune]string, 2048)
	for r, s := range emojiCodes {
		foldTable[r] = " emoji:" + s + " "
	}
	for r, s := range punctuation {
		foldTable[r] = s
	}
	for r, s := range lookalikes {
		foldTable[r] = s
	}
	ranges := [][2]rune{{0x00C0, 0x024F}, {0x0370, 0x03FF}, {0x0400, 0x04FF}, {0x1E00, 0x1EFF}, {0x1F00, 0x1FFF}}
	var buf [16]byte
	for _, rg := range ranges {
		for r := rg[0]; r <= rg[1]; r++ {
			if _, done := foldTable[r]; done || !unicode.IsLetter(r) {
				continue
			}
			n := utf8.EncodeRune(buf[:], r)
			d := norm.NFD.Bytes(buf[:n])
			base, _ := utf8.DecodeRune(d)
			if base == r || base == utf8.RuneError {
				continue
			}
			base = unicode.ToLower(base)
			switch {
			case base < utf8.RuneSelf && 'a' <= base && base <= 'z':
				foldTable[r] = string(base)
			case lookalikes[base] != "":
				foldTable[r] = lookalikes[base]
			default:
				foldTable[r] = string(base)
			}
		}
	}
	for r, s := range foldTable {
		if r < latinFoldEnd {
			latinFold[r] = s
		}
	}
}
