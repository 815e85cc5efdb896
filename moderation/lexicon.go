package moderation

import (
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// defaultLexiconYAML is the vocabulary shipped with the bot. It is embedded
// so that the bot screens well with no file to install, and so that admins'
// files only need their additions.
//
//go:embed lexicon.yaml
var defaultLexiconYAML []byte

// defaultLexiconName names the embedded file in errors.
const defaultLexiconName = "lexicon.yaml (built in)"

// Lexicon is the vocabulary and the weights the screener uses: words and
// phrases by signal category (offer, solicitation, product, story...), the
// weights of the structural signals (prices, phone numbers, handles,
// links), the word lists those rely on (currencies, units, help-line
// numbers, health-service domains) and spelling aliases ("qqn" for
// "quelqu'un").
//
// The default is embedded (moderation/lexicon.yaml, documented there).
// Admins extend it with their own file of the same shape (configuration key
// moderation.lexicon, read by package files and given to ParseLexicon),
// merged onto the default: their terms are added, a
// term they list again takes their weight, and a term they list with
// weight 0 disables the default one. A Lexicon is immutable once loaded.
type Lexicon struct {
	signals   []signal
	structure map[string]structWeight
	vocab     map[string][]string
	aliases   map[string]string
}

// signal is one term of one category.
type signal struct {
	code   string
	term   string // as written in the file, for the `check` command
	key    string // normalised, to merge and match
	weight float64
	alone  float64
	link   linkMode
}

// structWeight is the weight of a structural signal.
type structWeight struct{ weight, alone float64 }

// linkMode says whether a term needs a product (or price, quantity, dealer
// word, product emoji) next to it to count fully.
type linkMode uint8

const (
	linkNone   linkMode = iota // counts as is
	linkNear                   // a product within a few words, either side
	linkAfter                  // a product right after, with only small words between
	linkBefore                 // a product right before, with only small words between
	linkEither                 // after or before
	linkAsk                    // after, or a question mark that stands for it ("qui a ?")
)

var linkNames = map[string]linkMode{"none": linkNone, "near": linkNear, "after": linkAfter, "before": linkBefore,
	"either": linkEither, "ask": linkAsk}

// polarity of a category.
const (
	positive = 1  // raises the score
	dampener = -1 // lowers the score of the codes it explains
	neutral  = 0  // only stops shorter terms from matching ("plug anal")
)

// category describes how the terms of one signal category behave. The
// behaviour is fixed in code, the vocabulary and weights are in the file.
type category struct {
	polarity int
	link     linkMode // default for its terms
	// aloneShare is the default "alone" weight as a share of the weight,
	// for terms that do not say.
	aloneShare float64
	// target: its terms are what other terms link to (products, dealer
	// words, product emoji).
	target bool
	// affects lists the codes a dampener lowers; halves those it lowers by
	// half its weight.
	affects, halves []string
}

// Reason codes. They are stable: the bot renders them through its locale
// files (key "reason.<code>"), admins see them in the `screen` tool.
const (
	CodeOffer          = "offer"           // supply wording: "dispo", "je vends", "for sale"
	CodeDelivery       = "delivery"        // "livraison", "je me déplace", "delivery"
	CodeStock          = "stock"           // "arrivage", "en stock", "restock"
	CodeContactChannel = "contact_channel" // Wickr, Threema, Session, "en mp", e-mail address
	CodePhone          = "phone"           // a phone number that is not a help line
	CodeHandle         = "handle"          // an @account
	CodeLink           = "link"            // a web or messenger link that is not a health service
	CodePrice          = "price"           // "20/g", "60 le demi", "50€" next to a product
	CodeQuantity       = "quantity"        // "5g", "10ml"
	CodeProduct        = "product"         // a product name: small on its own
	CodeDealer         = "dealer"          // "plug", "dealer", "fournisseur"
	CodeEmoji          = "emoji_code"      // 🔌 ❄️ 💎 🍬 used as codes
	CodeSolicitation   = "solicitation"    // "qui a de la", "cherche", "looking for" + product
	CodeUrgency        = "urgency"         // "ce soir", "asap" next to a product
	CodeNewMember      = "new_member"      // a newly admitted member's first messages
	CodeLearned        = "learned"         // words the learned model weighs as a dealer's
	// Dampeners: reasons with a negative weight, that explain why a
	// message that names products or prices scored low.
	CodeStory         = "story"          // own use told in the past, money spent
	CodeRecovery      = "recovery"       // cravings, relapse, withdrawal, days clean
	CodeHarmReduction = "harm_reduction" // advice, doses, care services
	CodeWarning       = "warning"        // a warning about a batch or a dealer
	CodeTalk          = "talk"           // an offer to talk or listen
	CodeHealthService = "health_service" // a help-line number or a health-service link
)

// ReasonCodes lists every code a Reason can carry, for the bot's locale
// files and their tests.
func ReasonCodes() []string {
	return []string{CodeOffer, CodeDelivery, CodeStock, CodeContactChannel, CodePhone, CodeHandle, CodeLink,
		CodePrice, CodeQuantity, CodeProduct, CodeDealer, CodeEmoji, CodeSolicitation, CodeUrgency, CodeNewMember,
		CodeLearned, CodeStory, CodeRecovery, CodeHarmReduction, CodeWarning, CodeTalk, CodeHealthService}
}

// allPositive lists the codes global dampeners (warnings, health services)
// lower.
var allPositive = []string{CodeOffer, CodeDelivery, CodeStock, CodeContactChannel, CodePhone, CodeHandle, CodeLink,
	CodePrice, CodeQuantity, CodeProduct, CodeDealer, CodeEmoji, CodeSolicitation, CodeUrgency}

// talkAffects: an offer to talk explains availability ("je suis dispo") and
// private contact ("écris-moi en mp"), not prices or products.
var talkAffects = []string{CodeOffer, CodeContactChannel, CodeHandle, CodePhone}

// storyAffects: a story told in the past explains products, prices and
// even words that look like buying ("j'avais besoin de G"), not a
// redirection to Wickr.
var storyAffects = []string{CodePrice, CodeQuantity, CodeProduct, CodeDealer, CodeEmoji}

var supplyCodes = []string{CodeOffer, CodeDelivery, CodeStock}

// storyHalves: a story lowers supply and request wording by half only: a
// seller or a buyer may tell a bit of his life ("les sites que j'avais ont
// fermé, quelqu'un a un bon fournisseur ?").
var storyHalves = []string{CodeOffer, CodeDelivery, CodeStock, CodeSolicitation, CodeUrgency}

// recoveryAffects: cravings, relapse and recovery explain products, prices
// and old contacts ("j'ai supprimé Wickr"), but a request stays a request
// ("3 weeks clean and tonight I just can't... who can get me tina").
var recoveryAffects = []string{CodePrice, CodeQuantity, CodeProduct, CodeDealer, CodeEmoji, CodeContactChannel,
	CodeHandle}

// harmReductionAffects: advice names products, doses and services. Supply
// wording is lowered by half only: a seller may dress an offer in
// harm-reduction words ("produit testé, pipettes offertes").
var harmReductionAffects = []string{CodePrice, CodeQuantity, CodeProduct, CodeDealer, CodeEmoji, CodeSolicitation,
	CodeUrgency}

// categories are the names allowed under "signals".
var categories = map[string]category{
	CodeOffer:          {polarity: positive, link: linkNear, aloneShare: 0.5},
	CodeDelivery:       {polarity: positive, link: linkNear, aloneShare: 0.5},
	CodeStock:          {polarity: positive, link: linkNear, aloneShare: 0.5},
	CodeContactChannel: {polarity: positive, link: linkNone, aloneShare: 1},
	CodeProduct:        {polarity: positive, link: linkNone, aloneShare: 1, target: true},
	CodeDealer:         {polarity: positive, link: linkNone, aloneShare: 1, target: true},
	CodeEmoji:          {polarity: positive, link: linkNone, aloneShare: 1, target: true},
	CodeSolicitation:   {polarity: positive, link: linkAfter, aloneShare: 0},
	CodeUrgency:        {polarity: positive, link: linkNear, aloneShare: 0},
	CodeStory:          {polarity: dampener, affects: storyAffects, halves: storyHalves},
	CodeRecovery:       {polarity: dampener, affects: recoveryAffects},
	CodeHarmReduction:  {polarity: dampener, affects: harmReductionAffects, halves: supplyCodes},
	CodeWarning:        {polarity: dampener, affects: allPositive},
	CodeTalk:           {polarity: dampener, affects: talkAffects},
	"neutral":          {polarity: neutral},
}

// structureKeys are the names allowed under "structure".
var structureKeys = map[string]string{
	"price":          "a sum of money (weight: next to a product or quantity; alone: without)",
	"price_per_unit": "a price per unit, \"20/g\", \"60 le demi\"",
	"quantity":       "a quantity, \"5g\", \"10 ml\"",
	"phone":          "a phone number that is not a help line",
	"handle":         "an @account (weight: its name contains a product or dealer word)",
	"link":           "a web link (weight: its address contains a product or dealer word)",
	"messenger_link": "a link to a messenger account or group (t.me, wa.me...)",
	"email":          "an e-mail address",
	"account_id":     "a long messenger account id (Session ids are 66 hexadecimal characters)",
	"past_tense":     "dampener (story): a French verb in the imperfect the lexicon does not list (\"payais\")",
	"health_service": "dampener: a help-line number or a health-service link",
	"new_member":     "extra share of the score for a new member's first messages",
}

// vocabularyKeys are the lists allowed under "vocabulary".
var vocabularyKeys = map[string]string{
	"currencies":        "words and signs after or before a number that make it a price",
	"weak_currencies":   "like currencies but also ordinary words (\"e\" in \"20e\"): a price only with a unit or product",
	"units":             "words after a number that make it a quantity",
	"per_unit":          "words between a price and a unit that make a price per unit (\"60 le g\")",
	"fillers":           "small words allowed between a request and its product (\"qui a DE LA tina\")",
	"helplines":         "help-line numbers (digits, a prefix is enough) that are never contact redirection",
	"health_domains":    "web domains of health services, never contact redirection",
	"messenger_domains": "web domains of messenger accounts and groups",
	"link_tlds":         "domain endings that make a word like \"shop.fr\" a link",
	"keywords":          "parts of an @account or address name that make it a seller's",
	"not_past_tense":    "words ending like a verb in the imperfect (-ais, -ait, -aient) that are not one",
}

// DefaultLexicon returns the embedded default lexicon. It is parsed once;
// the result is shared and must not be modified (nothing exported can).
func DefaultLexicon() *Lexicon {
	defaultOnce.Do(func() {
		lf, errs := parseLexicon(defaultLexiconYAML)
		if len(errs) > 0 {
			panic(fmt.Sprintf("moderation: the embedded %s is invalid: %v", defaultLexiconName, errors.Join(errs...)))
		}
		defaultLex = merge(&Lexicon{structure: map[string]structWeight{}, vocab: map[string][]string{}, aliases: map[string]string{}}, lf)
	})
	return defaultLex
}

var (
	defaultOnce sync.Once
	defaultLex  *Lexicon
)

// ParseLexicon returns the default lexicon extended with the admin's file
// whose bytes are src; an empty file adds nothing. Every problem is
// reported, each naming the entry and its line, e.g.
// "signals.offer[3]: weight 1.7 out of range 0..1 (line 12)"; the caller,
// which knows the file, puts its name in front.
func ParseLexicon(src []byte) (*Lexicon, []error) {
	lf, errs := parseLexicon(src)
	if len(errs) > 0 {
		return nil, errs
	}
	return merge(DefaultLexicon(), lf), nil
}

// lexFile is one parsed file, before merging.
type lexFile struct {
	signals   []signal
	disabled  []signal // weight 0: remove from the default
	structure map[string]structWeight
	vocab     map[string][]string
	aliases   map[string]string
}

// lexSections is a lexicon file as yaml.v3 decodes it, before any check
// (the shapes are in yamldecode.go).
type lexSections struct {
	Signals    table[list[record[entryFields]]] `yaml:"signals"`
	Structure  table[record[structFields]]      `yaml:"structure"`
	Vocabulary table[list[scalar]]              `yaml:"vocabulary"`
	Aliases    table[scalar]                    `yaml:"aliases"`
}

// entryFields is one entry of a signal category.
type entryFields struct {
	Term   scalar       `yaml:"term"`
	Terms  list[scalar] `yaml:"terms"`
	Weight scalar       `yaml:"weight"`
	Alone  scalar       `yaml:"alone"`
	Link   scalar       `yaml:"link"`
}

// structFields is the weight of one structural signal.
type structFields struct {
	Weight scalar `yaml:"weight"`
	Alone  scalar `yaml:"alone"`
}

// The keys of the mappings of fixed keys, for the messages that list them.
const (
	sectionKeys     = "signals, structure, vocabulary, aliases"
	entryKeys       = "term, terms, weight, alone, link"
	structFieldKeys = "weight, alone"
)

// parser collects problems while checking the decoded file, so that admins
// see all of them at once.
type parser struct {
	errs []error
}

// errorf records a problem with entry, at line (0: no line to give).
func (p *parser) errorf(line int, entry, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		msg += fmt.Sprintf(" (line %d)", line)
	}
	if entry == "" {
		p.errs = append(p.errs, errors.New(msg))
		return
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %s", entry, msg))
}

// keyProblems reports the unknown and repeated keys of the mapping at path;
// it returns false when the mapping was refused.
func (p *parser) keyProblems(path string, problems []keyProblem, known string) bool {
	ok := true
	for _, pr := range problems {
		switch {
		case pr.other != "":
			p.errorf(0, path, "%s", pr.other)
		case pr.first > 0:
			p.errorf(pr.line, path, "key %q given twice, first at line %d", pr.key, pr.first)
			ok = false
		default:
			p.errorf(pr.line, path, "unknown key %q (known: %s)", pr.key, known)
		}
	}
	return ok
}

func parseLexicon(src []byte) (*lexFile, []error) {
	var doc record[lexSections]
	if err := decodeStrict(src, &doc); err != nil {
		return nil, []error{err}
	}
	lf := &lexFile{structure: map[string]structWeight{}, vocab: map[string][]string{}, aliases: map[string]string{}}
	if !doc.at.set {
		return lf, nil // an empty file adds nothing
	}
	p := &parser{}
	if doc.at.kind != yaml.MappingNode {
		p.errorf(doc.at.line, "", "expected sections %s", sectionKeys)
		return nil, p.errs
	}
	for _, pr := range doc.problems {
		switch {
		case pr.other != "":
			p.errorf(0, "", "%s", pr.other)
		case pr.first > 0:
			p.errorf(pr.line, pr.key, "section given twice, first at line %d", pr.first)
		default:
			p.errorf(pr.line, pr.key, "unknown section (known: %s)", sectionKeys)
		}
	}
	s := doc.fields
	p.signals(s.Signals, lf)
	p.structure(s.Structure, lf)
	p.vocabulary(s.Vocabulary, lf)
	p.aliases(s.Aliases, lf)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return lf, nil
}

// eachRow checks the section whose keys the file chooses, and calls check
// for each row whose key known accepts (nil: any), in file order. shape
// says what the section should look like, unknown what a wrong key is.
func eachRow[T any](p *parser, section string, t table[T], shape string, known func(string) bool, unknown string,
	check func(path string, r row[T])) {
	if !t.at.set {
		return // absent, or nothing after it
	}
	if t.at.kind != yaml.MappingNode {
		p.errorf(t.at.line, section, "%s", shape)
		return
	}
	for _, pr := range t.twice {
		p.errorf(pr.line, section+"."+pr.key, "given twice, first at line %d", pr.first)
	}
	for _, r := range t.rows {
		path := section + "." + r.key.text
		if known != nil && !known(r.key.text) {
			p.errorf(r.key.line, path, "%s", unknown)
			continue
		}
		check(path, r)
	}
}

func (p *parser) signals(t table[list[record[entryFields]]], lf *lexFile) {
	known := func(name string) bool { _, ok := categories[name]; return ok }
	eachRow(p, "signals", t, "expected categories ("+categoryList()+")", known,
		"unknown category (known: "+categoryList()+")", func(path string, r row[list[record[entryFields]]]) {
			if r.val.at.kind != yaml.SequenceNode {
				p.errorf(r.line, path, "expected a list of entries, each starting with \"- \"")
				return
			}
			code := r.key.text
			seen := map[string]string{}
			for j, it := range r.val.items {
				e := it.val
				if e == nil {
					e = &record[entryFields]{at: it.at} // nothing after "- "
				}
				p.entry(e, fmt.Sprintf("%s[%d]", path, j), code, categories[code], seen, lf)
			}
		})
}

func categoryList() string {
	names := make([]string, 0, len(categories))
	for k := range categories {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// termItem is one term with the entry path that names it in errors.
type termItem struct {
	term scalar
	path string
}

func (p *parser) entry(e *record[entryFields], path, code string, cat category, seen map[string]string, lf *lexFile) {
	if e.at.isScalar() && cat.polarity == neutral {
		// Neutral terms carry no weight: a bare string is enough.
		p.addTerms([]termItem{{e.at, path}}, code, cat, 0, nil, "", seen, lf)
		return
	}
	if e.at.kind != yaml.MappingNode {
		p.errorf(e.at.line, path, "expected {term: ..., weight: ...} or {terms: [...], weight: ...}")
		return
	}
	if !p.keyProblems(path, e.problems, entryKeys) || e.refused {
		return
	}
	f := e.fields
	var term, terms []termItem
	if f.Term.set {
		if f.Term.isScalar() {
			term = []termItem{{f.Term, path}}
		} else {
			p.errorf(f.Term.line, path+".term", "expected one word or phrase")
		}
	}
	if f.Terms.at.set {
		if f.Terms.at.kind == yaml.SequenceNode {
			for j, it := range f.Terms.items {
				terms = append(terms, termItem{it.at, fmt.Sprintf("%s.terms[%d]", path, j)})
			}
		} else {
			p.errorf(f.Terms.at.line, path+".terms", "expected a list [a, b, c]")
		}
	}
	var weight, alone *float64
	if f.Weight.set {
		weight = p.number(f.Weight, path, "weight")
	}
	if f.Alone.set {
		alone = p.number(f.Alone, path, "alone")
	}
	link := ""
	if f.Link.set {
		if _, ok := linkNames[f.Link.text]; ok {
			link = f.Link.text
		} else {
			p.errorf(f.Link.line, path, "link %q unknown (known: none, near, after, before, either, ask)", f.Link.text)
		}
	}
	// The terms are added in the order the file gives them.
	items := append(term, terms...)
	if e.before("terms", "term") {
		items = append(terms, term...)
	}
	if len(items) == 0 {
		p.errorf(e.at.line, path, "no term: add term: or terms:")
		return
	}
	if weight == nil && cat.polarity != neutral {
		p.errorf(e.at.line, path, "weight missing (0..1; 0 disables the term)")
		return
	}
	w := 0.0
	if weight != nil {
		w = *weight
	}
	if alone != nil && *alone > w {
		p.errorf(f.Weight.line, path, "alone %g above weight %g: a term counts more next to a product, not less", *alone, w)
		return
	}
	p.addTerms(items, code, cat, w, alone, link, seen, lf)
}

// number reads a weight in 0..1.
func (p *parser) number(v scalar, path, name string) *float64 {
	f, err := strconv.ParseFloat(v.text, 64)
	if !v.isScalar() || err != nil {
		p.errorf(v.line, path, "%s %q is not a number", name, v.text)
		return nil
	}
	if !(f >= 0 && f <= 1) { // NaN included
		p.errorf(v.line, path, "%s %g out of range 0..1", name, f)
		return nil
	}
	return &f
}

func (p *parser) addTerms(items []termItem, code string, cat category, w float64, alone *float64, link string,
	seen map[string]string, lf *lexFile) {
	for _, it := range items {
		t, tp := it.term, it.path
		if !t.isScalar() {
			p.errorf(t.line, tp, "expected a word or phrase")
			continue
		}
		key := Normalize(t.text)
		if !hasAlnum(key) {
			p.errorf(t.line, tp, "%q has no letters or digits left after normalisation", t.text)
			continue
		}
		if prev, dup := seen[key]; dup {
			p.errorf(t.line, tp, "%q already listed at %s", t.text, prev)
			continue
		}
		seen[key] = tp
		s := signal{code: code, term: t.text, key: key, weight: w, link: cat.link}
		if link != "" {
			s.link = linkNames[link]
		}
		s.alone = w * cat.aloneShare
		if alone != nil {
			s.alone = *alone
		}
		if cat.polarity != neutral && w == 0 {
			lf.disabled = append(lf.disabled, s)
			continue
		}
		lf.signals = append(lf.signals, s)
	}
}

func hasAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if isAlnum(s[i]) {
			return true
		}
	}
	return false
}

func (p *parser) structure(t table[record[structFields]], lf *lexFile) {
	eachRow(p, "structure", t, "expected keys such as price: {weight: 0.5, alone: 0.1}", isKey(structureKeys),
		"unknown key (known: "+keyList(structureKeys)+")", func(path string, r row[record[structFields]]) {
			v := r.val
			if v.at.kind != yaml.MappingNode {
				p.errorf(r.line, path, "expected {weight: ..., alone: ...}")
				return
			}
			if !p.keyProblems(path, v.problems, structFieldKeys) || v.refused {
				return
			}
			var sw structWeight
			var hasW, hasA bool
			if v.fields.Weight.set {
				if f := p.number(v.fields.Weight, path, "weight"); f != nil {
					sw.weight, hasW = *f, true
				}
			}
			if v.fields.Alone.set {
				if f := p.number(v.fields.Alone, path, "alone"); f != nil {
					sw.alone, hasA = *f, true
				}
			}
			if !hasW {
				p.errorf(v.at.line, path, "weight missing")
				return
			}
			if !hasA {
				sw.alone = sw.weight
			}
			if sw.alone > sw.weight {
				p.errorf(v.at.line, path, "alone %g above weight %g", sw.alone, sw.weight)
				return
			}
			lf.structure[r.key.text] = sw
		})
}

func isKey(m map[string]string) func(string) bool {
	return func(k string) bool { _, ok := m[k]; return ok }
}

func keyList(m map[string]string) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (p *parser) vocabulary(t table[list[scalar]], lf *lexFile) {
	eachRow(p, "vocabulary", t, "expected lists such as units: [g, ml]", isKey(vocabularyKeys),
		"unknown list (known: "+keyList(vocabularyKeys)+")", func(path string, r row[list[scalar]]) {
			if r.val.at.kind != yaml.SequenceNode {
				p.errorf(r.line, path, "expected a list [a, b, c]")
				return
			}
			name := r.key.text
			for j, it := range r.val.items {
				ip := fmt.Sprintf("%s[%d]", path, j)
				w := it.at // as written: a null item has no decoded value
				if !w.isScalar() || strings.TrimSpace(w.text) == "" {
					p.errorf(w.line, ip, "expected a word")
					continue
				}
				val := Normalize(w.text)
				switch name {
				case "helplines":
					digits := onlyDigits(w.text)
					if digits == "" || strings.Trim(w.text, "0123456789 .-+") != "" {
						p.errorf(w.line, ip, "%q is not a phone number", w.text)
						continue
					}
					val = digits
				case "health_domains", "messenger_domains":
					if strings.ContainsAny(val, " /@") || !strings.Contains(val, ".") {
						p.errorf(w.line, ip, "%q is not a domain such as example.org", w.text)
						continue
					}
				default:
					if val == "" || strings.Contains(val, " ") {
						p.errorf(w.line, ip, "%q must be one word", w.text)
						continue
					}
				}
				lf.vocab[name] = append(lf.vocab[name], val)
			}
		})
}

func onlyDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func (p *parser) aliases(t table[scalar], lf *lexFile) {
	eachRow(p, "aliases", t, "expected lines such as qqn: quelqu'un", nil, "", func(path string, r row[scalar]) {
		key := Normalize(r.key.text)
		if key == "" || !isPlainWord(key) {
			p.errorf(r.key.line, path, "%q must be one word of letters and digits", r.key.text)
			return
		}
		v := r.val // unset when nothing follows the key: removes the alias, as "" does
		if v.set && !v.isScalar() {
			p.errorf(r.line, path, "expected the words it stands for")
			return
		}
		val := Normalize(v.text)
		if v.text != "" && !hasAlnum(val) {
			p.errorf(r.line, path, "%q has no letters or digits left after normalisation", v.text)
			return
		}
		if val == key {
			p.errorf(r.line, path, "an alias of itself")
			return
		}
		lf.aliases[key] = val // "" removes a default alias
	})
}

func isPlainWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return s != ""
}

// merge returns base extended by f: f's terms are added or replace the
// same term of the same category, f's disabled terms are removed, its
// structure weights replace the base's, its vocabulary is added.
func merge(base *Lexicon, f *lexFile) *Lexicon {
	out := &Lexicon{
		structure: make(map[string]structWeight, len(base.structure)+len(f.structure)),
		vocab:     make(map[string][]string, len(base.vocab)+len(f.vocab)),
		aliases:   make(map[string]string, len(base.aliases)+len(f.aliases)),
	}
	type ck struct{ code, key string }
	replaced := map[ck]bool{}
	for _, s := range f.signals {
		replaced[ck{s.code, s.key}] = true
	}
	for _, s := range f.disabled {
		replaced[ck{s.code, s.key}] = true
	}
	for _, s := range base.signals {
		if !replaced[ck{s.code, s.key}] {
			out.signals = append(out.signals, s)
		}
	}
	out.signals = append(out.signals, f.signals...)
	for k, v := range base.structure {
		out.structure[k] = v
	}
	for k, v := range f.structure {
		out.structure[k] = v
	}
	for k, v := range base.vocab {
		out.vocab[k] = append([]string(nil), v...)
	}
	for k, v := range f.vocab {
		out.vocab[k] = append(out.vocab[k], v...)
	}
	for k, v := range base.aliases {
		out.aliases[k] = v
	}
	for k, v := range f.aliases {
		if v == "" {
			delete(out.aliases, k)
			continue
		}
		out.aliases[k] = v
	}
	return out
}
