package charter

import (
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown is goldmark's CommonMark parser with the parts a charter must not
// have taken out or adjusted, because admins write for a chat, not a web page:
//
//   - no raw HTML (blocks or inline) and no autolinks: "<b>" or "<https://…>"
//     stays visible text, so nothing in the file can become markup that
//     escaped the link allowlist;
//   - no indented code blocks: an indented line is an indented line, as in a
//     chat, and the paragraph parser accepts it instead;
//   - no setext headings: "Texte" over "---" is a paragraph and a rule, which
//     is what an admin separating sections means;
//   - no link reference definitions: "[1]: https://…" stays text rather than
//     vanishing, and "[x][1]" is never a link;
//   - a quote ends where its ">" markers end (no lazy continuation lines);
//   - "*" obeys the rules of "_" and never opens or closes emphasis inside a
//     word, so that "3*2" and inclusive writing such as "ami*e*s" stay text.
//
// The parser is safe for concurrent use once built.
var markdown = parser.NewParser(
	parser.WithBlockParsers(
		util.Prioritized(parser.NewThematicBreakParser(), 200),
		util.Prioritized(parser.NewListParser(), 300),
		util.Prioritized(parser.NewListItemParser(), 400),
		util.Prioritized(parser.NewATXHeadingParser(), 600),
		util.Prioritized(parser.NewFencedCodeBlockParser(), 700),
		util.Prioritized(parser.NewBlockquoteParser(), 800),
		util.Prioritized(paragraphParser{parser.NewParagraphParser()}, 1000),
	),
	parser.WithInlineParsers(
		util.Prioritized(parser.NewCodeSpanParser(), 100),
		util.Prioritized(linkParser{parser.NewLinkParser()}, 200),
		util.Prioritized(emphasisParser{}, 500),
	),
)

// paragraphParser is goldmark's paragraph parser, also used for indented
// lines (there are no indented code blocks to claim them) and for a line that
// CommonMark would lazily add to a quote's paragraph although it has no ">":
// in a chat, "> merci" followed by "fin" quotes one word, not two.
type paragraphParser struct{ parser.BlockParser }

// Open starts a paragraph, except when a paragraph is already open and the
// line simply continues it. It is offered every line, because it claims to
// interrupt paragraphs, and declines all but the lazy quote lines.
func (p paragraphParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	if last := pc.LastOpenedBlock().Node; last != nil && ast.IsParagraph(last) && !closesQuote(last, parent) {
		return nil, parser.NoChildren
	}
	return p.BlockParser.Open(parent, reader, pc)
}

// CanInterruptParagraph lets Open see the lines that would otherwise be
// lazy continuations.
func (paragraphParser) CanInterruptParagraph() bool { return true }

// CanAcceptIndentedLine is true because indentation means nothing in a chat.
func (paragraphParser) CanAcceptIndentedLine() bool { return true }

// closesQuote reports whether the line being parsed under parent leaves a
// quote that holds the open paragraph: the quote's ">" did not continue it.
func closesQuote(paragraph, parent ast.Node) bool {
	for n := paragraph.Parent(); n != nil && n != parent; n = n.Parent() {
		if n.Kind() == ast.KindBlockquote {
			return true
		}
	}
	return false
}

// linkParser is goldmark's link parser, remembering the source of each link's
// "](destination)" so that a link the allowlist refuses can be shown exactly
// as the admin wrote it.
type linkParser struct{ parser.InlineParser }

// tailAttr is the node attribute holding that source, as a text.Segment.
const tailAttr = "charter-tail"

// Parse delegates to goldmark and records where the link ended.
func (p linkParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	_, start := block.Position()
	n := p.InlineParser.Parse(parent, block, pc)
	switch n.(type) {
	case *ast.Link, *ast.Image:
		_, end := block.Position()
		n.SetAttributeString(tailAttr, text.NewSegment(start.Start, end.Start))
	}
	return n
}

// CloseBlock lets goldmark turn a "[" that no "]" closed back into text.
func (p linkParser) CloseBlock(parent ast.Node, block text.Reader, pc parser.Context) {
	p.InlineParser.(parser.CloseBlocker).CloseBlock(parent, block, pc)
}

// emphasisParser finds "*" and "_" delimiter runs like goldmark's own, except
// that both follow CommonMark's stricter rule for "_": a run both left- and
// right-flanking (inside a word) may only open after punctuation and only
// close before punctuation. French inclusive writing ("ami*e*s") and
// arithmetic ("3*2") are common in charters and must not turn italic.
type emphasisParser struct{}

// Trigger implements parser.InlineParser.
func (emphasisParser) Trigger() []byte { return []byte{'*', '_'} }

// Parse implements parser.InlineParser.
func (emphasisParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	before := block.PrecendingCharacter()
	line, segment := block.PeekLine()
	n := 0
	for n < len(line) && line[n] == line[0] {
		n++
	}
	after := ' '
	if n < len(line) {
		after = util.ToRune(line, n)
	}
	beforePunct, beforeSpace := util.IsPunctRune(before), util.IsSpaceRune(before)
	afterPunct, afterSpace := util.IsPunctRune(after), util.IsSpaceRune(after)
	left := !afterSpace && (!afterPunct || beforeSpace || beforePunct)
	right := !beforeSpace && (!beforePunct || afterSpace || afterPunct)
	canOpen, canClose := left && (!right || beforePunct), right && (!left || afterPunct)
	seg := segment.WithStop(segment.Start + n)
	block.Advance(n)
	if !canOpen && !canClose || !countDelimiter(parent, pc) {
		// snake_case, 3*2, or more markers than a paragraph can hold.
		return ast.NewTextSegment(seg)
	}
	d := parser.NewDelimiter(canOpen, canClose, n, line[0], emphasisDelimiters{})
	d.Segment = seg
	pc.PushDelimiter(d)
	return d
}

// maxDelimiters bounds the emphasis markers of one paragraph. goldmark pairs
// them by scanning back over every earlier opener that did not match, which
// takes quadratic time: 20,000 "_a" followed by 20,000 "b*" took 50 s. No
// charter paragraph holds 100 emphasised phrases; further markers stay text.
const maxDelimiters = 200

// delimiterTally counts the markers of the block being parsed.
type delimiterTally struct {
	block ast.Node
	n     int
}

var tallyKey = parser.NewContextKey()

// countDelimiter counts one more marker in block and reports whether it
// may still take part in emphasis.
func countDelimiter(block ast.Node, pc parser.Context) bool {
	t, _ := pc.Get(tallyKey).(*delimiterTally)
	if t == nil {
		t = &delimiterTally{}
		pc.Set(tallyKey, t)
	}
	if t.block != block {
		t.block, t.n = block, 0
	}
	t.n++
	return t.n <= maxDelimiters
}

// emphasisDelimiters pairs runs of the same character into emphasis, one
// character for italic and two for bold, with goldmark's CommonMark matching.
type emphasisDelimiters struct{}

// IsDelimiter implements parser.DelimiterProcessor.
func (emphasisDelimiters) IsDelimiter(b byte) bool { return b == '*' || b == '_' }

// CanOpenCloser implements parser.DelimiterProcessor.
func (emphasisDelimiters) CanOpenCloser(opener, closer *parser.Delimiter) bool {
	return opener.Char == closer.Char
}

// OnMatch implements parser.DelimiterProcessor.
func (emphasisDelimiters) OnMatch(consumes int) ast.Node { return ast.NewEmphasis(consumes) }
