// Package resources is the directory of help services the bot shows on
// /ressources and /urgence: emergency numbers, poison control, listening
// lines, chemsex-friendly places, testing, PrEP and PEP, harm-reduction
// supplies and information, by region.
//
// The directory is a YAML file that admins edit while the bot runs (see the
// comment at the top of resources.yaml). Parse validates its bytes strictly
// and reports every problem at once, each naming the entry and its line,
// because the person fixing it is a volunteer, not a developer, and a wrong
// phone number or a dead link in a crisis does harm.
//
// The package is pure: it reads no file (package files does, and keeps the
// last good version in use when an edit breaks the file) and knows nothing
// of Telegram nor of storage: the bot renders entries with the texts of the
// locale package and remembers each member's region itself.
package resources

import (
	"github.com/entrepairs/entrepairs/langtag"
)

// The default regions' codes (see DefaultRegions). Values are what the YAML
// file uses in `region:`; they are short and ASCII because the bot puts them
// in button data, which Telegram limits to 64 bytes.
const (
	FR     = "FR"     // France
	BE     = "BE"     // Belgium
	CH     = "CH"     // Switzerland
	CA     = "CA"     // Québec: the groups' Canadian members are there, and its services are provincial
	UK     = "UK"     // United Kingdom
	Online = "online" // services reachable from anywhere (websites, forums, postal programmes)
)

// Regions lists the codes of DefaultRegions, in the order of their buttons:
// where most members live first, online last as the fallback when a region
// has nothing for a topic. A resources file may declare others (see Region).
var Regions = []string{FR, BE, CH, CA, UK, Online}

// EmergencyCategory is the category /urgence draws from. It is fixed rather
// than configured because the bot must find it without the admin having to
// set anything: a directory without it still works, /urgence then shows only
// its own card.
const EmergencyCategory = "emergency"

// Text is a text in the two languages of the groups. In the resources file
// it is written {fr: ..., en: ...}; a plain string is accepted as both, for
// names such as "Tox Info Suisse" that do not translate.
type Text struct {
	FR, EN string
}

// In returns the text for lang, a language such as the locale package picks
// ("fr", "en"): English for "en" (or "en-GB"), falling back to French when no
// English was written, and French for anything else, since French is the
// groups' language.
func (t Text) In(lang string) string {
	if langtag.Primary(lang) == "en" && t.EN != "" {
		return t.EN
	}
	return t.FR
}

// Phone is one number of a resource. Label says which one it is when a
// service has several ("Lyon", "SMS"); it is empty for a service with a
// single number. Number is kept as written, with its spaces, because members
// read and dial it as their country writes it.
type Phone struct {
	Label, Number string
}

// Category is a topic of the directory, one button of /ressources.
type Category struct {
	ID    string
	Title Text
}

// Resource is one service of the directory.
type Resource struct {
	ID       string
	Category string // a Category.ID
	Region   string // the Code of one of the Directory's Regions
	Title    Text
	Phones   []Phone
	URL      string // absolute http or https URL, or empty
	Hours    Text   // opening hours, free text; may be empty
	// Description says what the service offers, factually: members read it
	// to decide whether to call.
	Description Text
	// Recheck marks an entry whose facts rest on an old or indirect source:
	// the admins deploying the bot should verify it. Members are not shown
	// the flag; it is for whoever maintains the file.
	Recheck bool
	// Source is where the facts were checked, so that the next admin can
	// check again.
	Source string
}

// Directory is one valid version of the resources file. It is never changed
// after Parse returns it, so the bot may read it from any goroutine while a
// newer version is swapped in.
type Directory struct {
	Regions    []Region   // declared in the file (DefaultRegions when it declares none), in the order of the buttons
	Categories []Category // in file order, which is the order of the buttons
	Resources  []Resource // in file order, which is the order of the lists
}

// Category returns the category with that id. The bot gets ids back from
// button data, which may come from a message sent before the admin removed a
// category: hence the boolean rather than a panic or a zero value.
func (d *Directory) Category(id string) (Category, bool) {
	if d == nil {
		return Category{}, false
	}
	for _, c := range d.Categories {
		if c.ID == id {
			return c, true
		}
	}
	return Category{}, false
}

// In returns the entries of category for region, in file order, so that
// admins decide what comes first by where they write it.
func (d *Directory) In(category, region string) []Resource {
	if d == nil {
		return nil
	}
	var out []Resource
	for _, r := range d.Resources {
		if r.Category == category && r.Region == region {
			out = append(out, r)
		}
	}
	return out
}

// Emergency returns the emergency entries of region, for the private
// follow-up of /urgence and of a check-in answered "difficult".
func (d *Directory) Emergency(region string) []Resource {
	return d.In(EmergencyCategory, region)
}
