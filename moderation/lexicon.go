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

// parser collects problems while walking the YAML tree, so that admins see
// all of them at once.
type parser struct {
	errs []error
}

func (p *parser) errorf(n *yaml.Node, entry, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if n != nil && n.Line > 0 {
		msg += fmt.Sprintf(" (line %d)", n.Line)
	}
	if entry == "" {
		p.errs = append(p.errs, errors.New(msg))
		return
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %s", entry, msg))
}

func parseLexicon(src []byte) (*lexFile, []error) {
	p := &parser{}
	lf := &lexFile{structure: map[string]structWeight{}, vocab: map[string][]string{}, aliases: map[string]string{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, []error{err}
	}
	if len(doc.Content) == 0 {
		return lf, nil // an empty file adds nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "", "expected sections signals, structure, vocabulary, aliases")
		return nil, p.errs
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "signals":
			p.signals(v, lf)
		case "structure":
			p.structure(v, lf)
		case "vocabulary":
			p.vocabulary(v, lf)
		case "aliases":
			p.aliases(v, lf)
		default:
			p.errorf(k, k.Value, "unknown section (known: signals, structure, vocabulary, aliases)")
		}
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return lf, nil
}

func (p *parser) signals(n *yaml.Node, lf *lexFile) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "signals", "expected categories (%s)", categoryList())
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		cat, ok := categories[name]
		path := "signals." + name
		if !ok {
			p.errorf(k, path, "unknown category (known: %s)", categoryList())
			continue
		}
		if v.Kind != yaml.SequenceNode {
			p.errorf(v, path, "expected a list of entries, each starting with \"- \"")
			continue
		}
		seen := map[string]string{}
		for j, e := range v.Content {
			p.entry(e, fmt.Sprintf("%s[%d]", path, j), name, cat, seen, lf)
		}
	}
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
	node *yaml.Node
	path string
}

func (p *parser) entry(e *yaml.Node, path, code string, cat category, seen map[string]string, lf *lexFile) {
	if e.Kind == yaml.ScalarNode && cat.polarity == neutral {
		// Neutral terms carry no weight: a bare string is enough.
		p.addTerms([]termItem{{e, path}}, code, cat, 0, nil, "", seen, lf)
		return
	}
	if e.Kind != yaml.MappingNode {
		p.errorf(e, path, "expected {term: ..., weight: ...} or {terms: [...], weight: ...}")
		return
	}
	var (
		items  []termItem
		weight *float64
		alone  *float64
		link   string
		wNode  *yaml.Node
	)
	for i := 0; i+1 < len(e.Content); i += 2 {
		k, v := e.Content[i], e.Content[i+1]
		switch k.Value {
		case "term":
			if v.Kind != yaml.ScalarNode {
				p.errorf(v, path+".term", "expected one word or phrase")
				continue
			}
			items = append(items, termItem{v, path})
		case "terms":
			if v.Kind != yaml.SequenceNode {
				p.errorf(v, path+".terms", "expected a list [a, b, c]")
				continue
			}
			for j, t := range v.Content {
				items = append(items, termItem{t, fmt.Sprintf("%s.terms[%d]", path, j)})
			}
		case "weight":
			weight = p.number(v, path, "weight")
			wNode = v
		case "alone":
			alone = p.number(v, path, "alone")
		case "link":
			if _, ok := linkNames[v.Value]; !ok {
				p.errorf(v, path, "link %q unknown (known: none, near, after, before, either, ask)", v.Value)
				continue
			}
			link = v.Value
		default:
			p.errorf(k, path, "unknown key %q (known: term, terms, weight, alone, link)", k.Value)
		}
	}
	if len(items) == 0 {
		p.errorf(e, path, "no term: add term: or terms:")
		return
	}
	if weight == nil && cat.polarity != neutral {
		p.errorf(e, path, "weight missing (0..1; 0 disables the term)")
		return
	}
	w := 0.0
	if weight != nil {
		w = *weight
	}
	if alone != nil && *alone > w {
		p.errorf(wNode, path, "alone %g above weight %g: a term counts more next to a product, not less", *alone, w)
		return
	}
	p.addTerms(items, code, cat, w, alone, link, seen, lf)
}

// number reads a weight in 0..1.
func (p *parser) number(v *yaml.Node, path, name string) *float64 {
	f, err := strconv.ParseFloat(v.Value, 64)
	if v.Kind != yaml.ScalarNode || err != nil {
		p.errorf(v, path, "%s %q is not a number", name, v.Value)
		return nil
	}
	if f < 0 || f > 1 {
		p.errorf(v, path, "%s %g out of range 0..1", name, f)
		return nil
	}
	return &f
}

func (p *parser) addTerms(items []termItem, code string, cat category, w float64, alone *float64, link string,
	seen map[string]string, lf *lexFile) {
	for _, it := range items {
		t, tp := it.node, it.path
		if t.Kind != yaml.ScalarNode {
			p.errorf(t, tp, "expected a word or phrase")
			continue
		}
		key := Normalize(t.Value)
		if !hasAlnum(key) {
			p.errorf(t, tp, "%q has no letters or digits left after normalisation", t.Value)
			continue
		}
		if prev, dup := seen[key]; dup {
			p.errorf(t, tp, "%q already listed at %s", t.Value, prev)
			continue
		}
		seen[key] = tp
		s := signal{code: code, term: t.Value, key: key, weight: w, link: cat.link}
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

func (p *parser) structure(n *yaml.Node, lf *lexFile) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "structure", "expected keys such as price: {weight: 0.5, alone: 0.1}")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := "structure." + k.Value
		if _, ok := structureKeys[k.Value]; !ok {
			p.errorf(k, path, "unknown key (known: %s)", keyList(structureKeys))
			continue
		}
		if v.Kind != yaml.MappingNode {
			p.errorf(v, path, "expected {weight: ..., alone: ...}")
			continue
		}
		var sw structWeight
		var hasW, hasA bool
		for j := 0; j+1 < len(v.Content); j += 2 {
			kk, vv := v.Content[j], v.Content[j+1]
			switch kk.Value {
			case "weight":
				if f := p.number(vv, path, "weight"); f != nil {
					sw.weight, hasW = *f, true
				}
			case "alone":
				if f := p.number(vv, path, "alone"); f != nil {
					sw.alone, hasA = *f, true
				}
			default:
				p.errorf(kk, path, "unknown key %q (known: weight, alone)", kk.Value)
			}
		}
		if !hasW {
			p.errorf(v, path, "weight missing")
			continue
		}
		if !hasA {
			sw.alone = sw.weight
		}
		if sw.alone > sw.weight {
			p.errorf(v, path, "alone %g above weight %g", sw.alone, sw.weight)
			continue
		}
		lf.structure[k.Value] = sw
	}
}

func keyList(m map[string]string) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (p *parser) vocabulary(n *yaml.Node, lf *lexFile) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "vocabulary", "expected lists such as units: [g, ml]")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := "vocabulary." + k.Value
		if _, ok := vocabularyKeys[k.Value]; !ok {
			p.errorf(k, path, "unknown list (known: %s)", keyList(vocabularyKeys))
			continue
		}
		if v.Kind != yaml.SequenceNode {
			p.errorf(v, path, "expected a list [a, b, c]")
			continue
		}
		for j, item := range v.Content {
			ip := fmt.Sprintf("%s[%d]", path, j)
			if item.Kind != yaml.ScalarNode || strings.TrimSpace(item.Value) == "" {
				p.errorf(item, ip, "expected a word")
				continue
			}
			val := Normalize(item.Value)
			switch k.Value {
			case "helplines":
				digits := onlyDigits(item.Value)
				if digits == "" || strings.Trim(item.Value, "0123456789 .-+") != "" {
					p.errorf(item, ip, "%q is not a phone number", item.Value)
					continue
				}
				val = digits
			case "health_domains", "messenger_domains":
				if strings.ContainsAny(val, " /@") || !strings.Contains(val, ".") {
					p.errorf(item, ip, "%q is not a domain such as example.org", item.Value)
					continue
				}
			default:
				if val == "" || strings.Contains(val, " ") {
					p.errorf(item, ip, "%q must be one word", item.Value)
					continue
				}
			}
			lf.vocab[k.Value] = append(lf.vocab[k.Value], val)
		}
	}
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

func (p *parser) aliases(n *yaml.Node, lf *lexFile) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "aliases", "expected lines such as qqn: quelqu'un")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := "aliases." + k.Value
		key := Normalize(k.Value)
		if key == "" || !isPlainWord(key) {
			p.errorf(k, path, "%q must be one word of letters and digits", k.Value)
			continue
		}
		if v.Kind != yaml.ScalarNode {
			p.errorf(v, path, "expected the words it stands for")
			continue
		}
		val := Normalize(v.Value)
		if v.Value != "" && !hasAlnum(val) {
			p.errorf(v, path, "%q has no letters or digits left after normalisation", v.Value)
			continue
		}
		if val == key {
			p.errorf(v, path, "an alias of itself")
			continue
		}
		lf.aliases[key] = val // "" removes a default alias
	}
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
